"""Consent, preview, fetch, decisions and re-check through the service, against the live sandbox."""

import time

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.errors import Invalid
from motcua.exchange import access as exchange_access
from motcua.exchange import service
from motcua.exchange.connectors import Fetcher
from motcua.exchange.models import AccessLogEntry, EvidenceItem, ItemStatus
from motcua.sandbox import personas
from tests.exchange.conftest import LiveSandbox

RESIDENCE = "0.000003"  # population, residence, land, civil status (birth, marriage)
JUDICIAL = "0.000021"  # population, residence, judicial records

pytestmark = pytest.mark.usefixtures("registries")


async def _log_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(AccessLogEntry)) or 0)


async def _ready(session: AsyncSession, code: str, person: str) -> str:
    view = await service.prepare_consent(session, code, person)
    await service.confirm_consent(session, view.reference, person)
    return view.reference


async def test_preview_names_registry_procedure_and_legal_basis(session: AsyncSession) -> None:
    view = await service.prepare_consent(session, RESIDENCE, personas.COMPLETE)
    assert view.state == "pending" and view.legal_basis
    by_type = {p.evidence_type: p for p in view.plan}
    assert by_type["population.person"].registry_name == "Cơ sở dữ liệu quốc gia về dân cư"
    assert by_type["population.person"].operator == "Bộ Công an"
    assert "full_name" in by_type["land.certificate"].fields or by_type["land.certificate"].fields


async def test_no_fetch_before_consent_and_refusal_is_logged(session: AsyncSession) -> None:
    view = await service.prepare_consent(session, JUDICIAL, personas.COMPLETE)
    before = await _log_count(session)
    with pytest.raises(service.ReadRefused) as error:
        await service.fetch_evidence(session, view.reference, personas.COMPLETE)
    assert error.value.code == "no-consent"
    assert await _log_count(session) == before + 3
    assert not (await session.scalars(select(EvidenceItem))).all()


async def test_delivered_fields_carry_source_and_date(
    session: AsyncSession, fetcher: Fetcher
) -> None:
    reference = await _ready(session, RESIDENCE, personas.COMPLETE)
    result = await service.fetch_evidence(session, reference, personas.COMPLETE, fetcher=fetcher)
    status = {i.evidence_type: i for i in result.items}
    person = status["population.person"]
    assert person.status == ItemStatus.delivered
    assert person.fields["full_name"].value == "Nguyễn Văn An"
    assert person.fields["full_name"].source == "population"
    assert person.fields["full_name"].last_updated is not None
    assert person.request_hash and len(person.request_hash) == 64
    assert status["land.certificate"].status == ItemStatus.delivered
    assert status["civil_status.birth"].status == ItemStatus.not_found
    assert status["civil_status.marriage"].status == ItemStatus.delivered
    page = await exchange_access.data_access(session, personas.COMPLETE)
    assert len(page.items) == len(result.items)
    assert page.items[0].seq > page.items[-1].seq


async def test_several_records_need_a_choice(session: AsyncSession, fetcher: Fetcher) -> None:
    reference = await _ready(session, RESIDENCE, personas.SEVERAL_RECORDS)
    result = await service.fetch_evidence(
        session, reference, personas.SEVERAL_RECORDS, fetcher=fetcher
    )
    land = next(i for i in result.items if i.evidence_type == "land.certificate")
    assert land.status == ItemStatus.needs_choice and len(land.options) == 2 and land.question
    again = await service.fetch_evidence(
        session,
        reference,
        personas.SEVERAL_RECORDS,
        fetcher=fetcher,
        choices={land.key: land.options[1].id},
    )
    land = next(i for i in again.items if i.evidence_type == "land.certificate")
    assert land.status == ItemStatus.delivered
    assert len(await service.items(session, reference, personas.SEVERAL_RECORDS)) == len(
        again.items
    )


async def test_no_residence_and_disagreeing_registries(
    session: AsyncSession, fetcher: Fetcher
) -> None:
    reference = await _ready(session, JUDICIAL, personas.NO_RESIDENCE)
    result = await service.fetch_evidence(
        session, reference, personas.NO_RESIDENCE, fetcher=fetcher
    )
    residence = next(i for i in result.items if i.evidence_type == "residence.record")
    assert residence.status == ItemStatus.not_found

    reference = await _ready(session, "0.000002", personas.DISAGREEING)
    result = await service.fetch_evidence(session, reference, personas.DISAGREEING, fetcher=fetcher)
    fields = {d.field: d.values for d in result.disagreements}
    assert fields["full_name"]["identity"] == "Vũ Thị Hương Giang"
    assert fields["full_name"]["population"] == "Vũ Thị Giang"
    assert "date_of_birth" in fields


