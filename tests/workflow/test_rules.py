"""Bad input changes nothing: role x action x agency matrix, wrong step/state, the
no-extra-papers rule with its violations log, clock pause across Tết, sweeps, the API."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock
from motcua.core.calendar import get_calendar
from motcua.core.errors import DomainError
from motcua.dossiers import history as dossier_history
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers.models import DossierState
from motcua.identity.models import Role
from motcua.workflow import service, tasks
from motcua.workflow.models import Violation, WorkflowCase
from tests.workflow.conftest import APPLICANT, Team, file_dossier, upload_pdf

ACTIONS = {
    "claim": lambda s, o, c: service.claim(s, o, c),
    "complete": lambda s, o, c: service.complete(s, o, c),
    "supplement": lambda s, o, c: service.request_supplement(s, o, c, ["to_khai_lien_thong"]),
    "refuse": lambda s, o, c: service.refuse(s, o, c, "Hồ sơ không thuộc thẩm quyền (thử)"),
    "apology": lambda s, o, c: service.apologise(
        s, o, c, "Cần xác minh thêm (thử)", date(2099, 1, 5)
    ),
}
# who may do what on a freshly received dossier (receive step, at the commune)
ALLOWED = {
    "claim": {Role.receiving_officer},
    "complete": {Role.receiving_officer},
    "supplement": {Role.receiving_officer, Role.handling_officer},
    "refuse": {Role.receiving_officer, Role.approver},
    "apology": {Role.handling_officer, Role.approver},
}


async def _snapshot(session: AsyncSession, code: str) -> tuple[Any, ...]:
    dossier = await dossiers_repository.plain_by_code(session, code)
    assert dossier is not None
    case = await session.get(WorkflowCase, dossier.id)
    assert case is not None
    events = await dossiers_repository.events_of(session, dossier.id)
    return dossier.state, dossier.version, len(events), case.step_index, case.assignee_id


@pytest.mark.parametrize("action", sorted(ACTIONS))
async def test_role_action_agency_matrix(session: AsyncSession, team: Team, action: str) -> None:
    code = await file_dossier(session, team.commune)
    for place in ("c", "o", "p"):
        for role in Role:
            officer = team[f"{place}_{role.value}"]
            before = await _snapshot(session, code)
            may = place == "c" and role in ALLOWED[action]
            try:
                async with session.begin_nested():
                    await ACTIONS[action](session, officer, code)
            except DomainError as error:
                assert not may, (place, role, error.code)
                assert error.status_code in (403, 404, 409), error.code
                if place == "c" and role != Role.community_helper:
                    assert error.code == "role-not-allowed"
                else:  # another agency (or a community helper) cannot even see it
                    assert error.code == "unknown-dossier"
                session.expunge_all()
                assert await _snapshot(session, code) == before
                continue
            assert may, (place, role)
            session.expunge_all()
            code = await file_dossier(session, team.commune)  # fresh dossier for the next one


STEP_ACTIONS = ["complete", "forward", "sign", "return"]


async def test_state_machine_walk_refuses_every_out_of_step_action(
    session: AsyncSession, team: Team
) -> None:
    """At each step of the group's process try every action with the step's own officer:
    only the right one passes; the stored state always equals what the history implies."""
    code = await file_dossier(session, team.commune)
    script = [
        ("complete", "c_receiving_officer", None),
        ("complete", "c_handling_officer", None),
        ("forward", "c_handling_officer", team.province.code),
        ("complete", "p_handling_officer", None),
        ("complete", "p_approver", None),
    ]

    async def attempt(kind: str, officer_name: str, target: str | None) -> None:
        officer = team[officer_name]
        if kind == "complete":
            await service.complete(session, officer, code)
        elif kind == "forward":
            await service.forward(session, officer, code, target or team.province.code)
        elif kind == "sign":
            await service.sign_result(session, officer, code, "x")
        else:
            await service.hand_back(session, officer, code)

    for right_kind, officer_name, target in script:
        for kind in STEP_ACTIONS:
            if kind == right_kind:
                continue
            before = await _snapshot(session, code)
            with pytest.raises(DomainError) as refused:
                async with session.begin_nested():
                    await attempt(kind, officer_name, target)
            assert refused.value.code in {"wrong-step", "wrong-state", "role-not-allowed"}
            session.expunge_all()
            assert await _snapshot(session, code) == before
        await attempt(right_kind, officer_name, target)
        dossier = await dossiers_repository.plain_by_code(session, code)
        assert dossier is not None
        events = await dossiers_repository.events_of(session, dossier.id)
        assert dossier_history.replay(events) == dossier.state
    # closed dossiers accept nothing
    await service.refuse(session, team["p_approver"], code, "Không đủ điều kiện (thử nghiệm)")
    with pytest.raises(DomainError) as closed:
        await service.claim(session, team["p_approver"], code)
    assert closed.value.code == "dossier-closed"


async def test_forward_needs_an_agency_of_the_next_level(session: AsyncSession, team: Team) -> None:
    code = await file_dossier(session, team.commune)
    await service.complete(session, team["c_receiving_officer"], code)
    await service.complete(session, team["c_handling_officer"], code)
    with pytest.raises(DomainError) as wrong:
        await service.forward(session, team["c_handling_officer"], code, team.ministry.code)
    assert wrong.value.code == "wrong-agency-level"
    await service.forward(session, team["c_handling_officer"], code, team.province.code)
    queue = await service.queue(session, team["p_handling_officer"])
    assert code in [i.code for i in queue.items]
    assert code not in [
        i.code for i in (await service.queue(session, team["c_handling_officer"])).items
    ]


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        ("giay_chung_sinh", "already-from-registry"),
        ("to_khai_dang_ky_ket_hon", "requirement-not-in-procedure"),
        ("Bản sao sổ hộ khẩu có chứng thực", "free-text-not-allowed"),
    ],
)
async def test_no_extra_papers(
    session: AsyncSession, team: Team, asked: str, expected: str
) -> None:
    code = await file_dossier(session, team.commune)
    before = await _snapshot(session, code)
    with pytest.raises(DomainError) as refused:
        await service.request_supplement(
            session, team["c_receiving_officer"], code, ["to_khai_lien_thong", asked]
        )
    assert refused.value.code == expected
    assert await _snapshot(session, code) == before
    logged = await session.scalar(
        select(func.count()).where(Violation.dossier_code == code, Violation.code == expected)
    )
    assert logged == 1


async def test_supplement_pauses_the_clock_across_tet(
    session: AsyncSession, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Asked on Friday 13/02/2026, answered Tuesday 24/02/2026: Tết (16-20/02) and the
    weekends are not counted, so the due date moves by 2 working days (23 and 24/02)."""
    code = await file_dossier(session, team.commune, email="nguoidan@example.test")
    dossier = await dossiers_repository.plain_by_code(session, code)
    assert dossier is not None
    due_before = dossier.due_at
    asked_at = datetime(2026, 2, 13, 3, 0, tzinfo=UTC)
    monkeypatch.setattr("motcua.core.clock.now", lambda: asked_at)
    await service.request_supplement(
        session, team["c_receiving_officer"], code, ["to_khai_lien_thong"]
    )
    queue = await service.queue(session, team["c_receiving_officer"])
    assert next(i for i in queue.items if i.code == code).paused
    monkeypatch.setattr("motcua.core.clock.now", lambda: datetime(2026, 2, 24, 3, 0, tzinfo=UTC))
    with pytest.raises(DomainError) as mismatch:
        await service.answer_supplement(session, code, APPLICANT, [{"requirement_key": "khac"}])
    assert mismatch.value.code == "supplement-mismatch"
    upload_id = await upload_pdf(session)
    answered = await service.answer_supplement(
        session,
        code,
        APPLICANT,
        [{"requirement_key": "to_khai_lien_thong", "upload_id": upload_id}],
    )
    assert answered.state == DossierState.in_progress
    assert answered.due_at == service.shift_due(due_before, 2)
    assert answered.events[-1].data["paused_working_days"] == 2
    from motcua.notify.models import Notification

    told = await session.scalar(
        select(func.count()).where(
            Notification.kind == "supplement_requested",
            Notification.event_key.like(f"dossier:{code}:%"),
        )
    )
    assert told == 1


