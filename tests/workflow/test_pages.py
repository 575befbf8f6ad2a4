"""Officer pages: sign in with the cookie, the queue (own agency only, overdue first, filters,
keyset paging), the dossier view, and every action form, including refusals shown on the page."""

import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock
from motcua.core.calendar import get_calendar
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers.models import DossierState
from motcua.identity import service as identity
from motcua.identity.models import Role
from motcua.sandbox import pki
from motcua.workflow import pages
from motcua.workflow.models import Violation, WorkflowCase
from tests.forms import token_from, token_in
from tests.workflow.conftest import GROUP, SIMPLE, Team, file_dossier

QUEUE = "/can-bo/ho-so"


def cookie(team: Team, name: str) -> dict[str, str]:
    return {"Cookie": f"motcua_token={team.tokens[name]}"}


async def state_of(session: AsyncSession, code: str) -> tuple[DossierState, int]:
    dossier = await dossiers_repository.by_code(session, code)
    assert dossier is not None
    await session.refresh(dossier)
    return dossier.state, dossier.version


def form_of(html: str, action: str) -> str:
    found = re.search(rf'<form[^>]*action="[^"]*/{action}">(.*?)</form>', html, re.S)
    assert found, f"no {action} form"
    return found.group(1)


async def post(
    client: httpx.AsyncClient, team: Team, who: str, code: str, action: str, **data: object
) -> httpx.Response:
    """Post an action form with the token of the officer's session, read from their queue page
    (it is per session; the action's own form may not be shown to a role without it)."""
    token = await token_from(client, QUEUE, cookie(team, who))
    return await client.post(
        f"{QUEUE}/{code}/{action}", data={**data, "csrf_token": token}, headers=cookie(team, who)
    )


async def test_sign_in_and_see_only_your_agencys_queue(
    client: httpx.AsyncClient, session: AsyncSession, team: Team
) -> None:
    await identity.create_officer(
        session,
        username="wfp_mot_cua",
        full_name="Cán bộ một cửa (dữ liệu tổng hợp)",
        agency_code=team.commune.code,
        role=Role.receiving_officer,
        password="mat-khau-an-toan",
    )
    ours = await file_dossier(session, team.commune, SIMPLE)
    theirs = await file_dossier(session, team.other_commune, SIMPLE)
    anonymous = await client.get(QUEUE)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?next=")
    signed = await client.post(
        "/login",
        data={"username": "wfp_mot_cua", "password": "mat-khau-an-toan", "next": QUEUE},
    )
    assert signed.status_code == 303 and signed.headers["location"] == QUEUE
    page = await client.get(QUEUE)
    assert page.status_code == 200 and "Hồ sơ cần xử lý" in page.text
    assert ours in page.text and theirs not in page.text
    hidden = await client.get(f"{QUEUE}/{theirs}")
    assert hidden.status_code == 404 and "trong cơ quan của bạn" in hidden.text
    view = await client.get(f"{QUEUE}/{ours}")
    assert view.status_code == 200
    # items typed at the counter are named as declared there, read ones as read
    assert "Lấy từ cơ sở dữ liệu" in view.text and "Kê khai tại quầy" in view.text
    assert team.commune.name in view.text and "Nộp hồ sơ" in view.text
    english = await client.get(QUEUE, params={"lang": "en"})
    assert "Dossiers to handle" in english.text


