"""The one-stop officer's counter pages (Tiếp nhận tại quầy, ``/can-bo/quay``): find the
procedure, identify the walk-in citizen, record the consent given in person, see what the
registries delivered, type the declaration, scan only what no registry holds, receive, print.

Routes are thin (``dossiers.desk`` does the work). Every refusal comes back as the same page
with each problem linked to its field and everything typed kept; scans must be chosen again
(a browser cannot keep a chosen file).
"""

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from motcua.catalog import groups as catalog_groups
from motcua.catalog import service as catalog
from motcua.catalog.models import Level
from motcua.core.calendar import get_calendar
from motcua.core.database import RequestSession
from motcua.core.errors import DomainError
from motcua.core.settings import get_settings
from motcua.dossiers import desk, reading, service, uploads
from motcua.dossiers.models import IdentityCheck
from motcua.identity.auth import OptionalOfficer
from motcua.identity.service import Subject
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)
HOME = "/can-bo/quay"
VisitId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


def _login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def _anchor(field: str) -> str:
    """``values.key.name`` -> ``field-key-name``; ``uploads.key`` -> ``file-key``."""
    parts = field.split(".")
    if parts[0] == "values" and len(parts) == 3:
        return f"field-{parts[1]}-{parts[2]}"
    if parts[0] == "uploads" and len(parts) == 2:
        return f"file-{parts[1]}"
    return field.replace(".", "-")


def _errors(error: DomainError) -> list[tuple[str, str]]:
    problems = error.details.get("problems") or []
    found = [(_anchor(p["field"]), p["message"]) for p in problems]
    return found or [("main", error.message)]


