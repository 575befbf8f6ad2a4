"""The 15:00 cut-off is a rule of some procedures (DOMAIN §4.2, same-day civil status), set per
version: a 7-day procedure received at 15:30 does not lose a day; a same-day civil-status one
counts from the next working day. Submitted through the API, read back from the stored row."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import service as catalog
from motcua.catalog.schemas import CatalogDocument
from motcua.dossiers import repository
from tests.dossiers.conftest import APPLICANT, procedure
from tests.dossiers.test_submission import person, upload

VN = ZoneInfo("Asia/Ho_Chi_Minh")
FORM_ONLY = [{"key": "to_khai", "name": "Tờ khai"}]
# In force before the receipts below (March 2026).
SINCE = date(2025, 10, 1)


@pytest.fixture
async def by_rule(session: AsyncSession) -> dict[str, str]:
    """Test procedures (synthetic): 7 days without the cut-off, the same with it, and a
    same-day civil-status one with it."""
    await catalog.import_document(
        session,
        CatalogDocument(
            procedures=[
                procedure(
                    "9.990071",
                    processing_days=7,
                    fees=[],
                    requirements=FORM_ONLY,
                    effective_from=SINCE,
                ),
                procedure(
                    "9.990072",
                    processing_days=7,
                    fees=[],
                    same_day_cutoff=True,
                    requirements=FORM_ONLY,
                    effective_from=SINCE,
                ),
                procedure(
                    "9.990073",
                    processing_days=0,
                    fees=[],
                    same_day_cutoff=True,
                    requirements=FORM_ONLY,
                    effective_from=SINCE,
                ),
            ]
        ),
    )
    await session.flush()
    return {"seven_days": "9.990071", "seven_days_cutoff": "9.990072", "same_day": "9.990073"}


async def file_at(
    client: httpx.AsyncClient,
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
    code: str,
    moment: datetime,
    key: str,
) -> datetime:
    monkeypatch.setattr("motcua.core.clock.now", lambda: moment.astimezone(UTC))
    upload_id = await upload(client)
    response = await client.post(
        "/api/v1/dossiers",
        headers=person(APPLICANT, key),
        json={
            "procedure_code": code,
            "items": [{"requirement_key": "to_khai", "source": "upload", "upload_id": upload_id}],
        },
    )
    assert response.status_code == 201, response.text
    stored = await repository.plain_by_code(session, response.json()["code"])
    assert stored is not None
    assert datetime.fromisoformat(response.json()["due_at"]) == stored.due_at
    return stored.due_at.astimezone(VN)


async def test_a_receipt_at_15_30_counts_from_the_same_day_unless_the_procedure_sets_the_cut_off(
    client: httpx.AsyncClient,
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
    by_rule: dict[str, str],
) -> None:
    # Tuesday 10/03/2026, 15:30 in Hà Nội: a working day, after the cut-off.
    late = datetime(2026, 3, 10, 15, 30, tzinfo=VN)
    seven = await file_at(client, session, monkeypatch, by_rule["seven_days"], late, "cut-0001")
    assert seven == datetime(2026, 3, 19, 17, 0, tzinfo=VN)  # counted from Tuesday
    with_rule = await file_at(
        client, session, monkeypatch, by_rule["seven_days_cutoff"], late, "cut-0002"
    )
    assert with_rule == datetime(2026, 3, 20, 17, 0, tzinfo=VN)  # counted from Wednesday
    same_day = await file_at(client, session, monkeypatch, by_rule["same_day"], late, "cut-0003")
    assert same_day == datetime(2026, 3, 11, 17, 0, tzinfo=VN)
    # Before the cut-off, a same-day procedure is due the same day.
    early = datetime(2026, 3, 10, 14, 59, tzinfo=VN)
    same_day_early = await file_at(
        client, session, monkeypatch, by_rule["same_day"], early, "cut-0004"
    )
    assert same_day_early == datetime(2026, 3, 10, 17, 0, tzinfo=VN)


async def test_the_essential_civil_status_procedures_carry_the_cut_off(
    session: AsyncSession,
) -> None:
    """Birth, death, marriage and the two groups set it; residence (7 days) does not."""
    flags = {
        code: (await catalog.current(session, code)).same_day_cutoff
        for code in ("1.001193", "0.000010", "0.000011", "0.000015", "1.011537", "0.000003")
    }
    assert flags == {
        "1.001193": True,
        "0.000010": True,
        "0.000011": True,
        "0.000015": True,
        "1.011537": True,
        "0.000003": False,
    }