async def test_queue_overdue_first_flags_filters_and_keyset_pages(
    client: httpx.AsyncClient,
    session: AsyncSession,
    team: Team,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    codes = [await file_dossier(session, team.commune, SIMPLE) for _ in range(3)]
    late = await dossiers_repository.by_code(session, codes[2])
    assert late is not None
    case = await session.get(WorkflowCase, late.id)
    assert case is not None
    case.due_at = clock.now() - timedelta(days=3)
    soon = await dossiers_repository.by_code(session, codes[1])
    assert soon is not None
    soon_case = await session.get(WorkflowCase, soon.id)
    assert soon_case is not None
    soon_case.flag = "due_soon"
    await session.flush()
    who = cookie(team, "c_handling_officer")
    page = (await client.get(QUEUE, headers=who)).text
    assert page.index(codes[2]) < page.index(codes[0])  # overdue on top
    assert "Quá hạn" in page and "Sắp đến hạn" in page
    overdue = (await client.get(QUEUE, params={"flag": "overdue"}, headers=who)).text
    assert codes[2] in overdue and codes[0] not in overdue
    due_soon = (await client.get(QUEUE, params={"flag": "due_soon"}, headers=who)).text
    assert codes[1] in due_soon and codes[2] not in due_soon
    assessing = (await client.get(QUEUE, params={"step": "assess"}, headers=who)).text
    assert not any(c in assessing for c in codes)
    bad = await client.get(QUEUE, params={"flag": "whatever"}, headers=who)
    assert bad.status_code == 422 and "flag" in bad.text

    monkeypatch.setattr(pages, "QUEUE_PAGE", 2)
    seen: list[str] = []
    url: str | None = QUEUE
    for _ in range(100):
        if url is None:
            break
        text = (await client.get(url, headers=who)).text
        seen += re.findall(r'<a href="/can-bo/ho-so/([^"]+)">', text)
        found = re.search(r'<a href="([^"]+)" rel="next">', text)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert len(seen) == len(set(seen)) and set(codes) <= set(seen)


async def test_every_action_form_walks_a_dossier_to_its_result(
    client: httpx.AsyncClient, session: AsyncSession, team: Team, storage: Path
) -> None:
    pki.generate(storage / "pki", [(team.commune.code, team.commune.name)])
    code = await file_dossier(session, team.commune, SIMPLE)
    first = (await client.get(f"{QUEUE}/{code}", headers=cookie(team, "c_receiving_officer"))).text
    assert 'action="/can-bo/ho-so/' + code + '/claim"' in first
    _, version = await state_of(session, code)
    claimed = await post(client, team, "c_receiving_officer", code, "claim", version=version)
    assert claimed.status_code == 303 and claimed.headers["location"].endswith("?xong=claim")
    shown = await client.get(
        claimed.headers["location"], headers=cookie(team, "c_receiving_officer")
    )
    assert "Bạn đã nhận xử lý hồ sơ." in shown.text and "/claim" not in shown.text
    done = await post(client, team, "c_receiving_officer", code, "complete", note="Đủ hồ sơ")
    assert done.status_code == 303
    calendar = get_calendar()
    view = await client.get(f"{QUEUE}/{code}", headers=cookie(team, "c_handling_officer"))
    assert "Thẩm định" in view.text and "/apology" in view.text
    dossier = await dossiers_repository.by_code(session, code)
    assert dossier is not None
    case = await session.get(WorkflowCase, dossier.id)
    assert case is not None
    new_date = calendar.next_working_day(calendar.localise(case.due_at).date())
    apology = await post(
        client,
        team,
        "c_handling_officer",
        code,
        "apology",
        reason="Cần xác minh thêm với cơ quan khác",
        new_due_date=new_date.isoformat(),
    )
    assert apology.status_code == 303
    for who in ("c_handling_officer", "c_approver"):
        assert (await post(client, team, who, code, "complete")).status_code == 303
    signed = await post(client, team, "c_approver", code, "sign", summary="Đã đăng ký khai sinh.")
    assert signed.status_code == 303
    after = await client.get(f"{QUEUE}/{code}", headers=cookie(team, "c_receiving_officer"))
    assert "/verify/" in after.text and "/return" in after.text
    returned = await post(client, team, "c_receiving_officer", code, "return")
    assert returned.status_code == 303
    state, _ = await state_of(session, code)
    assert state == DossierState.returned
    history = (await client.get(f"{QUEUE}/{code}", headers=cookie(team, "c_approver"))).text
    for label in ("Nhận xử lý", "Xin lỗi, hẹn lại ngày trả (Mẫu 04)", "Ký kết quả", "Trả kết quả"):
        assert label in history
    # after the return, the signing agency's approver may still revoke the result, nobody else
    assert 'for="revoke-reason"' in form_of(history, "revoke")
    receiving = await client.get(f"{QUEUE}/{code}", headers=cookie(team, "c_receiving_officer"))
    assert "/revoke" not in receiving.text
    assert "Vai trò của bạn không có thao tác nào ở bước này." in receiving.text
    verify_url = re.search(r'href="(/verify/[^"]+)"', history)
    assert verify_url
    too_short = await post(client, team, "c_approver", code, "revoke", reason="sai")
    assert too_short.status_code == 422 and "ít nhất 10 ký tự" in too_short.text
    assert ">sai</textarea>" in form_of(too_short.text, "revoke")  # what was typed stays
    assert "Văn bản thật, còn giá trị." in (await client.get(verify_url.group(1))).text
    revoked = await post(
        client, team, "c_approver", code, "revoke", reason="Kết quả ghi sai ngày sinh của trẻ"
    )
    assert revoked.status_code == 303 and revoked.headers["location"].endswith("?xong=revoke")
    assert (
        "Văn bản đã bị thu hồi, không còn giá trị." in (await client.get(verify_url.group(1))).text
    )
    state, _ = await state_of(session, code)
    assert state == DossierState.returned  # the dossier keeps its state; history says why


async def test_forward_form_offers_the_next_level_and_the_province_sees_it(
    client: httpx.AsyncClient, session: AsyncSession, team: Team
) -> None:
    code = await file_dossier(session, team.commune, GROUP)
    for who in ("c_receiving_officer", "c_handling_officer"):
        assert (await post(client, team, who, code, "complete")).status_code == 303
    view = await client.get(f"{QUEUE}/{code}", headers=cookie(team, "c_handling_officer"))
    forward = form_of(view.text, "forward")
    assert f'value="{team.province.code}"' in forward
    moved = await post(
        client, team, "c_handling_officer", code, "forward", agency_code=team.province.code
    )
    assert moved.status_code == 303
    province = await client.get(QUEUE, headers=cookie(team, "p_handling_officer"))
    assert code in province.text
    route = (await client.get(f"{QUEUE}/{code}", headers=cookie(team, "p_handling_officer"))).text
    assert route.index(team.commune.name) < route.index(team.province.name)
    assert 'aria-current="step"' in route


async def test_refusals_show_their_message_and_change_nothing(
    client: httpx.AsyncClient, session: AsyncSession, team: Team
) -> None:
    code = await file_dossier(session, team.commune, SIMPLE)
    before = await state_of(session, code)
    wrong_role = await post(client, team, "c_handling_officer", code, "claim")
    assert wrong_role.status_code == 403 and "chỉ dành cho" in wrong_role.text
    assert 'role="alert"' in wrong_role.text and code in wrong_role.text
    stale = await post(client, team, "c_receiving_officer", code, "claim", version=before[1] - 1)
    assert stale.status_code == 409 and "vừa được người khác cập nhật" in stale.text
    short = await post(client, team, "c_receiving_officer", code, "refuse", reason="thiếu")
    assert short.status_code == 422 and "lý do từ chối" in short.text
    bad_date = await post(
        client, team, "c_handling_officer", code, "apology", reason="x" * 20, new_due_date="mai"
    )
    assert bad_date.status_code == 422 and "ngày hẹn trả mới" in bad_date.text
    no_agency = await post(client, team, "c_receiving_officer", code, "forward")
    assert no_agency.status_code == 422
    assert await state_of(session, code) == before
    other = await post(client, team, "o_receiving_officer", code, "claim")
    assert other.status_code == 404
    refused = await post(
        client, team, "c_receiving_officer", code, "refuse", reason="Hồ sơ không thuộc thẩm quyền"
    )
    assert refused.status_code == 303
    assert (await state_of(session, code))[0] == DossierState.refused
    closed = await post(client, team, "c_receiving_officer", code, "claim")
    assert closed.status_code == 409 and "đã kết thúc" in closed.text


async def test_supplement_form_is_a_checklist_of_unfetched_requirements_only(
    client: httpx.AsyncClient, session: AsyncSession, team: Team
) -> None:
    code = await file_dossier(session, team.commune, SIMPLE)
    view = await client.get(f"{QUEUE}/{code}", headers=cookie(team, "c_receiving_officer"))
    form = form_of(view.text, "supplement")
    # No free text anywhere in it: papers from the list, a reason from a closed list, a date.
    assert "<textarea" not in form and "<select" not in form
    inputs = re.findall(r"<input[^>]*>", form)
    assert inputs and all(
        'type="hidden"' in i
        or 'type="checkbox" name="requirement"' in i
        or 'type="radio" name="reason"' in i
        or 'name="answer_by" type="date"' in i
        for i in inputs
    )
    offered = re.findall(r'name="requirement" value="([^"]+)"', form)
    assert "to_khai_dang_ky_khai_sinh" in offered
    assert not {"giay_chung_sinh", "nhan_than_cha_me", "noi_cu_tru_cha_me"} & set(offered)

    fetched = await post(
        client, team, "c_receiving_officer", code, "supplement", requirement="giay_chung_sinh"
    )
    assert fetched.status_code == 422 and "đã được lấy từ cơ sở dữ liệu" in fetched.text
    free = await post(
        client, team, "c_receiving_officer", code, "supplement", requirement="Giấy xác nhận khác"
    )
    assert free.status_code == 422 and "không được ghi yêu cầu tự do" in free.text
    logged = list(
        await session.scalars(select(Violation.code).where(Violation.dossier_code == code))
    )
    assert sorted(logged) == ["already-from-registry", "free-text-not-allowed"]
    assert (await state_of(session, code))[0] == DossierState.received
    asked = await post(
        client,
        team,
        "c_receiving_officer",
        code,
        "supplement",
        requirement="to_khai_dang_ky_khai_sinh",
    )
    assert asked.status_code == 303
    assert (await state_of(session, code))[0] == DossierState.supplement_requested
    queue = (await client.get(QUEUE, headers=cookie(team, "c_receiving_officer"))).text
    assert "Tạm dừng chờ bổ sung" in queue


async def test_an_action_without_the_sessions_token_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, team: Team
) -> None:
    code = await file_dossier(session, team.commune, SIMPLE)
    before = await state_of(session, code)
    who = cookie(team, "c_receiving_officer")
    url = f"{QUEUE}/{code}/claim"
    colleague = await token_from(client, QUEUE, cookie(team, "c_approver"))
    for data in ({"version": before[1]}, {"version": before[1], "csrf_token": colleague}):
        refused = await client.post(url, data=data, headers=who)
        assert refused.status_code == 403
        assert "tải lại trang" in refused.text and 'role="alert"' in refused.text
        assert await state_of(session, code) == before
    page = await client.get(f"{QUEUE}/{code}", headers=who)
    token = token_in(form_of(page.text, "claim"))
    assert token != colleague
    data = {"version": before[1], "csrf_token": token}
    claimed = await client.post(url, data=data, headers=who)
    assert claimed.status_code == 303
    assert await state_of(session, code) == (before[0], before[1] + 1)