async def _start_page(
    request: Request,
    session: RequestSession,
    officer: Subject,
    opening: desk.Opening,
    query: str,
    errors: list[tuple[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    found = None
    if query.strip():
        level = Level(officer.agency_level) if officer.agency_level != "ministry" else None
        found = (await catalog.search(session, query, level=level, page_size=10)).items
    return render(
        request,
        "dossiers/counter_start.html",
        {
            "officer": officer,
            "opening": opening,
            "query": query,
            "found": found,
            "checks": desk.CHECK_NAMES,
            "errors": errors or [],
            "bad": {f for f, _ in errors or []},
        },
        status_code,
    )


@router.get(HOME, response_class=HTMLResponse)
async def start(
    request: Request,
    session: RequestSession,
    officer: OptionalOfficer,
    tim: Annotated[str, Query(max_length=200)] = "",
    ma: Annotated[str, Query(max_length=16)] = "",
) -> Response:
    """Find the procedure (by name or code), then the citizen's number, check and consent."""
    if officer is None:
        return _login(request)
    return await _start_page(request, session, officer, desk.Opening(procedure_code=ma), tim)


@router.post(HOME, response_class=HTMLResponse)
async def open_visit(
    request: Request, session: RequestSession, officer: OptionalOfficer
) -> Response:
    if officer is None:
        return _login(request)
    form = await request.form()

    def text(name: str, limit: int) -> str:
        value = form.get(name)
        return value.strip()[:limit] if isinstance(value, str) else ""

    opening = desk.Opening(
        procedure_code=text("ma_thu_tuc", 16),
        citizen_number=text("so_dinh_danh", 32),
        identity_check=text("kiem_tra", 16),
        consent=form.get("dong_y") is not None,
    )
    try:
        opened = await desk.open_visit(session, officer, opening)
    except DomainError as error:
        await session.rollback()  # nothing written
        return await _start_page(request, session, officer, opening, "", _errors(error), 422)
    if opened.stopped:
        # The visit and the reads made stay recorded; no dossier is started.
        errors = [(_anchor(p.field), p.message) for p in opened.stopped]
        return await _start_page(request, session, officer, opening, "", errors, 422)
    return RedirectResponse(f"{HOME}/{opened.visit_id}", status_code=303)


def _visit_page(
    request: Request,
    view: desk.Desk,
    errors: list[tuple[str, str]] | None = None,
    status_code: int = 200,
    files_chosen: bool = False,
) -> HTMLResponse:
    return render(
        request,
        "dossiers/counter_visit.html",
        {
            "view": view,
            "errors": errors or [],
            "bad": {f for f, _ in errors or []},
            "files_chosen": files_chosen,
            "checks": desk.CHECK_NAMES,
            "local": _local,
        },
        status_code,
    )


def _local(moment: Any) -> str:
    return get_calendar().localise(moment).strftime("%H:%M, %d/%m/%Y")


@router.get(HOME + "/{visit_id}", response_class=HTMLResponse)
async def visit(
    request: Request, visit_id: VisitId, session: RequestSession, officer: OptionalOfficer
) -> Response:
    if officer is None:
        return _login(request)
    view = await desk.desk(session, officer, visit_id)
    if await _is_group(session, view.visit.procedure_code):
        return RedirectResponse(f"{HOME}/{visit_id}/lien-thong", status_code=303)
    if view.visit.dossier_code:
        return RedirectResponse(f"{HOME}/{visit_id}/bien-nhan", status_code=303)
    return _visit_page(request, view)


async def _is_group(session: RequestSession, procedure_code: str) -> bool:
    """A group procedure (0.000015, 1.011537) is received as a group, never as one linear
    dossier: its visit goes to the group's counter page (``groups.counter_pages``)."""
    return await catalog_groups.of_procedure(session, procedure_code) is not None


@router.post(HOME + "/{visit_id}", response_class=HTMLResponse)
async def receive(
    request: Request, visit_id: VisitId, session: RequestSession, officer: OptionalOfficer
) -> Response:
    """Receive the dossier; every problem at once, nothing written, everything typed kept."""
    if officer is None:
        return _login(request)
    view = await desk.desk(session, officer, visit_id)
    if await _is_group(session, view.visit.procedure_code):
        return RedirectResponse(f"{HOME}/{visit_id}/lien-thong", status_code=303)
    form = await request.form()
    typed: dict[str, dict[str, Any]] = {}
    for item in view.items:
        if item.kind != "declaration":
            continue
        given: dict[str, Any] = {}
        for question in item.questions:
            raw = form.get(f"field-{item.key}-{question.name}")
            if question.kind == "checkbox":
                given[question.name] = raw is not None
            elif isinstance(raw, str):
                given[question.name] = raw.strip()[: question.max_length + 1]
        typed[item.key] = given
    errors: list[tuple[str, str]] = []
    scans: dict[str, str] = {}
    cap = get_settings().upload_max_bytes
    actor = view.visit.officer_number
    chosen = False
    for item in view.items:
        file = form.get(f"file-{item.key}")
        if not isinstance(file, UploadFile) or not file.filename:
            continue
        chosen = True
        try:
            out = await uploads.upload(
                session, owner=actor, file_name=file.filename, data=await file.read(cap + 1)
            )
        except DomainError as error:
            errors.append((f"file-{item.key}", error.message))
            continue
        scans[item.key] = out.id
    try:
        if errors:
            raise DomainError("scan refused")
        await desk.receive(session, officer, visit_id, typed, scans)
    except DomainError as error:
        if error.details.get("problems") or not errors:
            errors += _errors(error)
        await session.rollback()  # nothing written: no dossier, no file
        view = await desk.desk(session, officer, visit_id, typed)
        return _visit_page(request, view, errors, 422, files_chosen=chosen)
    return RedirectResponse(f"{HOME}/{visit_id}/bien-nhan", status_code=303)


@router.post(HOME + "/{visit_id}/chon", response_class=HTMLResponse)
async def choose(
    request: Request, visit_id: VisitId, session: RequestSession, officer: OptionalOfficer
) -> Response:
    """Which record a registry's several is about, or who the child or the deceased is."""
    if officer is None:
        return _login(request)
    form = await request.form()

    def text(name: str) -> str:
        value = form.get(name)
        return value.strip()[:64] if isinstance(value, str) else ""

    try:
        if text("vai_tro"):
            await desk.choose_person(session, officer, visit_id, text("vai_tro"), text("nguoi"))
        else:
            await desk.choose_record(
                session, officer, visit_id, text("thanh_phan"), text("ban_ghi")
            )
    except DomainError as error:
        await session.rollback()
        view = await desk.desk(session, officer, visit_id)
        return _visit_page(request, view, [("chon", error.message)], 422)
    return RedirectResponse(f"{HOME}/{visit_id}", status_code=303)


@router.get(HOME + "/{visit_id}/bien-nhan", response_class=HTMLResponse)
async def receipt(
    request: Request, visit_id: VisitId, session: RequestSession, officer: OptionalOfficer
) -> Response:
    """The dossier code, the tracking secret to read to the citizen, the slip to print."""
    if officer is None:
        return _login(request)
    found = await desk.own_visit(session, officer, visit_id)
    if found.dossier_code is None:
        return RedirectResponse(f"{HOME}/{visit_id}", status_code=303)
    if await _is_group(session, found.procedure_code):
        return RedirectResponse(f"{HOME}/{visit_id}/lien-thong/bien-nhan", status_code=303)
    dossier, secret = await reading.view_with_secret(
        session, found.dossier_code, found.officer_number
    )
    return render(
        request,
        "dossiers/counter_receipt.html",
        {
            "visit": found,
            "dossier": dossier,
            "secret": secret,
            "local": _local,
            "state_names": service.STATE_NAMES,
            "check_name": desk.CHECK_NAMES[IdentityCheck(found.identity_check)],
        },
    )
