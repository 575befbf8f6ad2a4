"""Random sequences of workflow actions, by random officers of every role at four agencies and
by the applicant, applied through the service layer to a fresh dossier. After every action the
stored dossier and case are what the history says (DESIGN invariant 4); an accepted action
appends exactly one event; a refused one changes nothing (invariant 7)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.calendar import get_calendar
from motcua.core.errors import DomainError
from motcua.dossiers import history as dossier_history
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers.models import Dossier, DossierEvent, DossierState
from motcua.identity.models import Role
from motcua.units.models import Agency
from motcua.workflow import definitions, repository, service
from motcua.workflow.definitions import StepKind, StepLevel
from motcua.workflow.models import ResultDocument, SupplementRequest, WorkflowCase, WorkflowVisit
from tests.workflow.conftest import APPLICANT, GROUP, SIMPLE, Team, file_dossier, upload_pdf
from tests.workflow.test_flow import keys as keys

PLACES = ("c", "o", "p", "m")  # receiving commune, another commune, its province, a ministry
ACTIONS = (
    "claim", "assign", "complete", "forward", "supplement", "answer", "refuse", "apology",
    "sign", "return", "revoke",
)  # fmt: skip
NEXT = {
    StepKind.receive: "complete",
    StepKind.assess: "complete",
    StepKind.approve: "complete",
    StepKind.forward: "forward",
    StepKind.sign: "sign",
    StepKind.give_back: "return",
}
FIRST_ITEM = {GROUP: "to_khai_lien_thong", SIMPLE: "to_khai_dang_ky_khai_sinh"}
REASON = "Lý do ghi đủ rõ ràng (dữ liệu thử nghiệm)"


@dataclass(frozen=True)
class Move:
    """One attempt. ``next`` and ``holder`` stand for the action the current step expects and
    the officer who holds it, so that sequences get far along the process, not only refused."""

    action: str
    actor: str
    target: str
    pick: int
    good: bool


# Officers of the two agencies a dossier passes come up twice as often as those of the others.
officers = [f"{p}_{r.value}" for p in ("c", "p", *PLACES) for r in Role]
# Two moves in three are what the process expects now, by whoever holds the step, so that
# sequences get through forwarding, signing and returning; the third is anything, by anyone.
proper = st.builds(
    Move,
    action=st.just("next"),
    actor=st.just("holder"),
    target=st.just("right"),
    pick=st.integers(0, 3),
    good=st.just(True),
)
anything = st.builds(
    Move,
    action=st.sampled_from(("next", *ACTIONS)),
    actor=st.sampled_from(("holder", *officers)),
    target=st.sampled_from(("right", *PLACES)),
    pick=st.integers(0, 3),
    good=st.booleans(),
)
moves = st.one_of(proper, proper, anything)


class Seen(NamedTuple):
    """Everything an action may change, read in one query."""

    state: DossierState
    version: int
    due_at: datetime
    events: int
    step_index: int
    assignee_id: int | None
    agency_id: int
    open: bool
    case_due_at: datetime
    paused_at: datetime | None
    apologised: bool
    results: int
    revoked: int
    visits: int
    supplements: int


@dataclass
class World:
    session: AsyncSession
    team: Team
    procedure: str
    code: str
    dossier_id: int

    @property
    def agencies(self) -> dict[str, Agency]:
        team = self.team
        places = (team.commune, team.other_commune, team.province, team.ministry)
        return dict(zip(PLACES, places, strict=True))

    @property
    def steps(self) -> list[definitions.Step]:
        return steps_of(self.procedure)

    @property
    def usernames(self) -> dict[int, str]:
        return {o.officer_id: o.username for o in self.team.officers.values()}

    async def seen(self) -> Seen:
        self.session.expunge_all()  # what the next call loads comes from the database
        dossier_id = self.dossier_id

        def count(*where: Any) -> Any:
            return select(func.count()).where(*where).scalar_subquery()

        row = (
            await self.session.execute(
                select(
                    Dossier.state,
                    Dossier.version,
                    Dossier.due_at,
                    count(DossierEvent.dossier_id == dossier_id),
                    WorkflowCase.step_index,
                    WorkflowCase.assignee_id,
                    WorkflowCase.current_agency_id,
                    WorkflowCase.open,
                    WorkflowCase.due_at,
                    WorkflowCase.paused_at,
                    WorkflowCase.apologised,
                    count(ResultDocument.dossier_id == dossier_id),
                    count(
                        ResultDocument.dossier_id == dossier_id,
                        ResultDocument.revoked_at.is_not(None),
                    ),
                    count(WorkflowVisit.dossier_id == dossier_id),
                    count(SupplementRequest.dossier_id == dossier_id),
                )
                .join(WorkflowCase, WorkflowCase.dossier_id == Dossier.id)
                .where(Dossier.id == dossier_id)
            )
        ).one()
        return Seen(*row)


@cache
def steps_of(procedure: str) -> list[definitions.Step]:
    """The definition every dossier of the procedure runs (no agency has its own in tests)."""
    return definitions.parse(definitions.default_source(procedure)).steps


def implied(events: list[Any], receiving: str) -> tuple[Any, ...]:
    """State, step, assignee, agency and valid result, derived from the history alone."""
    state = dossier_history.replay(events)
    step, assignee, agency, result = 0, None, receiving, False
    for event in events:
        data = event.data
        if "to_step" in data:
            if data["to_step"]["index"] != data["from_step"]["index"]:
                assignee = None
            step = data["to_step"]["index"]
        if event.kind == "claimed":
            assignee = data["officer"]
        elif event.kind == "assigned":
            assignee = data["assignee"]
        elif event.kind == "forwarded":
            agency = data["to_agency"]
        elif event.kind == "result-signed":
            result = True
        elif event.kind == "result-revoked":
            result = False
    return state, step, assignee, agency, result


async def check_history(world: World, seen: Seen) -> None:
    """The stored dossier and case are what the history implies."""
    events = list(await dossiers_repository.events_of(world.session, world.dossier_id))
    codes = {a.id: a.code for a in world.agencies.values()}
    stored = (
        seen.state,
        seen.step_index,
        world.usernames.get(seen.assignee_id or 0),
        codes[seen.agency_id],
        seen.results > seen.revoked,
    )
    assert stored == implied(events, world.team.commune.code)
    assert [e.seq for e in events] == list(range(1, seen.events + 1))
    assert seen.open == (seen.state not in service.CLOSED)
    assert (seen.paused_at is not None) == (seen.state == DossierState.supplement_requested)


async def attempt(world: World, seen: Seen, move: Move) -> None:
    """Resolve the move against the dossier as it is now, then make the one service call."""
    session, team, steps = world.session, world.team, world.steps
    step = steps[seen.step_index]
    action = move.action
    if action == "next":
        closed = seen.state in service.CLOSED
        paused = seen.state == DossierState.supplement_requested
        action = "claim" if closed else "answer" if paused else NEXT[step.kind]
    here = next(p for p, a in world.agencies.items() if a.id == seen.agency_id)
    actor = move.actor
    if actor == "holder":
        holder = world.usernames.get(seen.assignee_id or 0)
        actor = holder.removeprefix("wf_") if holder else f"{here}_{step.role.value}"
    officer = team[actor]
    code = world.code
    if action == "claim":
        await service.claim(session, officer, code)
    elif action == "assign":
        role = step.role if move.good else list(Role)[move.pick]
        place = here if move.target == "right" else move.target
        await service.assign(session, officer, code, f"wf_{place}_{role.value}")
    elif action == "complete":
        await service.complete(session, officer, code)
    elif action == "forward":
        if move.target == "right" and seen.step_index + 1 < len(steps):
            level = steps[seen.step_index + 1].level
            agency = {
                StepLevel.receiving: team.commune,
                StepLevel.commune: team.commune,
                StepLevel.province: team.province,
                StepLevel.ministry: team.ministry,
            }[level]
        else:
            agency = world.agencies[move.target if move.target in PLACES else "m"]
        await service.forward(session, officer, code, agency.code)
    elif action == "supplement":
        asked = [FIRST_ITEM[world.procedure], "giay_chung_sinh", "khong_co_trong_thu_tuc"]
        key = asked[move.pick] if move.pick < len(asked) else "Giấy tờ khác do cán bộ tự ghi"
        await service.request_supplement(session, officer, code, [key])
    elif action == "answer":
        pending = await repository.open_supplement(session, world.dossier_id)
        keys = pending.requirement_keys if pending and move.good else ["khong_duoc_hoi"]
        items = [{"requirement_key": k, "upload_id": await upload_pdf(session)} for k in keys]
        await service.answer_supplement(session, code, APPLICANT, items)
    elif action == "refuse":
        await service.refuse(session, officer, code, REASON if move.good else "ngắn")
    elif action == "apology":
        calendar = get_calendar()
        due = calendar.localise(seen.case_due_at).date()
        day = due + timedelta(days=move.pick)
        if move.good:
            day = calendar.next_working_day(day)
        await service.apologise(session, officer, code, REASON, day)
    elif action == "sign":
        await service.sign_result(session, officer, code, "Kết quả (dữ liệu thử nghiệm)")
    elif action == "return":
        await service.hand_back(session, officer, code)
    else:
        await service.revoke_result(session, officer, code, REASON if move.good else "ngắn")


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(procedure=st.sampled_from([GROUP, SIMPLE]), script=st.lists(moves, min_size=6, max_size=24))
async def test_random_actions_keep_the_dossier_what_its_history_says(
    session: AsyncSession, team: Team, keys: Path, procedure: str, script: list[Move]
) -> None:
    code = await file_dossier(session, team.commune, procedure)  # fresh for every example
    dossier = await dossiers_repository.plain_by_code(session, code)
    assert dossier is not None
    world = World(session, team, procedure, code, dossier.id)
    before = await world.seen()
    await check_history(world, before)
    moves_after_closing = 0
    for move in script:
        if before.state in service.CLOSED:
            moves_after_closing += 1
            if moves_after_closing > 3:  # a closed dossier has shown it accepts nothing
                break
        try:
            async with session.begin_nested():
                await attempt(world, before, move)
        except DomainError:
            assert await world.seen() == before, move
            continue
        after = await world.seen()
        assert (after.version, after.events) == (before.version + 1, before.events + 1), move
        await check_history(world, after)
        before = after