async def test_a_leader_assigns_the_step_to_an_officer_who_can_hold_it(
    client: httpx.AsyncClient, session: AsyncSession, team: Team
) -> None:
    code = await file_dossier(session, team.commune, SIMPLE)
    own = await client.get(f"{QUEUE}/{code}", headers=cookie(team, "c_receiving_officer"))
    assert "/assign" not in own.text  # only leaders and administrators assign
    view = await client.get(f"{QUEUE}/{code}", headers=cookie(team, "c_approver"))
    assign = form_of(view.text, "assign")
    offered = re.findall(r'<option value="([^"]+)"', assign)
    assert offered == ["wf_c_receiving_officer"]  # the receive step's role, this agency only
    assert '<label for="assignee">' in assign

    before = await state_of(session, code)
    elsewhere = await post(
        client, team, "c_approver", code, "assign", username="wf_o_receiving_officer"
    )
    assert elsewhere.status_code == 422 and "trong cơ quan của bạn" in elsewhere.text
    wrong_role = await post(
        client, team, "c_approver", code, "assign", username="wf_c_handling_officer"
    )
    assert wrong_role.status_code == 409 and "không có vai trò" in wrong_role.text
    nobody = await post(client, team, "c_approver", code, "assign")
    assert nobody.status_code == 422
    assert await state_of(session, code) == before

    done = await post(
        client,
        team,
        "c_approver",
        code,
        "assign",
        username="wf_c_receiving_officer",
        version=before[1],
    )
    assert done.status_code == 303 and done.headers["location"].endswith("?xong=assign")
    shown = await client.get(done.headers["location"], headers=cookie(team, "c_approver"))
    assert "Đã phân công cán bộ xử lý bước này." in shown.text
    assert team["c_receiving_officer"].full_name in shown.text
    dossier = await dossiers_repository.by_code(session, code)
    assert dossier is not None
    case = await session.get(WorkflowCase, dossier.id)
    assert case is not None
    await session.refresh(case)
    assert case.assignee_id == team["c_receiving_officer"].officer_id
    # the assignee works the step at once: nothing left to claim
    mine = await client.get(f"{QUEUE}/{code}", headers=cookie(team, "c_receiving_officer"))
    assert "/complete" in mine.text and "/claim" not in mine.text
