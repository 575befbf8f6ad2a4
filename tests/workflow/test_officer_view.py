"""The officer's dossier page offers only what the workflow accepts (each offered action, tried
at every stage by every role, is accepted; once signed, no refusal or delay), reads a same-day
procedure's clock in hours and minutes (never "0 days, 0%"), and the queue is one card per
dossier on a phone, every column kept and named."""

import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.calendar import get_calendar
from motcua.core.errors import DomainError
from motcua.dossiers import repository as dossiers_repository
from motcua.identity.service import Subject
from motcua.sandbox import pki
from motcua.workflow import service
from motcua.workflow.models import WorkflowCase
from tests.workflow.conftest import SIMPLE, Team, file_dossier
from tests.workflow.test_pages import QUEUE, cookie, post

REASON = "Hồ sơ không thuộc thẩm quyền giải quyết (thử)"
ACTIONS = ("claim", "complete", "supplement", "refuse", "apology", "sign", "return", "revoke")
ROLES = ("c_receiving_officer", "c_handling_officer", "c_approver")


def offered(html: str, code: str) -> set[str]:
    found = re.findall(rf'<form[^>]*action="/can-bo/ho-so/{re.escape(code)}/([a-z-]+)"', html)
    return {a for a in found if a in ACTIONS}


async def _try(session: AsyncSession, officer: Subject, code: str, action: str) -> None:
    """The offered action, as the service runs it, with good input; rolled back after."""
    calendar = get_calendar()
    dossier = await dossiers_repository.plain_by_code(session, code)
    assert dossier is not None
    case = await session.get(WorkflowCase, dossier.id)
    assert case is not None
    new_due = calendar.next_working_day(calendar.localise(case.due_at).date())
    calls: dict[str, Callable[[], Awaitable[object]]] = {
        "claim": lambda: service.claim(session, officer, code),
        "complete": lambda: service.complete(session, officer, code),
        "supplement": lambda: service.request_supplement(
            session, officer, code, ["to_khai_dang_ky_khai_sinh"]
        ),
        "refuse": lambda: service.refuse(session, officer, code, REASON),
        "apology": lambda: service.apologise(session, officer, code, REASON, new_due),
        "sign": lambda: service.sign_result(session, officer, code, "Kết quả (thử)"),
        "return": lambda: service.hand_back(session, officer, code),
        "revoke": lambda: service.revoke_result(session, officer, code, REASON),
    }
    nested = await session.begin_nested()
    try:
        await calls[action]()
    except DomainError as refusal:
        pytest.fail(f"{officer.username} was offered “{action}”, refused: {refusal.code}")
    finally:
        await nested.rollback()
        session.expire_all()


async def test_every_action_the_page_offers_is_one_the_workflow_accepts(
    client: httpx.AsyncClient, session: AsyncSession, team: Team, storage: Path
) -> None:
    pki.generate(storage / "pki", [(team.commune.code, team.commune.name)])
    code = await file_dossier(session, team.commune, SIMPLE)
    stages = [
        ("c_receiving_officer", "claim"),
        ("c_receiving_officer", "complete"),
        ("c_handling_officer", "complete"),
        ("c_approver", "complete"),
        ("c_approver", "sign"),
        ("c_receiving_officer", "return"),
        (None, None),
    ]
    seen: dict[str, set[str]] = {}
    for who, action in stages:
        for role in ROLES:
            page = await client.get(f"{QUEUE}/{code}", headers=cookie(team, role))
            assert page.status_code == 200
            actions = offered(page.text, code)
            seen[f"{action}:{role}"] = actions
            if action is None:  # returned: nobody holds it, the page says it is closed
                assert "Hồ sơ đã kết thúc xử lý" in page.text
            for each in sorted(actions):
                await _try(session, team[role], code, each)
        if who is not None and action is not None:
            extra = {"summary": "Đã đăng ký khai sinh."} if action == "sign" else {}
            moved = await post(client, team, who, code, action, **extra)
            assert moved.status_code == 303, moved.text
    # after the signature: the approver neither refuses nor puts off the date any more
    assert {"refuse", "apology"} & seen["return:c_approver"] == set()
    assert {"refuse", "apology"} & seen["return:c_handling_officer"] == set()
    assert seen["return:c_receiving_officer"] == {"claim", "return"}
    assert seen["None:c_approver"] == {"revoke"}  # returned: only the revocation stays
    assert "refuse" in seen["sign:c_approver"] and "sign" in seen["sign:c_approver"]