async def test_fault_gives_unavailable_logged_and_nothing_half_written(
    session: AsyncSession, fetcher: Fetcher, faults: httpx.AsyncClient
) -> None:
    await faults.put("/_faults/judicial_records", json={"html": True})
    reference = await _ready(session, JUDICIAL, personas.COMPLETE)
    result = await service.fetch_evidence(session, reference, personas.COMPLETE, fetcher=fetcher)
    judicial = next(i for i in result.items if i.evidence_type == "judicial.record")
    assert judicial.status == ItemStatus.unavailable
    assert judicial.reason == "unexpected-content-type" and judicial.message
    assert not judicial.fields
    logged = (
        await session.scalars(
            select(AccessLogEntry).where(AccessLogEntry.consent_reference == reference)
        )
    ).all()
    assert {(e.evidence_type_code, e.outcome) for e in logged} >= {
        ("judicial.record", "unavailable")
    }
    stored = (
        await session.scalars(
            select(EvidenceItem).where(EvidenceItem.consent_reference == reference)
        )
    ).all()
    assert len(stored) == 3
    assert all(i.fields == {} for i in stored if i.status != ItemStatus.delivered)


async def test_hung_registry_does_not_hold_the_application(
    session: AsyncSession, fetcher: Fetcher, faults: httpx.AsyncClient
) -> None:
    await faults.put("/_faults/population", json={"stall_s": 30})
    reference = await _ready(session, JUDICIAL, personas.COMPLETE)
    started = time.perf_counter()
    result = await service.fetch_evidence(session, reference, personas.COMPLETE, fetcher=fetcher)
    assert time.perf_counter() - started < 2.5  # the registries' timeout is 1.5 s here
    statuses = {i.evidence_type: i.status for i in result.items}
    assert statuses["population.person"] == ItemStatus.unavailable
    assert statuses["judicial.record"] == ItemStatus.delivered


async def test_malformed_numbers_refused_before_any_registry_call(
    session: AsyncSession, sandbox: LiveSandbox
) -> None:
    calls = dict(sandbox.state.calls)
    before = await _log_count(session)
    for bad in ("12345", "00108400010x", "999084000101"):
        with pytest.raises(Invalid):
            await service.prepare_consent(session, JUDICIAL, bad)
        with pytest.raises(Invalid):
            await service.prepare_consent(session, JUDICIAL, personas.COMPLETE, subject=bad)
    assert sandbox.state.calls == calls
    assert await _log_count(session) == before


async def test_deny_by_default_outside_the_procedure(
    session: AsyncSession, fetcher: Fetcher, sandbox: LiveSandbox
) -> None:
    reference = await _ready(session, JUDICIAL, personas.COMPLETE)
    calls = dict(sandbox.state.calls)
    with pytest.raises(service.ReadRefused) as error:
        await service.fetch_evidence(
            session, reference, personas.COMPLETE, only="land.certificate", fetcher=fetcher
        )
    assert error.value.code == "not-in-procedure"
    assert sandbox.state.calls == calls
    entry = await session.scalar(select(AccessLogEntry).order_by(AccessLogEntry.seq.desc()))
    assert entry is not None
    assert (entry.outcome, entry.reason, entry.evidence_type_code) == (
        "refused",
        "not-in-procedure",
        "land.certificate",
    )
    with pytest.raises(service.ReadRefused):
        await service.fetch_evidence(session, reference, personas.SPOUSE, fetcher=fetcher)


async def test_reject_item_and_recheck_at_submission(
    session: AsyncSession, fetcher: Fetcher
) -> None:
    reference = await _ready(session, JUDICIAL, personas.COMPLETE)
    result = await service.fetch_evidence(session, reference, personas.COMPLETE, fetcher=fetcher)
    person = next(i for i in result.items if i.evidence_type == "population.person")
    judicial = next(i for i in result.items if i.evidence_type == "judicial.record")
    ok = await service.recheck(
        session,
        reference,
        personas.COMPLETE,
        {
            person.key: {
                "full_name": "  nguyễn   văn AN ",
                "date_of_birth": "12/05/1984",
                "personal_id": "001 084 000 101",
            },
        },
    )
    assert ok.ok, ok.mismatches
    bad = await service.recheck(
        session, reference, personas.COMPLETE, {person.key: {"date_of_birth": "13/05/1984"}}
    )
    assert not bad.ok and bad.mismatches[0].field == "date_of_birth"
    rejected = await service.decide(
        session, reference, personas.COMPLETE, judicial.key, accept=False, reason="Sai"
    )
    assert rejected.decision == "rejected" and not rejected.fields
    await service.close_application(session, reference, personas.COMPLETE)
    assert not await service.items(session, reference, personas.COMPLETE)


async def test_a_new_fetch_replaces_each_item_in_place(
    session: AsyncSession, fetcher: Fetcher
) -> None:
    reference = await _ready(session, JUDICIAL, personas.COMPLETE)
    first = await service.fetch_evidence(session, reference, personas.COMPLETE, fetcher=fetcher)
    judicial = next(i for i in first.items if i.evidence_type == "judicial.record")
    await service.decide(
        session, reference, personas.COMPLETE, judicial.key, accept=False, reason="Sai"
    )
    again = await service.fetch_evidence(session, reference, personas.COMPLETE, fetcher=fetcher)
    items = await service.items(session, reference, personas.COMPLETE)
    assert [i.key for i in items] == [i.key for i in first.items] == [i.key for i in again.items]
    fetched_again = next(i for i in items if i.key == judicial.key)
    assert fetched_again.decision == "pending" and fetched_again.fields  # the rejection is gone
    assert all(i.request_hash != j.request_hash for i, j in zip(first.items, items, strict=True))
