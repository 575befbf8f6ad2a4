"""Pages of assisted filing (``/ho-tro``): the helper names the citizen, hands the tablet over
for the citizen's own e-ID sign-in and confirmation, then the citizen's ordinary application
pages run; the helper ends the visit, which signs the citizen out of the device. Also the
indicator page under the statistics. Routes are thin (``assisted.service`` does the work)."""

from datetime import date, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from motcua.assisted import cookie, indicator, service
from motcua.core.database import RequestSession
from motcua.core.errors import DomainError, Invalid
from motcua.dossiers import service as dossiers
from motcua.identity.auth import OptionalOfficer, citizen_from
from motcua.identity.citizens import SESSION_COOKIE, session_signed_at
from motcua.identity.service import Subject
from motcua.stats import repository as stats_repository
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)
HOME = "/ho-tro"
FilingId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


def _login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def _refused(request: Request, error: DomainError) -> HTMLResponse:
    return render(request, "error.html", {"messages": [error.message]}, error.status_code)


async def _home(
    request: Request,
    session: RequestSession,
    officer: Subject,
    typed: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lines = await service.mine(session, officer)
    context = {
        "officer": officer,
        "lines": lines,
        "typed": typed,
        "error": error,
        "states": service.STATE_NAMES,
        "dossier_states": dossiers.STATE_NAMES,
        "ended": request.query_params.get("da-ket-thuc") == "1",
    }
    return render(request, "assisted/home.html", context, status_code)


@router.get(HOME, response_class=HTMLResponse)
async def home(request: Request, session: RequestSession, officer: OptionalOfficer) -> Response:
    if officer is None:
        return _login(request)
    try:
        return await _home(request, session, officer)
    except DomainError as error:
        return _refused(request, error)


@router.post(HOME, response_class=HTMLResponse)
async def start(
    request: Request,
    session: RequestSession,
    officer: OptionalOfficer,
    so_dinh_danh: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Name the citizen; any e-ID session left on the device is signed out."""
    if officer is None:
        return _login(request)
    try:
        row = await service.start(session, officer, so_dinh_danh)
    except DomainError as error:
        if error.status_code == 403:
            return _refused(request, error)
        await session.rollback()
        return await _home(request, session, officer, so_dinh_danh, error.message, 422)
    response = RedirectResponse(f"{HOME}/{row.id}", status_code=303)
    cookie.end(response)
    return response


@router.get(HOME + "/{filing_id}", response_class=HTMLResponse)
async def handover(
    request: Request, filing_id: FilingId, session: RequestSession, officer: OptionalOfficer
) -> Response:
    if officer is None:
        return _login(request)
    try:
        row = await service.own(session, officer, filing_id)
    except DomainError as error:
        return _refused(request, error)
    confirm = f"{HOME}/{row.id}/xac-nhan"
    context = {
        "row": row,
        "states": service.STATE_NAMES,
        "methods": service.METHOD_NAMES,
        "login": f"/dang-nhap?next={quote(confirm, safe='')}",
    }
    return render(request, "assisted/handover.html", context)


def _signed_in_at(request: Request) -> datetime | None:
    return session_signed_at(request.cookies.get(SESSION_COOKIE, ""))


def _back_to_sign_in(request: Request) -> RedirectResponse:
    """The citizen signs in with their own e-ID on the device, then comes back here."""
    return RedirectResponse(f"/dang-nhap?next={quote(request.url.path, safe='')}", status_code=303)


def _refused_on_device(request: Request, error: DomainError) -> Response:
    """A wrong or stale sign-in leaves the device with the refusal."""
    response = _refused(request, error)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get(HOME + "/{filing_id}/xac-nhan", response_class=HTMLResponse)
async def confirm_page(
    request: Request, filing_id: FilingId, session: RequestSession, officer: OptionalOfficer
) -> Response:
    """Where the e-ID sign-in returns: the citizen reads what they confirm."""
    if officer is None:
        return _login(request)
    citizen, signed_at = citizen_from(request), _signed_in_at(request)
    if citizen is None or signed_at is None:
        return _back_to_sign_in(request)
    try:
        row = await service.confirmable(session, officer, filing_id, citizen, signed_at)
    except DomainError as error:
        return _refused_on_device(request, error)
    context = {"row": row, "citizen": citizen, "officer": officer}
    return render(request, "assisted/confirm.html", context)


@router.post(HOME + "/{filing_id}/xac-nhan", response_class=HTMLResponse)
async def confirm(
    request: Request, filing_id: FilingId, session: RequestSession, officer: OptionalOfficer
) -> Response:
    if officer is None:
        return _login(request)
    citizen, signed_at = citizen_from(request), _signed_in_at(request)
    if citizen is None or signed_at is None:
        return _back_to_sign_in(request)
    try:
        row = await service.confirm(session, officer, filing_id, citizen, signed_at)
    except DomainError as error:
        await session.rollback()
        return _refused_on_device(request, error)
    confirmed = RedirectResponse(f"{HOME}/{row.id}", status_code=303)
    cookie.set_cookie(confirmed, request, row.id)
    return confirmed


@router.post(HOME + "/ket-thuc")
async def end(request: Request, session: RequestSession, officer: OptionalOfficer) -> Response:
    """End the visit: the citizen's e-ID session and the confirmation leave the device."""
    found = cookie.filing_id(request)
    if officer is not None and found is not None:
        try:
            await service.close(session, officer, found)
        except DomainError:
            await session.rollback()  # nothing of this helper's to close; still sign out
    ended = RedirectResponse(f"{HOME}?da-ket-thuc=1", status_code=303)
    cookie.end(ended)
    return ended


def _day(value: str | None, label: str) -> date | None:
    if not value or not value.strip():
        return None
    try:
        return datetime.strptime(value.strip(), "%d/%m/%Y").date()
    except ValueError as error:
        raise Invalid(
            f"{label}: hãy ghi ngày theo dạng ngày/tháng/năm, ví dụ 05/12/2025.",
            code="invalid-parameter",
        ) from error


Text = Annotated[str | None, Query(max_length=40)]


@router.get("/thong-ke/ho-tro-nop-ho-so", response_class=HTMLResponse)
async def indicator_page(
    request: Request,
    session: RequestSession,
    tu: Text = None,
    den: Text = None,
    tinh: Annotated[str | None, Query(max_length=2)] = None,
) -> Response:
    """The indicator for people: dossiers filed with the community digital teams per commune."""
    typed = {"tu": tu or "", "den": den or "", "tinh": tinh or ""}
    provinces = await stats_repository.provinces(session)
    context: dict[str, object] = {
        "typed": typed,
        "figures": None,
        "error": None,
        "provinces": provinces,
    }
    try:
        if tinh and tinh not in {code for code, _ in provinces}:
            raise Invalid("Tỉnh, thành phố: hãy chọn một tỉnh, thành phố trong danh sách.")
        start, end = _day(tu, "Từ ngày"), _day(den, "Đến ngày")
        context["figures"] = await indicator.per_commune(session, start, end, tinh or None)
    except Invalid as error:
        context["error"] = error.message
        return render(request, "assisted/indicator.html", context, 422)
    return render(request, "assisted/indicator.html", context)
