"""Daily reports: the 16:00 cut-off, versions, bad input, authorisation, CSV bulk upload."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.errors import DomainError, Invalid, NotFound
from motcua.identity.service import Forbidden
from motcua.monitoring import service
from motcua.monitoring.models import Report, UnitDay
from motcua.monitoring.schemas import PlanDocument
from tests.monitoring.conftest import DAY, GREEN_COMMUNE, PROVINCE, Officers, at


async def count_reports(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Report)) or 0)


async def snapshot(session: AsyncSession, commune: str, day: date = DAY) -> UnitDay | None:
    agency, _, _ = await service._reporting_agency(session, commune)
    return await session.get(UnitDay, (day, agency.id))


@pytest.mark.parametrize(
    ("moment", "late"),
    [
        (at(DAY, 15, 59, 59), False),
        (at(DAY, 16, 0, 0), True),
        (at(DAY, 8, 0), False),
        (datetime(2025, 9, 10, 8, 59, 59, tzinfo=UTC), False),  # 15:59:59 in Hà Nội
        (datetime(2025, 9, 10, 9, 0, 0, tzinfo=UTC), True),  # 16:00:00 in Hà Nội
        (at(DAY + timedelta(days=1), 9, 0), True),  # next morning: counts for DAY, late
    ],
)
async def test_cut_off_at_16_in_vietnam(
    session: AsyncSession,
    plan: PlanDocument,
    communes: list[str],
    moment: datetime,
    late: bool,
) -> None:
    report = await service.submit_report(
        session, subject=None, unit=communes[0], day=DAY, values=GREEN_COMMUNE, submitted_at=moment
    )
    assert report.late is late and report.day == DAY
    row = await snapshot(session, communes[0])
    assert row is not None and row.on_time is (not late)
    assert row.cutoff_status == (None if late else "green")
    assert row.latest_status == "green"


async def test_cut_off_is_a_setting(
    session: AsyncSession, plan: PlanDocument, communes: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOTCUA_REPORT_CUTOFF", "17:30")
    from motcua.core.settings import get_settings

    get_settings.cache_clear()
    try:
        report = await service.submit_report(
            session, subject=None, unit=communes[0], day=DAY, values=GREEN_COMMUNE,
            submitted_at=at(DAY, 17, 0),
        )  # fmt: skip
        assert report.late is False
    finally:
        monkeypatch.delenv("MOTCUA_REPORT_CUTOFF")
        get_settings.cache_clear()


async def test_corrections_are_new_versions_and_the_cutoff_snapshot_is_frozen(
    session: AsyncSession, plan: PlanDocument, communes: list[str]
) -> None:
    unit = communes[0]
    behind = {"T.XA.CHK": [], "T.XA.PCT": 0}
    first = await service.submit_report(
        session, subject=None, unit=unit, day=DAY, values=behind, submitted_at=at(DAY, 9)
    )
    second = await service.submit_report(
        session, subject=None, unit=unit, day=DAY, values=GREEN_COMMUNE, submitted_at=at(DAY, 15)
    )
    third = await service.submit_report(
        session, subject=None, unit=unit, day=DAY, values=behind, submitted_at=at(DAY, 18)
    )
    assert [first.version, second.version, third.version] == [1, 2, 3]
    assert (first.status, second.status, third.status) == ("yellow", "green", "yellow")
    assert third.late and not second.late
    history = await service.report_versions(session, unit, DAY, DAY)
    assert [h.version for h in history] == [3, 2, 1]
    assert history[2].values == {
        "T.XA.CHK": {"premises": False, "equipment": False, "connectivity": False},
        "T.XA.PCT": 0.0,
    }  # version 1 still as it was sent
    row = await snapshot(session, unit)
    assert row is not None
    assert row.cutoff_status == "green" and row.cutoff_report_id == second.id  # 16:00 view
    assert row.latest_status == "yellow" and row.latest_report_id == third.id
    assert row.first_submitted_at.replace(tzinfo=UTC) == at(DAY, 9).astimezone(UTC)


async def refused(
    session: AsyncSession, error: type[DomainError], code: str, **kwargs: object
) -> None:
    before = await count_reports(session)
    with pytest.raises(error) as caught:
        await service.submit_report(session, **kwargs)  # type: ignore[arg-type]
    assert caught.value.code == code
    assert caught.value.message  # a sentence a person can act on
    assert await count_reports(session) == before  # nothing stored


async def test_bad_input_is_refused_and_nothing_stored(
    session: AsyncSession, plan: PlanDocument, communes: list[str]
) -> None:
    ok = dict(
        subject=None, unit=communes[0], day=DAY, values=GREEN_COMMUNE, submitted_at=at(DAY, 9)
    )
    await refused(session, NotFound, "unknown-unit", **{**ok, "unit": "99999"})
    await refused(session, NotFound, "unknown-unit", **{**ok, "unit": "000.00.00.X99"})
    await refused(
        session, Invalid, "task-not-assigned",
        **{**ok, "values": {**GREEN_COMMUNE, "T.TINH.YN": True}},
    )  # fmt: skip
    await refused(
        session, Invalid, "invalid-value", **{**ok, "values": {**GREEN_COMMUNE, "T.XA.PCT": "x"}}
    )
    await refused(
        session, Invalid, "invalid-value", **{**ok, "values": {**GREEN_COMMUNE, "T.XA.PCT": 150}}
    )
    await refused(
        session, Invalid, "invalid-value", **{**ok, "values": {"T.XA.PCT": 50}}
    )  # a task missing
    await refused(
        session, Invalid, "date-in-future",
        **{**ok, "day": DAY + timedelta(days=1), "submitted_at": at(DAY, 23, 59)},
    )  # fmt: skip
    await refused(session, Invalid, "no-tasks", **{**ok, "day": date(2025, 6, 1)})


async def test_a_commune_cannot_report_for_another(
    session: AsyncSession, plan: PlanDocument, communes: list[str], officers: Officers
) -> None:
    ok = dict(day=DAY, values=GREEN_COMMUNE, submitted_at=at(DAY, 9))
    await refused(
        session, Forbidden, "not-your-unit", subject=officers.commune_a, unit=communes[1], **ok
    )
    await refused(
        session, Forbidden, "not-your-unit", subject=officers.viewer, unit=communes[0], **ok
    )
    await refused(
        session, Forbidden, "not-your-unit", subject=officers.other_monitor, unit=communes[0], **ok
    )
    own = await service.submit_report(session, subject=officers.commune_a, unit=communes[0], **ok)
    assert own.version == 1


async def test_a_provincial_monitor_reports_for_its_communes_and_itself(
    session: AsyncSession, plan: PlanDocument, communes: list[str], officers: Officers
) -> None:
    for unit in communes[:3]:
        report = await service.submit_report(
            session, subject=officers.monitor, unit=unit, day=DAY, values=GREEN_COMMUNE,
            submitted_at=at(DAY, 10),
        )  # fmt: skip
        assert report.unit == unit
    province = await service.submit_report(
        session, subject=officers.monitor, unit=PROVINCE, day=DAY,
        values={"T.TINH.YN": "không"}, submitted_at=at(DAY, 10),
    )  # fmt: skip
    assert province.status == "yellow"  # not done, 20 days before its deadline


def csv_of(*rows: str) -> str:
    return "\n".join(("unit,day,task,value", *rows)) + "\n"


async def test_csv_upload_stores_every_report(
    session: AsyncSession, plan: PlanDocument, communes: list[str], officers: Officers
) -> None:
    rows = []
    for unit in communes[:5]:
        rows += [
            f"{unit},{DAY},T.XA.CHK,premises;equipment;connectivity",
            f"{unit},{DAY},T.XA.PCT,100",
        ]
    result = await service.submit_csv(
        session, subject=officers.monitor, content=csv_of(*rows), submitted_at=at(DAY, 11)
    )
    assert (result.reports, result.units) == (5, 5)
    row = await snapshot(session, communes[4])
    assert row is not None and row.cutoff_status == "green"


async def test_csv_with_any_bad_row_stores_nothing_and_lists_every_bad_row(
    session: AsyncSession, plan: PlanDocument, communes: list[str], officers: Officers
) -> None:
    good = communes[0]
    content = csv_of(
        f"{good},{DAY},T.XA.CHK,premises",  # line 2: fine
        f"{good},{DAY},T.XA.PCT,50",  # line 3: fine
        f"{communes[1]},{DAY},T.XA.CHK,premises",  # line 4
        f"{communes[1]},{DAY},T.XA.PCT,abc",  # line 5: wrong type
        f"99999,{DAY},T.XA.PCT,1",  # line 6: unknown unit
        f"00004,{DAY},T.XA.PCT,1",  # line 7: a commune of another province
        f"{communes[2]},2025-13-01,T.XA.PCT,1",  # line 8: bad date
        f"{communes[3]},{DAY},T.XA.CHK,premises",  # line 9: T.XA.PCT missing
        f"{communes[4]},{DAY},T.XA.CHK,roof",  # line 10: unknown checklist item
        f"{communes[4]},{DAY},T.XA.PCT,10",  # line 11
        f"{communes[4]},{DAY},T.XA.PCT,10",  # line 12: duplicate
        "too,few",  # line 13
    )
    with pytest.raises(Invalid) as caught:
        await service.submit_csv(
            session, subject=officers.monitor, content=content, submitted_at=at(DAY, 11)
        )
    problems = caught.value.details["problems"]
    assert [p["line"] for p in problems] == [5, 6, 7, 8, 9, 10, 12, 13], problems
    assert all(p["message"] for p in problems)
    assert await count_reports(session) == 0


async def test_csv_header_is_required(session: AsyncSession, plan: PlanDocument) -> None:
    with pytest.raises(Invalid) as caught:
        await service.submit_csv(
            session, subject=None, content="a,b\n1,2\n", submitted_at=at(DAY, 9)
        )
    assert caught.value.details["problems"][0]["line"] == 1


async def test_exemption_removes_a_unit_from_what_is_expected(
    session: AsyncSession, plan: PlanDocument, communes: list[str]
) -> None:
    before = await service.summary(session, DAY, PROVINCE)
    await service.set_exemption(session, "T.XA.PCT", communes[0], "Sáp nhập, chưa có trụ sở")
    await service.set_exemption(session, "T.XA.CHK", communes[0], "Sáp nhập, chưa có trụ sở")
    after = await service.summary(session, DAY, PROVINCE)
    commune = next(level for level in after.levels if level.level == "commune")
    commune_before = next(level for level in before.levels if level.level == "commune")
    assert commune.expected == commune_before.expected - 1
    assert commune.assignments_expected == commune_before.assignments_expected - 2
    with pytest.raises(Invalid):
        await service.submit_report(
            session, subject=None, unit=communes[0], day=DAY, values=GREEN_COMMUNE,
            submitted_at=at(DAY, 9),
        )  # fmt: skip
