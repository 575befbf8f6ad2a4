"""The counter's pages for a group (``/can-bo/quay/{visit}/lien-thong``): what the registries
delivered, the combination the citizen chooses, the one combined declaration typed by the
officer, then the receipt listing each member with its agency and deadline, and its PDF.

The visit is opened on the counter's first page as for any procedure (``dossiers.counter_pages``
sends a group procedure's visit here). Every refusal re-renders the page with each problem
linked to its field, everything typed and chosen kept, nothing written.
"""

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from motcua.core.database import RequestSession
from motcua.core.errors import DomainError
from motcua.dossiers import desk
from motcua.groups import counter, receipt
from motcua.identity.auth import OptionalOfficer
from motcua.identity.service import Subject
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)
HOME = "/can-bo/quay"
VisitId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


def _login(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(request.url.path, safe='')}", status_code=303)


def _anchor(field: str, declaration: str) -> str:
    """Where a problem is on the page: ``declaration.ngay_sinh`` -> the declaration's field."""
    head, _, rest = field.partition(".")
    if head == "declaration" and rest:
        return f"field-{declaration}-{rest.split('.')[0]}"
    if head == "declaration":
        return f"item-{declaration}"
    if head == "combination":
        return "combination"
    if head == "contact_email":
        return "thu_dien_tu"
    if head == "items" and rest:
        return f"item-{rest.split('.')[0]}"
    return "nop"


async def _page(
    request: Request,
    session: RequestSession,
    officer: Subject,
    visit_id: str,
    typed: dict[str, Any] | None = None,
    chosen: str = "",
    email: str = "",
    errors: list[tuple[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    group = await counter.group_desk(session, officer, visit_id, None)
    if typed is not None:
        group = await counter.group_desk(session, officer, visit_id, {group.declaration.key: typed})
    from motcua.groups.pages import AGENCY_WORDS  # the pages module includes this router

    return render(
        request,
        "groups/counter.html",
        {
            "counter": group,
            "chosen": chosen,
            "email": email,
            "errors": errors or [],
            "bad": {f for f, _ in errors or []},
            "agency_words": AGENCY_WORDS,
            "local": counter.when,
        },
        status_code,
    )


@router.get(HOME + "/{visit_id}/lien-thong", response_class=HTMLResponse)
async def group_visit(
    request: Request, visit_id: VisitId, session: RequestSession, officer: OptionalOfficer
) -> Response:
    if officer is None:
        return _login(request)
    visit = await desk.own_visit(session, officer, visit_id)
    if visit.dossier_code:
        return RedirectResponse(f"{HOME}/{visit_id}/lien-thong/bien-nhan", status_code=303)
    return await _page(request, session, officer, visit_id)


@router.post(HOME + "/{visit_id}/lien-thong", response_class=HTMLResponse)
async def receive_group(
    request: Request, visit_id: VisitId, session: RequestSession, officer: OptionalOfficer
) -> Response:
    """File the group: every problem at once, nothing written, everything typed kept."""
    if officer is None:
        return _login(request)
    found = await counter.group_desk(session, officer, visit_id, None)
    declaration = found.declaration
    form = await request.form()
    typed: dict[str, Any] = {}
    for question in declaration.questions:
        raw = form.get(f"field-{declaration.key}-{question.name}")
        if question.kind == "checkbox":
            typed[question.name] = raw is not None
        elif isinstance(raw, str):
            typed[question.name] = raw.strip()[: question.max_length + 1]
    chosen = str(form.get("lua_chon") or "").strip()[:40]
    email = str(form.get("thu_dien_tu") or "").strip()[:320]
    try:
        await counter.receive(session, officer, visit_id, typed, chosen, email)
    except DomainError as refusal:
        if refusal.code in ("visit-not-found", "not-a-group"):
            raise
        problems = refusal.details.get("problems") or []
        errors = [(_anchor(p["field"], declaration.key), p["message"]) for p in problems]
        await session.rollback()  # nothing written
        return await _page(
            request,
            session,
            officer,
            visit_id,
            typed,
            chosen,
            email,
            errors or [("nop", refusal.message)],
            refusal.status_code,
        )
    return RedirectResponse(f"{HOME}/{visit_id}/lien-thong/bien-nhan", status_code=303)


@router.get(HOME + "/{visit_id}/lien-thong/bien-nhan", response_class=HTMLResponse)
async def group_receipt(
    request: Request, visit_id: VisitId, session: RequestSession, officer: OptionalOfficer
) -> Response:
    """The group code, each member with its agency, dossier code and deadline; the slip."""
    if officer is None:
        return _login(request)
    found = await counter.receipt(session, officer, visit_id)
    if found is None:
        return RedirectResponse(f"{HOME}/{visit_id}/lien-thong", status_code=303)
    return render(
        request,
        "groups/counter_receipt.html",
        {
            "found": found,
            "when": counter.when,
            "day": counter.day,
            "check_name": desk.CHECK_NAMES[found.visit.identity_check],
        },
    )


@router.get(HOME + "/{visit_id}/lien-thong/bien-nhan.pdf", response_class=Response)
async def group_receipt_pdf(
    request: Request, visit_id: VisitId, session: RequestSession, officer: OptionalOfficer
) -> Response:
    if officer is None:
        return _login(request)
    found = await counter.receipt(session, officer, visit_id)
    if found is None:
        return RedirectResponse(f"{HOME}/{visit_id}/lien-thong", status_code=303)
    pdf = receipt.render(found.group, found.agency_name, found.visit.citizen_number)
    name = f"bien-nhan-{found.group.code}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )
