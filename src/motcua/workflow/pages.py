"""Officer pages (the queue, one dossier with its actions) and the public page the result's QR
code opens. Every action goes through ``workflow.service``; a refusal is shown on the dossier
page as the service's Vietnamese message, and changes nothing (the action runs in a savepoint)."""

import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from motcua.catalog import service as catalog
from motcua.core import clock
from motcua.core.calendar import get_calendar
from motcua.core.database import RequestSession, writes_on_read
from motcua.core.errors import DomainError, Invalid, NotFound
from motcua.dossiers import notices
from motcua.dossiers.models import DossierState, ItemSource, PaymentState
from motcua.identity.auth import OptionalOfficer
from motcua.identity.models import Role
from motcua.identity.service import Subject
from motcua.legacy import service as legacy
from motcua.web.templating import render, templates
from motcua.workflow import (
    assignees,
    clock_view,
    contents,
    decisions,
    guidance,
    hooks,
    listing,
    practice_pages,
    repository,
    service,
    steps,
    subjects,
)
from motcua.workflow.api import PDF_CAP, inline_file
from motcua.workflow.definitions import StepKind
from motcua.workflow.listing import queue_items
from motcua.workflow.schemas import CaseOut

router = APIRouter(include_in_schema=False)
# Contextual help on each officer step (workflow.guidance), for the dossier page.
templates().env.globals["step_help"] = guidance.for_step
Code = Annotated[str, Path(max_length=64, pattern=r"^[0-9A-Z.]{1,35}-\d{6}-\d{4,}$")]
Action = Literal[
    "claim",
    "assign",
    "complete",
    "forward",
    "supplement",
    "refuse",
    "apology",
    "sign",
    "return",
    "revoke",
]
QUEUE_PAGE = 50
MAX_TEXT = 4000
WORKING = frozenset({DossierState.received, DossierState.in_progress})


def _login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def _when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return get_calendar().localise(moment).strftime("%H:%M %d/%m/%Y")


# --- queue ----------------------------------------------------------------------------------------


