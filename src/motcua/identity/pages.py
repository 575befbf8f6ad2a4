"""Sign-in and sign-out pages. Officers: username and password, the token in an HttpOnly
cookie. Citizens: e-ID (OpenID Connect) at ``/dang-nhap``, the signed session in an HttpOnly
cookie, ``/ca-nhan`` to act for a child, ``/dang-xuat`` to sign out."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from motcua.core import clock
from motcua.core.database import RequestSession
from motcua.core.errors import DomainError
from motcua.core.settings import get_settings
from motcua.identity import citizens, oidc, service
from motcua.identity.auth import COOKIE, PageCitizen, set_session, token_from
from motcua.identity.models import Role
from motcua.web.navigation import (
    OFFICER_MENUS,
    OfficerView,
    clear_officer_view,
    set_officer_view,
)
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str) -> str:
    """Only local paths, so the form cannot be used to send people elsewhere; empty when the
    person came to sign in directly (they land on their role's first page)."""
    return target if target.startswith("/") and not target.startswith("//") else ""


def _landing(role: Role) -> str:
    """Where an officer starts: the first entry of their role's menu (the queue, the helper's
    page, the dashboard)."""
    menu = OFFICER_MENUS.get(role)
    return menu[0].href if menu else "/monitoring"


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, next: str = "") -> HTMLResponse:
    return render(request, "identity/login.html", {"next": _safe_next(next), "error": None})


@router.post("/login")
async def login(
    request: Request,
    session: RequestSession,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    try:
        token, expires_at = await service.issue_token(session, username, password)
    except service.Unauthenticated as error:
        context = {"next": _safe_next(next), "error": error.message, "username": username}
        return render(request, "identity/login.html", context, 401)
    subject = await service.subject_for_token(session, token)
    response = RedirectResponse(_safe_next(next) or _landing(subject.role), status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        expires=expires_at,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    view = OfficerView(subject.full_name, subject.role.value, subject.agency_name)
    lifetime = int((expires_at - clock.now()).total_seconds())
    set_officer_view(response, request, view, lifetime)
    return response


@router.post("/logout")
async def logout(request: Request, session: RequestSession) -> Response:
    token = token_from(request)
    if token is not None:
        await service.revoke_token(session, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    clear_officer_view(response)
    return response


# --- citizens: e-ID ---------------------------------------------------------------------------


def _citizen_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/ca-nhan"


def _redirect_uri(request: Request) -> str:
    return get_settings().eid_redirect_url or str(request.url_for("eid_callback"))


@router.get("/dang-nhap")
async def citizen_login(request: Request, next: str = "/ca-nhan") -> Response:
    """Off to the e-ID provider, with state, nonce and the PKCE verifier kept in a signed,
    short-lived cookie until the person comes back."""
    url, transaction = await oidc.begin(_redirect_uri(request), _citizen_next(next))
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        citizens.LOGIN_COOKIE,
        citizens.encode_login(transaction),
        max_age=citizens.LOGIN_MAX_AGE_S,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/dang-nhap",
    )
    return response


@router.get("/dang-nhap/callback", name="eid_callback")
async def citizen_callback(
    request: Request, code: str = "", state: str = "", error: str = ""
) -> Response:
    transaction = citizens.decode_login(request.cookies.get(citizens.LOGIN_COOKIE, ""))
    messages = []
    if error:
        messages.append("Bạn đã hủy đăng nhập hoặc nhà cung cấp định danh từ chối yêu cầu.")
    elif transaction is None:
        messages.append("Phiên đăng nhập đã hết hạn (quá 10 phút). Vui lòng đăng nhập lại.")
    elif not code or not state:
        messages.append("Thiếu mã đăng nhập từ nhà cung cấp định danh. Vui lòng đăng nhập lại.")
    if messages or transaction is None:
        return render(request, "error.html", {"messages": messages}, 401)
    try:
        identity = await oidc.finish(transaction, _redirect_uri(request), code, state)
    except DomainError as failure:
        return render(request, "error.html", {"messages": [failure.message]}, 401)
    response = RedirectResponse(transaction.next, status_code=303)
    set_session(response, request, citizens.citizen_from_identity(identity))
    response.delete_cookie(citizens.LOGIN_COOKIE, path="/dang-nhap")
    return response


@router.post("/dang-xuat")
async def citizen_logout() -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(citizens.SESSION_COOKIE)
    return response


@router.get("/ca-nhan", response_class=HTMLResponse)
async def citizen_home(request: Request, citizen: PageCitizen, session: RequestSession) -> Response:
    """The signed-in person's page; it says when someone waits for them to confirm a read of
    their data (the partner in a marriage, the other parent), and shows the services the state
    offers them that they have not answered yet (as "Hồ sơ của tôi" does)."""
    from motcua.exchange import subjects  # a page of the identity module, not its service
    from motcua.offers import service as offers

    waiting = await subjects.waiting_for(session, citizen.personal_id)
    context = {
        "citizen": citizen,
        "error": None,
        "waiting": len(waiting),
        "offers": await offers.mine(session, citizen.personal_id),
    }
    return render(request, "identity/citizen.html", context)
