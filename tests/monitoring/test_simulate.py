"""The simulator: every row synthetic, snapshots identical to what report-by-report storage
writes, real reports left alone."""

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.monitoring import service
from motcua.monitoring.models import Report, UnitDay
from motcua.monitoring.rules import task_status, unit_status
from motcua.monitoring.schemas import PlanDocument
from motcua.monitoring.synthetic import simulate
from tests.monitoring.conftest import DAY, GREEN_COMMUNE, at


async def test_simulated_days_are_synthetic_and_consistent(
    session: AsyncSession, plan: PlanDocument, communes: list[str]
) -> None:
    real = await service.submit_report(
        session, subject=None, unit=communes[0], day=DAY, values=GREEN_COMMUNE,
        submitted_at=at(DAY, 9),
    )  # fmt: skip
    result = await simulate(session, days=3, end=DAY, seed=3)
    assert result.start == DAY - timedelta(days=2) and result.units == 3372
    assert 0 < result.silent_units < 200 and result.late > 0
    synthetic = await session.scalar(
        select(func.count()).select_from(Report).where(Report.synthetic.is_(True))
    )
    assert synthetic == result.reports
    mine = (await session.scalars(select(Report).where(Report.id == real.id))).one()
    assert not mine.synthetic and mine.values["T.XA.PCT"] == 100.0  # untouched
    versions = await service.report_versions(session, communes[0], DAY, DAY)
    assert [v.version for v in versions] == [1]  # no synthetic report added to a real day

    cat = await service.catalogue(session)
    days = (await session.scalars(select(UnitDay).where(UnitDay.synthetic.is_(True)))).all()
    reports = {r.id: r for r in (await session.scalars(select(Report))).all()}
    assert len(days) > 3000
    for row in days[::50]:
        if row.cutoff_report_id is None:
            assert not row.on_time and row.cutoff_status is None
            continue
        frozen = reports[row.cutoff_report_id]
        assert not frozen.late
        statuses = [
            task_status(
                cat.specs[cat.by_code[code]], value, row.day,
                cat.rules[cat.by_code[code]], reported=True,
            )
            for code, value in frozen.values.items()
        ]  # fmt: skip
        assert row.cutoff_status == unit_status(statuses).value
        assert row.n_green == sum(1 for s in statuses if s.value == "green")

    summary = await service.summary(session, DAY, None)
    reported_today = await session.scalar(
        select(func.count()).select_from(UnitDay).where(UnitDay.day == DAY)
    )
    assert summary.total.reported == reported_today
    assert summary.total.reporting_rate is not None and 0.5 < summary.total.reporting_rate < 1
