"""Personal numbers on pages and papers where the whole is not needed: the officer's queue and
dossier page, the monitoring and statistics pages, and the receipt slip show none whole; the
officer sees it only by asking with a reason (recorded, tests/workflow)."""

import io
import re

import httpx
from pypdf import PdfReader
from sqlalchemy.ext.asyncio import AsyncSession

from tests.identity.helpers import as_citizen
from tests.workflow.conftest import APPLICANT, SIMPLE, Team, file_dossier
from tests.workflow.conftest import team as team  # the fixture

MASKED = APPLICANT[:3] + "******" + APPLICANT[-3:]
WHOLE = re.compile(r"(?<!\d)\d{12}(?!\d)")


async def test_officer_and_public_pages_show_no_whole_personal_number(
    client: httpx.AsyncClient, session: AsyncSession, team: Team
) -> None:
    code = await file_dossier(session, team.commune, SIMPLE)
    await session.commit()
    officer = team.auth("c_receiving_officer")
    pages = {
        "/can-bo/ho-so": officer,
        f"/can-bo/ho-so/{code}": officer,
        "/monitoring": {},
        "/thong-ke": {},
        "/thong-ke/du-lieu": {},
    }
    for url, headers in pages.items():
        page = await client.get(url, headers=headers)
        assert page.status_code == 200, (url, page.status_code)
        assert APPLICANT not in page.text, url
        assert not WHOLE.findall(page.text), (url, WHOLE.findall(page.text)[:3])
    case = await client.get(f"/can-bo/ho-so/{code}", headers=officer)
    assert code in case.text  # the page is the dossier's, with the number masked
    api = await client.get(f"/api/v1/workflow/dossiers/{code}", headers=officer)
    assert api.json()["applicant"]["personal_number_masked"] != APPLICANT


async def test_the_receipt_slip_carries_the_number_masked(
    client: httpx.AsyncClient, session: AsyncSession, team: Team
) -> None:
    code = await file_dossier(session, team.commune, SIMPLE)
    await session.commit()
    slip = await client.get(f"/api/v1/dossiers/{code}/receipt.pdf", headers=as_citizen(APPLICANT))
    assert slip.status_code == 200
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(slip.content)).pages)
    flat = " ".join(text.split())
    assert f"số định danh cá nhân {MASKED}" in flat
    assert APPLICANT not in flat and not WHOLE.findall(flat)