async def test_sweep_flags_overdue_and_tells_the_applicant_once(
    session: AsyncSession, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    late = await file_dossier(session, team.commune, email="a@example.test")
    apologised = await file_dossier(session, team.commune, email="b@example.test")
    new_day = get_calendar().next_working_day(clock.today() + timedelta(days=60))
    await service.apologise(
        session, team["c_handling_officer"], apologised, "Cần xác minh thêm thông tin", new_day
    )
    later = clock.now() + timedelta(days=40)
    monkeypatch.setattr("motcua.core.clock.now", lambda: later)
    first = await tasks.sweep(session)
    again = await tasks.sweep(session)
    assert first["overdue"] >= 1 and again["overdue"] == 0
    queue = await service.queue(session, team["c_receiving_officer"], limit=200)
    flags = {i.code: i.flag for i in queue.items}
    assert flags[late] == "overdue" and flags[apologised] is None
    from motcua.notify.models import Notification

    kinds = list(
        await session.scalars(
            select(Notification.kind).where(Notification.event_key.like(f"dossier:{late}:%"))
        )
    )
    assert kinds.count("dossier_overdue") == 1
    sent = list(
        await session.scalars(
            select(Notification.kind).where(Notification.event_key.like(f"dossier:{apologised}:%"))
        )
    )
    assert "dossier_delayed" in sent and "dossier_overdue" not in sent


async def test_api_queue_actions_and_errors(
    client: httpx.AsyncClient, session: AsyncSession, team: Team
) -> None:
    codes = [await file_dossier(session, team.commune) for _ in range(3)]
    page = await client.get(
        "/api/v1/workflow/queue?limit=2", headers=team.auth("c_receiving_officer")
    )
    assert page.status_code == 200
    body = page.json()
    assert len(body["items"]) == 2 and body["next_after_id"]
    dues = [i["due_at"] for i in body["items"]]
    assert dues == sorted(dues)
    rest = await client.get(
        "/api/v1/workflow/queue",
        params={
            "limit": 200,
            "after_due": body["next_after_due"],
            "after_id": body["next_after_id"],
        },
        headers=team.auth("c_receiving_officer"),
    )
    seen = [i["code"] for i in body["items"]] + [i["code"] for i in rest.json()["items"]]
    assert len(seen) == len(set(seen)) and set(codes) <= set(seen)
    other = await client.get("/api/v1/workflow/queue", headers=team.auth("o_receiving_officer"))
    assert not set(codes) & {i["code"] for i in other.json()["items"]}
    hidden = await client.get(
        f"/api/v1/workflow/dossiers/{codes[0]}", headers=team.auth("o_approver")
    )
    assert hidden.status_code == 404 and hidden.json()["code"] == "unknown-dossier"
    view = await client.get(
        f"/api/v1/workflow/dossiers/{codes[0]}", headers=team.auth("c_approver")
    )
    version = view.json()["version"]
    stale = await client.post(
        f"/api/v1/workflow/dossiers/{codes[0]}/claim",
        json={"version": version - 1},
        headers=team.auth("c_receiving_officer"),
    )
    assert stale.status_code == 409 and stale.json()["code"] == "dossier-changed"
    ok = await client.post(
        f"/api/v1/workflow/dossiers/{codes[0]}/claim",
        json={"version": version},
        headers=team.auth("c_receiving_officer"),
    )
    assert ok.status_code == 200 and ok.json()["version"] == version + 1
    wrong = await client.post(
        f"/api/v1/workflow/dossiers/{codes[0]}/sign",
        json={"summary": "x"},
        headers=team.auth("c_approver"),
    )
    assert wrong.status_code == 409 and wrong.json()["code"] == "wrong-step"
    refused = await client.post(
        f"/api/v1/workflow/dossiers/{codes[1]}/supplement",
        json={"requirement_keys": ["giay_chung_sinh"]},
        headers=team.auth("c_receiving_officer"),
    )
    assert refused.status_code == 422 and refused.json()["code"] == "already-from-registry"
    log = await client.get("/api/v1/workflow/violations", headers=team.auth("p_provincial_monitor"))
    assert any(v["dossier_code"] == codes[1] for v in log.json())
    denied = await client.get(
        "/api/v1/workflow/violations", headers=team.auth("c_handling_officer")
    )
    assert denied.status_code == 403
    assert (await client.get("/api/v1/workflow/queue")).status_code == 401
    assert (
        await client.get("/api/v1/workflow/queue?limit=0", headers=team.auth("c_approver"))
    ).status_code == 422


async def test_definitions_are_versioned_and_admin_only(
    client: httpx.AsyncClient, team: Team
) -> None:
    url = "/api/v1/workflow/definitions/1.001193"
    current = await client.get(url, headers=team.auth("c_agency_admin"))
    assert current.status_code == 200 and not current.json()["agency_specific"]
    source = current.json()["source"]
    denied = await client.put(url, json={"source": source}, headers=team.auth("c_approver"))
    assert denied.status_code == 403
    bad = await client.put(
        url, json={"source": "steps: [{kind: sign}]"}, headers=team.auth("c_agency_admin")
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid-definition"
    saved = await client.put(url, json={"source": source}, headers=team.auth("c_agency_admin"))
    again = await client.put(url, json={"source": source}, headers=team.auth("c_agency_admin"))
    assert saved.json()["version"] == 1 and again.json()["version"] == 2
    assert saved.json()["agency_specific"]
    group = await client.get(
        "/api/v1/workflow/definitions/0.000015", headers=team.auth("c_approver")
    )
    levels = {s["level"] for s in group.json()["steps"]}
    assert {"commune", "province"} <= levels
    unknown = await client.get(
        "/api/v1/workflow/definitions/9.999999", headers=team.auth("c_approver")
    )
    assert unknown.status_code == 404


async def test_every_seeded_procedure_gets_a_default_definition(session: AsyncSession) -> None:
    written = await service.seed_definitions(session)
    assert written >= 25 and await service.seed_definitions(session) == 0


async def test_sweep_tells_the_officers_who_hold_the_dossier_once(
    session: AsyncSession, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    from motcua.identity.models import Officer
    from motcua.notify.models import Notification

    code = await file_dossier(session, team.commune, email="a@example.test")
    handling = await session.get(Officer, team["c_handling_officer"].officer_id)
    viewer = await session.get(Officer, team["c_national_viewer"].officer_id)
    assert handling is not None and viewer is not None
    handling.email, viewer.email = "chuyenvien@example.test", "xem@example.test"
    await session.flush()
    later = clock.now() + timedelta(days=40)
    monkeypatch.setattr("motcua.core.clock.now", lambda: later)
    first = await tasks.sweep(session)
    again = await tasks.sweep(session)
    assert first["officers_told"] >= 1 and again["officers_told"] == 0
    recipients = list(
        await session.scalars(
            select(Notification.recipient).where(
                Notification.kind == "dossier_flagged",
                Notification.event_key.like(f"dossier:{code}:%"),
            )
        )
    )
    # the officer who works dossiers is told; a viewer of the same agency is not
    assert recipients == ["chuyenvien@example.test"]
