"""The officer's switch into practice mode and back, and the reset of their practice set
(``workflow.practice``). The display cookie learns the mode too, so every page shows the
"THỰC HÀNH" band while the session is in practice."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from motcua.core import clock
from motcua.core.database import RequestSession
from motcua.identity.auth import OptionalOfficer, token_from
from motcua.identity.models import Role
from motcua.identity.repository import token_with_officer
from motcua.identity.service import Forbidden, Subject, hash_token, subject_for_token
from motcua.web.navigation import OfficerView, set_officer_view
from motcua.web.templating import render
from motcua.workflow import practice

router = APIRouter(include_in_schema=False)
PRACTISING = frozenset(
    {Role.receiving_officer, Role.handling_officer, Role.approver, Role.agency_admin}
)
DONE = {
    "moi": "Đã làm mới bộ hồ sơ thực hành.",
    "thoat": "Bạn đã thoát chế độ thực hành; các trang đang hiện hồ sơ thật.",
}


def _login(request: Request) -> RedirectResponse:
    return RedirectResponse("/login?next=/can-bo/thuc-hanh", status_code=303)


def _may_practise(officer: Subject) -> None:
    if officer.role not in PRACTISING:
        raise Forbidden(
            "Chế độ thực hành dành cho cán bộ tiếp nhận, xử lý, phê duyệt và quản trị cơ quan.",
            code="role-not-allowed",
        )


async def _switched(
    request: Request, session: RequestSession, token: str, target: str
) -> RedirectResponse:
    """Redirect with the display cookie saying the mode the token is now in."""
    subject = await subject_for_token(session, token)
    found = await token_with_officer(session, hash_token(token))
    assert found is not None
    response = RedirectResponse(target, status_code=303)
    view = OfficerView(subject.full_name, subject.role.value, subject.agency_name, subject.practice)
    lifetime = int((found[0].expires_at - clock.now()).total_seconds())
    set_officer_view(response, request, view, lifetime)
    return response


@router.get("/can-bo/thuc-hanh", response_class=HTMLResponse)
async def practice_page(
    request: Request,
    officer: OptionalOfficer,
    xong: Annotated[Literal["moi", "thoat"] | None, Query()] = None,
) -> Response:
    """What practice mode is, and the buttons to enter, reset or leave it."""
    if officer is None:
        return _login(request)
    _may_practise(officer)
    context = {
        "in_practice": officer.practice,
        "agency_name": officer.agency_name,
        "done": DONE.get(xong or ""),
    }
    return render(request, "workflow/practice.html", context)


@router.post("/can-bo/thuc-hanh/bat-dau")
async def enter(request: Request, session: RequestSession, officer: OptionalOfficer) -> Response:
    """Into practice: the twin is made (with a set) on first use; the queue is the twin's."""
    token = token_from(request)
    if officer is None or token is None:
        return _login(request)
    _may_practise(officer)
    await practice.enter(session, token)
    return await _switched(request, session, token, "/can-bo/ho-so")


@router.post("/can-bo/thuc-hanh/thoat")
async def leave(request: Request, session: RequestSession, officer: OptionalOfficer) -> Response:
    token = token_from(request)
    if officer is None or token is None:
        return _login(request)
    await practice.leave(session, token)
    return await _switched(request, session, token, "/can-bo/thuc-hanh?xong=thoat")


@router.post("/can-bo/thuc-hanh/lam-moi")
async def reset(request: Request, session: RequestSession, officer: OptionalOfficer) -> Response:
    """A fresh practice set; the officer's old practice dossiers leave the queue."""
    if officer is None:
        return _login(request)
    _may_practise(officer)
    await practice.reset(session, officer)
    return RedirectResponse("/can-bo/thuc-hanh?xong=moi", status_code=303)
