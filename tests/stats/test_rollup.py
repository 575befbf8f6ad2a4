"""The roll-up the worker keeps incrementally equals a from-scratch computation, whatever the
order in which dossiers are filed, move, gather violations and are refreshed."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from motcua.core import clock
from motcua.dossiers.service import TRANSITIONS
from motcua.stats import repository, service
from motcua.stats.facts import fact_of, roll_up
from motcua.stats.models import Cursor, DossierFact
from motcua.stats.tasks import RollupTick
from tests.stats.conftest import World, hours, local

KINDS = {
    "in_progress": "step-completed",
    "supplement_requested": "supplement-requested",
    "result_ready": "result-signed",
    "returned": "returned",
    "refused": "refused",
    "withdrawn": "withdrawn",
}


@dataclass(frozen=True)
class File:
    place: int
    channel: str
    day: int
    registry_items: int


@dataclass(frozen=True)
class Move:
    dossier: int
    choice: int
    after_hours: int


@dataclass(frozen=True)
class Side:
    dossier: int
    kind: str  # apology, payment, violation


@dataclass(frozen=True)
class Refresh:
    pass


actions = st.one_of(
    st.builds(File, st.integers(0, 3), st.sampled_from(["online", "counter", "post"]),
              st.integers(0, 9), st.integers(0, 3)),
    st.builds(Move, st.integers(0, 50), st.integers(0, 10), st.integers(1, 200)),
    st.builds(Side, st.integers(0, 50), st.sampled_from(["apology", "payment", "violation"])),
    st.just(Refresh()),
)  # fmt: skip


async def recomputed(session: AsyncSession) -> dict[object, dict[str, int]]:
    ids = list(await session.scalars(select(repository.Dossier.id)))
    rows = roll_up([fact_of(h) for h in await repository.histories(session, ids)])
    return {k: v for k, v in rows.items() if any(v.values())}


async def play(world: World, script: list[object]) -> None:
    ids: list[int] = []
    clocks: dict[int, object] = {}
    for action in script:
        if isinstance(action, File):
            received = local(2025, 12, 1) + timedelta(days=action.day)
            items = ("registry",) * action.registry_items + ("upload",)
            dossier_id = await world.file(
                world.places[action.place], received=received, due=received + hours(100),
                channel=action.channel, payment="unpaid", items=items,
            )  # fmt: skip
            ids.append(dossier_id)
            clocks[dossier_id] = received
        elif isinstance(action, Move | Side) and ids:
            dossier_id = ids[action.dossier % len(ids)]
            at = clocks[dossier_id] + hours(getattr(action, "after_hours", 1))  # type: ignore[operator]
            clocks[dossier_id] = at
            state = world.states[dossier_id]
            if isinstance(action, Move):
                allowed = sorted(TRANSITIONS[state])  # type: ignore[index]
                if allowed:
                    target = str(allowed[action.choice % len(allowed)])
                    kind = KINDS[target]
                    if state == "supplement_requested" and target == "in_progress":
                        kind = "supplement-answered"
                    await world.event(dossier_id, kind, target, at)
            elif action.kind == "violation":
                await world.violation(dossier_id, at)
            elif state not in ("", "returned", "refused", "withdrawn"):
                kind = "delay-apology" if action.kind == "apology" else "payment-confirmed"
                await world.event(dossier_id, kind, state, at)
        elif isinstance(action, Refresh):
            await service.refresh(world.session)


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=st.lists(actions, min_size=1, max_size=40))
async def test_incremental_roll_up_equals_recomputation(world: World, script: list[object]) -> None:
    session = world.session
    async with session.begin_nested() as example:  # every example starts from nothing
        await play(world, script)
        await service.refresh(session)
        incremental = await repository.rollup_rows(session)
        assert incremental == await recomputed(session)
        await service.rebuild(session)
        assert await repository.rollup_rows(session) == incremental
        await example.rollback()


async def test_refresh_reads_only_what_changed_and_moves_the_cursor(world: World) -> None:
    session = world.session
    place = world.places[0]
    old = clock.now() - timedelta(days=2)
    first = await world.file(place, received=old, due=old + hours(48), items=("registry",))
    result = await service.refresh(session)
    assert (result.dossiers, result.changed) == (1, 1)
    assert await repository.cursor(session, "events") > 0  # its event is long settled
    again = await service.refresh(session)
    assert (again.dossiers, again.changed) == (0, 0)
    await world.event(first, "result-signed", "result_ready", old + hours(30))
    moved = await service.refresh(session)
    assert (moved.dossiers, moved.changed) == (1, 1)
    fact = await session.get(DossierFact, first)
    assert fact is not None and (fact.on_time, fact.pending) == (1, 0)
    [row] = (await repository.rollup_rows(session)).values()
    assert (row["received"], row["on_time"], row["pending"], row["items_registry"]) == (1, 1, 0, 1)


async def test_a_fresh_event_is_read_again_until_it_settles(world: World) -> None:
    """Events younger than the settling time stay past the cursor: one committed late by a
    slower transaction with a smaller id would still be read."""
    session = world.session
    now = clock.now()
    await world.file(world.places[0], received=now, due=now + hours(48))
    await service.refresh(session)
    assert await repository.cursor(session, "events") == 0
    assert await session.scalar(select(func.count()).select_from(DossierFact)) == 1


async def test_the_worker_tick_refreshes_and_waits_between_rounds(
    world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    old = clock.now() - timedelta(days=1)
    await world.file(world.places[1], received=old, due=old + hours(48))
    await world.session.commit()
    tick = RollupTick(every=timedelta(hours=1))
    assert await tick.tick(sessions, clock.now()) == 1
    await world.file(world.places[1], received=old, due=old + hours(48))
    await world.session.commit()
    assert await tick.tick(sessions, clock.now()) == 0  # within the hour: not run
    assert await tick.tick(sessions, clock.now() + timedelta(hours=2)) == 1
    async with sessions() as other:
        assert await other.scalar(select(func.count()).select_from(DossierFact)) == 2
        events = select(Cursor.position).where(Cursor.name == "events")
        assert (await other.scalar(events) or 0) > 0


async def test_a_refresh_leaves_events_written_while_it_runs_to_the_next_one(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under a steady stream of events a refresh must end and commit: it takes the dossiers
    changed before it began, and the next refresh takes what came while it ran (here with a
    time long settled: the cursor must not pass an event no refresh has looked at)."""
    session = world.session
    old = clock.now() - timedelta(days=2)
    first = await world.file(world.places[0], received=old, due=old + hours(48))
    second = await world.file(world.places[1], received=old, due=old + hours(48))
    await service.refresh(session)
    await world.event(first, "result-signed", "result_ready", old + hours(1))
    read = repository.histories

    async def meanwhile(s: AsyncSession, ids: list[int]) -> list[object]:
        if second not in ids and world.states[second] == "received":
            await world.event(second, "result-signed", "result_ready", old + hours(2))
        return await read(s, ids)  # type: ignore[return-value]

    monkeypatch.setattr(repository, "histories", meanwhile)
    during = await service.refresh(session)
    assert (during.dossiers, during.changed) == (1, 1)  # only the first
    fact = await session.get(DossierFact, second)
    assert fact is not None and (fact.pending, fact.on_time) == (1, 0)
    monkeypatch.setattr(repository, "histories", read)
    after = await service.refresh(session)
    assert (after.dossiers, after.changed) == (1, 1)  # the second, now
    await session.refresh(fact)
    assert (fact.pending, fact.on_time) == (0, 1)
    assert fact.last_event_id == max(
        await session.scalars(
            select(repository.DossierEvent.id).where(repository.DossierEvent.dossier_id == second)
        )
    )