async def test_refusing_or_delaying_a_signed_result_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, team: Team, storage: Path
) -> None:
    pki.generate(storage / "pki", [(team.commune.code, team.commune.name)])
    code = await file_dossier(session, team.commune, SIMPLE)
    await service.claim(session, team["c_receiving_officer"], code)
    for who in ("c_receiving_officer", "c_handling_officer", "c_approver"):
        await service.complete(session, team[who], code)
    await service.sign_result(session, team["c_approver"], code, "Kết quả (thử)")
    before = (await dossiers_repository.plain_by_code(session, code)).version  # type: ignore[union-attr]
    refused = await post(client, team, "c_approver", code, "refuse", reason=REASON)
    assert refused.status_code == 409 and "không thể “từ chối hồ sơ”" in refused.text
    assert ">" + REASON + "</textarea>" not in refused.text  # the form is not offered again
    api = await client.post(
        f"/api/v1/workflow/dossiers/{code}/refuse",
        json={"reason": REASON},
        headers=team.auth("c_approver"),
    )
    assert api.status_code == 409 and api.json()["code"] == "wrong-state"
    delayed = await client.post(
        f"/api/v1/workflow/dossiers/{code}/apology",
        json={"reason": REASON, "new_due_date": "2099-01-05"},
        headers=team.auth("c_handling_officer"),
    )
    assert delayed.status_code == 409 and delayed.json()["code"] == "wrong-state"
    after = await dossiers_repository.plain_by_code(session, code)
    assert after is not None and after.version == before


async def test_a_same_day_procedure_shows_its_due_time_and_how_late_never_zero_percent(
    client: httpx.AsyncClient,
    session: AsyncSession,
    team: Team,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calendar = get_calendar()
    # Monday 30 November 2026, 09:00 in Hanoi (before the test's sessions expire): birth
    # registration is decided the same day
    moment = datetime(2026, 11, 30, 9, 0, tzinfo=calendar.timezone)
    monkeypatch.setattr("motcua.core.clock.now", lambda: moment)
    code = await file_dossier(session, team.commune, SIMPLE)
    page = (await client.get(f"{QUEUE}/{code}", headers=cookie(team, "c_receiving_officer"))).text
    deadline = page.split('id="deadline"')[1].split("</dd>")[0]
    assert "Giải quyết trong ngày" in deadline and "30/11/2026" in deadline
    route = page.split('class="route"')[1].split("</ol>")[0]
    assert "Giải quyết trong ngày" in route
    assert "(0%)" not in page and "được giao 0" not in page and "Đã dùng 0" not in page
    dossier = await dossiers_repository.plain_by_code(session, code)
    assert dossier is not None
    case = await session.get(WorkflowCase, dossier.id)
    assert case is not None and calendar.localise(case.due_at).date() == moment.date()
    # two hours and a quarter after the due time, the same day
    moment = case.due_at + timedelta(hours=2, minutes=15)
    if calendar.localise(moment).date() != calendar.localise(case.due_at).date():
        moment = case.due_at + timedelta(minutes=40)
        late = "40 phút"
    else:
        late = "2 giờ 15 phút"
    page = (await client.get(f"{QUEUE}/{code}", headers=cookie(team, "c_receiving_officer"))).text
    deadline = page.split('id="deadline"')[1].split("</dd>")[0]
    assert f"Đã quá hạn {late}" in deadline and "Quá hạn" in deadline
    assert "0 ngày làm việc" not in deadline and "(0%)" not in page


async def test_the_queue_is_one_named_card_per_dossier_on_a_phone(
    client: httpx.AsyncClient, session: AsyncSession, team: Team
) -> None:
    code = await file_dossier(session, team.commune, SIMPLE)
    page = (await client.get(QUEUE, headers=cookie(team, "c_receiving_officer"))).text
    assert '<table class="queue stack">' in page
    row = (
        page.split(f'href="/can-bo/ho-so/{code}"')[0].rsplit("<tr", 1)[1]
        + page.split(f'href="/can-bo/ho-so/{code}"')[1].split("</tr>")[0]
    )
    for label in ("Mã hồ sơ", "Thủ tục", "Bước", "Trạng thái", "Hạn xử lý"):
        assert f'data-label="{label}"' in row
