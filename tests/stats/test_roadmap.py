"""The 2,500-procedure roadmap on the test catalog: a procedure becomes seamless on the day its
last gap closes, the series says so for past days, every gap names who answers for it, and the
brief carries the same figures as the API."""

from datetime import UTC, date, datetime

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog.models import OnlineLevel, Procedure, ProcedureVersion
from motcua.stats import roadmap
from motcua.stats.brief import compose
from motcua.workflow import definitions
from motcua.workflow.models import ProcessDefinition
from tests.exchange.conftest import registries, sandbox  # noqa: F401  (fixtures)

DAY = date(2025, 12, 1)
pytestmark = pytest.mark.usefixtures("registries")  # the sandbox registries, connected


async def _full_online_without_paper_gaps(session: AsyncSession) -> str:
    """An essential service offered full-process online, with no paper whose data is held."""
    total, found = await roadmap.procedures(session, DAY, limit=10_000)
    assert total == len(found)
    for procedure in found:
        names = {g.criterion for g in procedure.gaps}
        if not procedure.synthetic and names == {"process"}:
            return procedure.code
    raise AssertionError("the essential services include one short of its process only")


async def test_a_procedure_turns_seamless_the_day_its_process_is_defined(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    code = await _full_online_without_paper_gaps(session)
    before = await roadmap.roadmap(session, DAY)
    session.add(
        ProcessDefinition(
            procedure_code=code, agency_key=0, version=9, source="# quy trình riêng", steps=[],
            created_at=datetime(2025, 11, 20, 3, tzinfo=UTC),
        )
    )  # fmt: skip
    await session.flush()
    after = await roadmap.roadmap(session, DAY)
    assert after.seamless == before.seamless + 1
    assert after.gaps["process"] == before.gaps["process"] - 1
    assert after.total == before.total and sum(g.total for g in after.by_ministry) == after.total
    assert sum(g.seamless for g in after.by_sector) == after.seamless
    assert after.share_of_target == round(after.seamless / 2500, 4)
    assert after.milestone == date(2026, 1, 1) and after.days_to_milestone == 31
    # The series reads history: before 20/11 the process did not exist yet.
    by_day = {p.day: p.seamless for p in after.series}
    assert by_day[date(2025, 11, 18)] == by_day[date(2025, 11, 25)] - 1
    assert by_day[DAY] == after.seamless
    _, listed = await roadmap.procedures(session, DAY, limit=10_000)
    [mine] = [p for p in listed if p.code == code]
    assert mine.seamless and mine.gaps == []
    api = await client.get("/api/v1/stats/roadmap", params={"date": DAY.isoformat()})
    assert api.status_code == 200 and api.json()["seamless"] == after.seamless


async def test_each_gap_names_who_answers_for_it(session: AsyncSession) -> None:
    version = await session.scalar(
        select(ProcedureVersion)
        .join(Procedure)
        .where(Procedure.synthetic.is_(False), ProcedureVersion.online_level == OnlineLevel.full)
        .limit(1)
    )
    assert version is not None
    version.online_level = OnlineLevel.partial
    await session.flush()
    _, found = await roadmap.procedures(session, DAY, gap="online", limit=10_000)
    [short] = [p for p in found if p.name == version.name]
    online = next(g for g in short.gaps if g.criterion == "online")
    assert online.responsible == short.ministry and online.name == "Cung cấp trực tuyến toàn trình"
    assert all(g.responsible for p in found for g in p.gaps)


async def test_bad_parameters_are_named(client: httpx.AsyncClient) -> None:
    gap = await client.get("/api/v1/stats/roadmap/procedures", params={"gap": "fees"})
    assert gap.status_code == 422 and gap.json()["errors"][0]["parameter"] == "gap"
    day = await client.get("/api/v1/stats/roadmap", params={"date": "01/12/2025"})
    assert day.status_code == 422 and day.json()["errors"][0]["parameter"] == "date"
    page = await client.get("/thong-ke/lo-trinh", params={"ngay": "2025-12-01"})
    assert page.status_code == 422 and "Ngày: hãy ghi ngày" in page.text


async def test_the_page_and_the_brief_show_the_api_figures(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    api = (await client.get("/api/v1/stats/roadmap", params={"date": "2025-12-01"})).json()
    page = await client.get("/thong-ke/lo-trinh", params={"ngay": "01/12/2025"})
    assert page.status_code == 200
    assert f"<strong>{api['seamless']}</strong>" in page.text and "01/01/2026" in page.text
    brief = await compose(session, DAY)
    assert brief.roadmap.seamless == api["seamless"]
    assert brief.roadmap.by_ministry[0].name == api["by_ministry"][0]["name"]


async def test_the_generic_default_is_not_a_written_process(session: AsyncSession) -> None:
    """A process written on first use from the generic template counts for nothing; the demo's
    synthetic processes are spread over the series and count from their day."""
    code = await _full_online_without_paper_gaps(session)
    session.add(
        ProcessDefinition(
            procedure_code=code, agency_key=0, version=1, steps=[],
            source=definitions.dump(definitions.DEFAULT_STEPS),
            created_at=datetime(2025, 8, 1, tzinfo=UTC),
        )
    )  # fmt: skip
    await session.flush()
    assert code == await _full_online_without_paper_gaps(session)
    before = await roadmap.roadmap(session, DAY)
    written = await roadmap.seed_demo_processes(session, DAY, seed=3, share=0.5)
    assert written > 0
    after = await roadmap.roadmap(session, DAY)
    assert after.gaps["process"] == before.gaps["process"] - written
    series = [p.seamless for p in after.series]
    assert series == sorted(series) and series[0] < series[-1]