@router.get("/can-bo/ho-so", response_class=HTMLResponse)
async def queue(
    request: Request,
    session: RequestSession,
    officer: OptionalOfficer,
    mine: bool = False,
    step: Annotated[StepKind | None, Query()] = None,
    flag: Annotated[Literal["overdue", "due_soon"] | None, Query()] = None,
    after_due: Annotated[datetime | None, Query()] = None,
    after_id: Annotated[int | None, Query(ge=1)] = None,
    ma: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The officer's agency's open dossiers, earliest due first, keyset paged (no COUNT);
    ``ma`` opens one dossier by its code or the code it had in a former system."""
    if officer is None:
        return _login(request)
    if ma and ma.strip():
        found = await legacy.current_code(session, ma)
        return RedirectResponse(f"/can-bo/ho-so/{quote(found, safe='')}", status_code=303)
    now = clock.now()
    after = (after_due, after_id) if after_due is not None and after_id is not None else None
    rows = await repository.queue(
        session,
        officer,
        after=after,
        limit=QUEUE_PAGE + 1,
        mine=mine,
        step=step.value if step else None,
        flag="due_soon" if flag == "due_soon" else None,
        overdue_at=now if flag == "overdue" else None,
    )
    items, last = queue_items(rows, QUEUE_PAGE, now)
    filters: dict[str, str] = {}
    if mine:
        filters["mine"] = "true"
    if step:
        filters["step"] = step.value
    if flag:
        filters["flag"] = flag
    next_link = None
    if last is not None:
        cursor = {"after_due": last.due_at.isoformat(), "after_id": str(last.dossier_id)}
        next_link = "/can-bo/ho-so?" + urlencode({**filters, **cursor})
    return render(
        request,
        "workflow/queue.html",
        {
            "officer": officer,
            "items": items,
            "when": _when,
            "mine": mine,
            "step": step.value if step else "",
            "flag": flag or "",
            "steps": [k.value for k in StepKind],
            "first_link": "/can-bo/ho-so" + ("?" + urlencode(filters) if filters else ""),
            "paged": after is not None,
            "next_link": next_link,
        },
    )


# --- one dossier ----------------------------------------------------------------------------------


def _allowed(view: CaseOut, officer: Subject) -> set[str]:
    """The actions the service would accept from this officer now (it checks again)."""
    if view.current_agency != officer.agency_code or view.dossier.state in service.CLOSED:
        return set()
    kind = StepKind(view.step["kind"])
    state = view.dossier.state
    role = officer.role
    step_role = role.value == view.step["role"]
    free = view.assignee_id in (None, officer.officer_id)
    actions: set[str] = set()
    if step_role and view.assignee_id is None:
        actions.add("claim")
    if role in service.ASSIGNERS:
        actions.add("assign")
    unpaid = view.step_index == 0 and view.dossier.payment_state == PaymentState.unpaid
    if step_role and free:
        if (
            kind in {StepKind.receive, StepKind.assess, StepKind.approve}
            and state in WORKING
            and not unpaid
        ):
            actions.add("complete")
        if kind == StepKind.forward:
            actions.add("forward")
        if kind == StepKind.sign and state == DossierState.in_progress:
            actions.add("sign")
        if kind == StepKind.give_back and state == DossierState.result_ready:
            actions.add("return")
    if (
        role in {Role.receiving_officer, Role.handling_officer}
        and kind in {StepKind.receive, StepKind.assess}
        and state in WORKING
    ):
        actions.add("supplement")
    if state in decisions.UNDECIDED:  # before the result is signed (decisions.refuse)
        if role == Role.approver or (role == Role.receiving_officer and kind == StepKind.receive):
            actions.add("refuse")
        if role in {Role.handling_officer, Role.approver}:
            actions.add("apology")
    return actions


async def _case_context(session: AsyncSession, officer: Subject, code: str) -> dict[str, Any]:
    read = await listing.case_read(session, officer, code)
    view, dossier, requirements = read.view, read.work.dossier, read.requirements
    from_registry = {
        i.requirement_key for i in view.dossier.items if i.source == ItemSource.registry
    }
    actions = _allowed(view, officer)
    targets = steps.Targets()
    if "forward" in actions:
        following = view.step_index + 1
        level = view.steps[following]["level"] if following < len(view.steps) else None
        targets = await steps.forward_targets(session, dossier.id, level, officer.agency_id)
    candidates = [(a.code, a.name) for a in targets.agencies]
    # The share of time each agency was given and used (working days); the current one so far.
    calendar = get_calendar()
    now = clock.now()
    today = calendar.localise(now).date()
    days, same_day = await catalog.clock_terms(session, dossier.procedure_version_id)
    timing = clock_view.clock_of(view, now, days, same_day)
    names = await repository.officer_names(
        session, {view.assignee_id} if view.assignee_id else set()
    )
    # Who may hold the current step: the agency's active officers of the step's role.
    assignable: list[assignees.Assignee] = []
    if "assign" in actions:
        assignable = assignees.assignees(
            await repository.officers_of(session, officer.agency_id),
            view.step["role"],
            view.assignee_id,
        )
    # The newest result that stands; none to look for when the dossier has no result at all.
    result = await repository.result_of(session, dossier.id) if view.result else None
    panels: dict[str, Any] = {}
    for panel in hooks.case_panels:
        panels |= await panel(session, officer, dossier)
    # Revoking is allowed on a closed dossier too, to the agency that signed the result.
    if result and officer.role in service.REVOKERS and result.agency_id == officer.agency_id:
        actions.add("revoke")
    return {
        **panels,
        "officer": officer,
        "view": view,
        "when": _when,
        "requirement_names": {r.key: r.name for r in requirements},
        "supplementable": [r for r in requirements if r.key not in from_registry],
        "actions": actions,
        "candidates": candidates,
        "no_forward": targets.why_none,
        "assignable": assignable,
        "shares": timing.shares,
        "same_day": timing.same_day,
        "late_by": timing.late_by,
        "unpaid": view.step_index == 0 and view.dossier.payment_state == PaymentState.unpaid,
        "assignee": names.get(view.assignee_id or 0),
        "verify_code": result.verify_code if result else None,
        "overdue": not view.paused and view.due_at < now,
        "min_new_date": today.isoformat(),
        "answer_by": _default_answer_by(today).isoformat(),
        "reasons": service.SUPPLEMENT_REASONS,
        "files_open": view.current_agency == officer.agency_code,
        "day": _day,
        "size": _size,
        "typed": {},
        "failed": None,
        "revealed": None,
        "reveal_error": None,
    }


def _default_answer_by(today: date) -> date:
    calendar = get_calendar()
    day = today
    for _ in range(service.SUPPLEMENT_DAYS):
        day = calendar.next_working_day(day)
    return day


def _day(value: date | datetime | str | None) -> str:
    """dd/mm/yyyy of a date, a moment (local day) or an ISO date kept in a history event."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return ""
    if isinstance(value, datetime):
        value = get_calendar().localise(value).date()
    return f"{value:%d/%m/%Y}"


def _size(n: int) -> str:
    return (
        f"{n / 1024 / 1024:.1f} MB".replace(".", ",")
        if n >= 1024 * 1024
        else f"{max(1, round(n / 1024))} KB"
    )


@router.get("/can-bo/ho-so/{code}", response_class=HTMLResponse)
async def dossier(
    request: Request,
    session: RequestSession,
    officer: OptionalOfficer,
    code: Code,
    done: Annotated[Action | None, Query(alias="xong")] = None,
) -> Response:
    if officer is None:
        return _login(request)
    context = await _case_context(session, officer, code)
    if not notices.still_true(done, context["view"].dossier.state):
        done = None  # the dossier moved on since: no stale notice
    return render(request, "workflow/dossier.html", {**context, "done": done, "error": None})


@router.post("/can-bo/ho-so/{code}/so-dinh-danh", response_class=HTMLResponse)
async def reveal(
    request: Request, session: RequestSession, officer: OptionalOfficer, code: Code
) -> Response:
    """The applicant's full personal number on this one page, with the reason recorded."""
    if officer is None:
        return _login(request)
    form = await request.form()
    reason = str(form.get("reveal_reason") or "")[:1000]
    try:
        number = await contents.reveal_number(session, officer, code, reason)
    except DomainError as refusal:
        if refusal.code == "unknown-dossier":
            raise
        context = await _case_context(session, officer, code)
        context.update(done=None, reveal_error=refusal.message, typed={"reveal_reason": reason})
        return render(request, "workflow/dossier.html", context, refusal.status_code)
    context = await _case_context(session, officer, code)
    context.update(done=None, revealed=number)
    return render(request, "workflow/dossier.html", context)


@router.get("/can-bo/ho-so/{code}/tep/{upload_id}")
@writes_on_read  # each opening is recorded
async def dossier_file(
    request: Request,
    session: RequestSession,
    officer: OptionalOfficer,
    code: Code,
    upload_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
) -> Response:
    """A file of the dossier shown in the browser (PDF, image), for the officers of the
    agency holding the dossier; each opening is recorded."""
    if officer is None:
        return _login(request)
    upload, data = await contents.open_file(session, officer, code, upload_id)
    return inline_file(upload.media_type, upload.file_name, upload.sha256, data)


def _text(form: Any, name: str, what: str, limit: int = MAX_TEXT) -> str:
    value = str(form.get(name) or "")
    if len(value) > limit:
        raise Invalid(f"{what} dài quá {limit} ký tự.", code="too-long")
    return value


def _version(form: Any) -> int | None:
    raw = str(form.get("version") or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise Invalid("Phiên bản hồ sơ không hợp lệ; hãy tải lại trang.", code="bad-version")
    return int(raw)


def _runner(
    session: AsyncSession, officer: Subject, code: str, action: str, form: Any
) -> Callable[[], Awaitable[object]]:
    """The one service call behind each form; input errors are raised as ``Invalid``."""
    version = _version(form)
    if action == "claim":
        return lambda: service.claim(session, officer, code, version)
    if action == "assign":
        username = _text(form, "username", "Tên đăng nhập", 64)
        if not username:
            raise Invalid("Hãy chọn cán bộ được phân công.", code="officer-required")
        return lambda: service.assign(session, officer, code, username, version)
    if action == "complete":
        note = _text(form, "note", "Ghi chú", 2000)
        return lambda: service.complete(session, officer, code, note, version)
    if action == "forward":
        agency = _text(form, "agency_code", "Mã cơ quan", 35)
        if not agency:
            raise Invalid("Hãy chọn cơ quan nhận hồ sơ.", code="agency-required")
        return lambda: service.forward(session, officer, code, agency, version)
    if action == "supplement":
        keys = [str(k)[:200] for k in form.getlist("requirement")][:50]
        reason = _text(form, "reason", "Lý do", 32) or "missing"
        raw = str(form.get("answer_by") or "").strip()
        try:
            by = date.fromisoformat(raw) if raw else None
        except ValueError:
            raise Invalid(
                "Hãy chọn hạn bổ sung là một ngày hợp lệ.", code="bad-answer-by"
            ) from None
        return lambda: service.request_supplement(session, officer, code, keys, reason, version, by)
    if action == "refuse":
        reason = _text(form, "reason", "Lý do")
        return lambda: service.refuse(session, officer, code, reason, version)
    if action == "apology":
        reason = _text(form, "reason", "Lý do")
        try:
            new_due = date.fromisoformat(str(form.get("new_due_date") or ""))
        except ValueError:
            raise Invalid("Hãy chọn ngày hẹn trả mới.", code="bad-new-date") from None
        return lambda: service.apologise(session, officer, code, reason, new_due, version)
    if action == "sign":
        summary = _text(form, "summary", "Nội dung kết quả")
        if not summary.strip():
            raise Invalid("Hãy ghi nội dung kết quả giải quyết.", code="summary-required")
        return lambda: service.sign_result(session, officer, code, summary, version)
    if action == "revoke":
        reason = _text(form, "reason", "Lý do thu hồi")
        return lambda: service.revoke_result(session, officer, code, reason, version)
    return lambda: service.hand_back(session, officer, code, version)


TYPED = ("note", "summary", "reason", "new_due_date", "answer_by", "username", "agency_code")


def _typed(form: Any) -> dict[str, Any]:
    """What the officer typed or chose in the refused form, to put back in it."""
    typed: dict[str, Any] = {k: str(form.get(k) or "")[:MAX_TEXT] for k in TYPED}
    typed["requirement"] = [str(k)[:200] for k in form.getlist("requirement")][:50]
    return typed


async def _attempt(session: AsyncSession, run: Callable[[], Awaitable[object]]) -> None:
    """Run one action in a savepoint: a refusal undoes whatever it began, except the record of
    an attempt to ask for unlisted papers, which the service writes first and must outlive it
    (DESIGN invariant 2, as the JSON route does)."""
    nested = await session.begin_nested()
    try:
        await run()
    except service.SupplementRefused:
        await nested.commit()
        raise
    except BaseException:
        await nested.rollback()
        raise
    await nested.commit()


@router.post("/can-bo/ho-so/{code}/{action}", response_class=HTMLResponse)
async def act(
    request: Request, session: RequestSession, officer: OptionalOfficer, code: Code, action: Action
) -> Response:
    if officer is None:
        return _login(request)
    form = await request.form()
    try:
        await _attempt(session, _runner(session, officer, code, action, form))
    except DomainError as refusal:
        if refusal.code == "unknown-dossier":
            raise  # not readable by this officer: the plain 404 page, nothing to show

        context = await _case_context(session, officer, code)
        context.update(done=None, error=refusal.message, failed=action, typed=_typed(form))
        return render(request, "workflow/dossier.html", context, refusal.status_code)
    return RedirectResponse(f"/can-bo/ho-so/{code}?xong={action}", status_code=303)


# --- public verification --------------------------------------------------------------------------


VerifyCode = Annotated[str, Path(max_length=32, pattern=r"^[A-Za-z0-9_-]{8,32}$")]


async def _verify_page(
    request: Request,
    session: AsyncSession,
    verify_code: str,
    check: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    try:
        result = await subjects.described(session, await service.verify(session, verify_code))
    except NotFound:
        return render(request, "workflow/verify.html", {"result": None, "check": None}, 404)
    return render(
        request,
        "workflow/verify.html",
        {"result": result, "day": _day, "check": check},
        status_code,
    )


@router.get("/verify", response_class=HTMLResponse)
async def verify_start(request: Request, ma: str | None = None) -> Response:
    """Where a person holding a paper result types the code printed under its QR code."""
    typed = (ma or "").strip()
    code = typed.rsplit("/verify/", 1)[-1].strip("/ ")  # the printed address pasted whole
    if code and re.fullmatch(r"[A-Za-z0-9_-]{8,32}", code):
        return RedirectResponse(f"/verify/{code}", status_code=303)
    error = (
        "Mã kiểm tra gồm từ 8 đến 32 chữ cái, chữ số, dấu gạch; hãy gõ lại đúng như in trên "
        "văn bản."
        if typed
        else None
    )
    context = {"typed": typed, "error": error}
    return render(request, "workflow/verify_start.html", context, 422 if error else 200)


@router.get("/verify/{verify_code}", response_class=HTMLResponse)
async def verify(
    request: Request, session: RequestSession, verify_code: VerifyCode
) -> HTMLResponse:
    """The page a result's QR code opens: genuine or not, in words."""
    return await _verify_page(request, session, verify_code)


@router.post("/verify/{verify_code}", response_class=HTMLResponse)
async def verify_file(
    request: Request, session: RequestSession, verify_code: VerifyCode
) -> HTMLResponse:
    """A person uploads the PDF they were given: is it this result, unchanged and signed?"""
    try:
        await service.verify(session, verify_code)
    except NotFound:  # no such result: the page says so, whatever the file
        return await _verify_page(request, session, verify_code)
    form = await request.form()
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        check: dict[str, Any] = {"error": "Hãy chọn tệp PDF cần kiểm tra."}
        return await _verify_page(request, session, verify_code, check, 422)
    data = await file.read(PDF_CAP + 1)
    if len(data) > PDF_CAP or not data.startswith(b"%PDF-"):
        check = {
            "error": "Tệp này không phải tệp PDF (hoặc lớn hơn 20 MB); hãy chọn đúng tệp kết quả."
        }
        return await _verify_page(request, session, verify_code, check, 422)
    out = await service.check_file(session, verify_code, data)
    return await _verify_page(request, session, verify_code, out.model_dump())


# Practice mode's own pages (workflow.practice_pages) come with the officer pages.
router.include_router(practice_pages.router)
