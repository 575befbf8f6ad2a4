"""The monthly roll-up always equals the daily roll-up summed per month, province, procedure
and channel, and answers whole-month requests exactly as the daily one would."""

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.stats import monthly, repository, service
from motcua.stats.models import COUNTERS
from tests.stats.conftest import World
from tests.stats.test_rollup import actions, play

DAILY = repository.DAILY


async def daily_by_month(session: AsyncSession) -> dict[tuple[object, ...], dict[str, int]]:
    keys = [DAILY.c[k] for k in monthly.KEYS]
    rows = await session.execute(
        select(*keys, *[func.sum(DAILY.c[n]).label(n) for n in COUNTERS]).group_by(*keys)
    )
    found = {}
    for row in rows.mappings():
        counts = {n: int(row[n]) for n in COUNTERS}
        if any(counts.values()):
            found[tuple(row[k] for k in monthly.KEYS)] = counts
    return found


async def both_ways(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch, where: repository.Filter, group: str
) -> tuple[object, object]:
    assert monthly.covers(where, None, group)
    from_monthly = await repository.sums(session, where, None, group)
    with monkeypatch.context() as patched:
        patched.setattr(monthly, "covers", lambda *_: False)  # the daily roll-up's answer
        from_daily = await repository.sums(session, where, None, group)
    return from_monthly, from_daily


@settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=st.lists(actions, min_size=1, max_size=40))
async def test_monthly_roll_up_follows_the_daily_one(
    world: World, monkeypatch: pytest.MonkeyPatch, script: list[object]
) -> None:
    session = world.session
    async with session.begin_nested() as example:
        await play(world, script)
        await service.refresh(session)
        assert await monthly.rows(session) == await daily_by_month(session)
        december = repository.Filter(start=date(2025, 12, 1), end=date(2025, 12, 31))
        for group in ("province", "procedure", "channel"):
            from_monthly, from_daily = await both_ways(session, monkeypatch, december, group)
            assert from_monthly == from_daily
        await service.rebuild(session)
        assert await monthly.rows(session) == await daily_by_month(session)
        await example.rollback()


def test_only_whole_months_without_finer_filters_read_the_monthly_roll_up() -> None:
    month = repository.Filter(start=date(2025, 12, 1), end=date(2026, 1, 31))
    assert monthly.covers(month, None, "province")
    assert monthly.covers(month, "month", None)
    assert not monthly.covers(month, "week", None)
    assert not monthly.covers(month, None, "commune")
    assert not monthly.covers(month, None, "agency")
    part = repository.Filter(start=date(2025, 12, 2), end=date(2025, 12, 31))
    assert not monthly.covers(part, None, None)
    short = repository.Filter(start=date(2025, 12, 1), end=date(2025, 12, 30))
    assert not monthly.covers(short, None, None)
    commune = repository.Filter(start=date(2025, 12, 1), end=date(2025, 12, 31), commune_code="1")
    assert not monthly.covers(commune, None, None)
    agency = repository.Filter(start=date(2025, 12, 1), end=date(2025, 12, 31), agency_id=1)
    assert not monthly.covers(agency, None, None)
