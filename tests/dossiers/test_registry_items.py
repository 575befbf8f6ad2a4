"""Invariant 8: a registry item of a dossier is copied from a read the platform made itself, for
this person, this procedure and this requirement; a client can never write one."""

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock
from motcua.dossiers.models import Dossier, DossierItem
from motcua.exchange.models import EvidenceItem
from tests.dossiers.conftest import APPLICANT, OTHER, pdf_bytes, registry_item
from tests.fetched import fetched_evidence
from tests.identity.helpers import as_citizen


async def _upload(client: httpx.AsyncClient) -> str:
    response = await client.post(
        "/api/v1/uploads",
        headers=as_citizen(APPLICANT),
        files={"file": ("to-khai.pdf", pdf_bytes(), "application/pdf")},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _body(code: str, upload_id: str, registry: dict[str, Any]) -> dict[str, Any]:
    return {
        "procedure_code": code,
        "items": [
            {"requirement_key": "to_khai", "source": "upload", "upload_id": upload_id},
            registry,
        ],
    }


async def _file(client: httpx.AsyncClient, body: dict[str, Any], key: str) -> httpx.Response:
    headers = as_citizen(APPLICANT) | {"Idempotency-Key": key}
    return await client.post("/api/v1/dossiers", headers=headers, json=body)


async def _dossiers(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Dossier)) or 0)


async def test_the_value_is_copied_from_the_platforms_own_read(
    client: httpx.AsyncClient, session: AsyncSession, procedures: dict[str, str]
) -> None:
    read = await fetched_evidence(
        session, actor=APPLICANT, procedure_code=procedures["online"], keys=["giay_chung_sinh"]
    )
    upload_id = await _upload(client)
    body = _body(procedures["online"], upload_id, registry_item(read["giay_chung_sinh"]))
    response = await _file(client, body, "registry-copy-0001")
    assert response.status_code == 201, response.text
    stored = await session.scalar(
        select(DossierItem)
        .join(Dossier)
        .where(
            Dossier.code == response.json()["code"],
            DossierItem.requirement_key == "giay_chung_sinh",
        )
    )
    assert stored is not None and stored.source == "registry"
    assert stored.value == {"nguon": "dữ liệu tổng hợp"}
    assert stored.evidence is not None
    assert stored.evidence["registry_code"] == "population"
    assert stored.evidence["subject_personal_id"] == APPLICANT


async def test_a_client_typed_registry_value_is_refused_and_nothing_is_written(
    client: httpx.AsyncClient, session: AsyncSession, procedures: dict[str, str]
) -> None:
    upload_id = await _upload(client)
    before = await _dossiers(session)
    forged = {
        "requirement_key": "giay_chung_sinh",
        "source": "registry",
        "value": {"mother_full_name": "Người Bịa Ra", "mother_personal_id": "001199009999"},
    }
    response = await _file(client, _body(procedures["online"], upload_id, forged), "forged-0001")
    assert response.status_code == 422
    problems = {p["code"]: p for p in response.json()["problems"]}
    assert problems["registry-value-from-client"]["field"] == "items[1].value"
    assert "cơ sở dữ liệu" in problems["registry-value-from-client"]["message"]
    assert await _dossiers(session) == before


@pytest.mark.parametrize("case", ["someone-else", "expired", "other-procedure", "other-key"])
async def test_an_evidence_item_that_is_not_this_applications_is_refused(
    client: httpx.AsyncClient, session: AsyncSession, procedures: dict[str, str], case: str
) -> None:
    actor = OTHER if case == "someone-else" else APPLICANT
    code = procedures["counter_only"] if case == "other-procedure" else procedures["online"]
    key = "ban_sao" if case == "other-key" else "giay_chung_sinh"
    read = await fetched_evidence(session, actor=actor, procedure_code=code, keys=[key])
    if case == "expired":
        await session.execute(
            update(EvidenceItem)
            .where(EvidenceItem.id == read[key])
            .values(fetched_at=clock.now() - timedelta(hours=25))
        )
    upload_id = await _upload(client)
    before = await _dossiers(session)
    body = _body(procedures["online"], upload_id, registry_item(read[key]))
    response = await _file(client, body, f"evidence-{case}-01")
    assert response.status_code == 422, response.text
    expected = {
        "someone-else": "unknown-evidence-item",
        "expired": "evidence-expired",
        "other-procedure": "evidence-for-another-procedure",
        "other-key": "evidence-for-another-requirement",
    }[case]
    problems = {p["code"]: p for p in response.json()["problems"]}
    assert problems[expected]["field"] == "items[1].evidence_item"
    assert await _dossiers(session) == before
