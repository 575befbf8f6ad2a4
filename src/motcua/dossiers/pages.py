"""The public tracking page (tra cứu hồ sơ): dossier code plus short secret, no login, and the
citizen's own dossiers after the e-ID sign-in (Hồ sơ của tôi, ``/ho-so-cua-toi``).

Tracking shows status and dates only; nothing about the person. The secret is posted, not put
in the address, so it does not end up in browser history or server logs. The citizen's pages
answer a supplement request with files and hand out the signed result.
"""

from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData, UploadFile

from motcua.core.calendar import get_calendar
from motcua.core.database import RequestSession
from motcua.core.errors import Conflict, DomainError, Invalid, NotFound
from motcua.core.settings import get_settings
from motcua.dossiers import notices, ratings, reading, service, uploads
from motcua.dossiers.models import DossierState
from motcua.identity.auth import PageCitizen
from motcua.identity.citizens import Citizen
from motcua.legacy import service as legacy
from motcua.web.templating import render

if TYPE_CHECKING:
    from motcua.applications.schemas import FormItem

router = APIRouter(include_in_schema=False)
Code = Annotated[str, Path(max_length=64, pattern=r"^[0-9A-Z.]{1,35}-\d{6}-\d{4,}$")]


def _context() -> dict[str, object]:
    calendar = get_calendar()
    return {
        "state_names": service.STATE_NAMES,
        "local": lambda moment: calendar.localise(moment).strftime("%H:%M, %d/%m/%Y"),
    }


@router.get("/tra-cuu", response_class=HTMLResponse)
async def tracking_form(request: Request) -> HTMLResponse:
    return render(request, "dossiers/tracking.html", {**_context(), "code": "", "errors": []})


@router.post("/tra-cuu", response_class=HTMLResponse)
async def tracking(
    request: Request,
    session: RequestSession,
    code: Annotated[str, Form(max_length=64)] = "",
    secret: Annotated[str, Form(max_length=32)] = "",
) -> HTMLResponse:
    errors = []
    if not code.strip():
        errors.append(("code", "Hãy nhập mã hồ sơ (in trên giấy tiếp nhận)."))
    if not secret.strip():
        errors.append(("secret", "Hãy nhập mã tra cứu (8 ký tự, in trên giấy tiếp nhận)."))
    context = {**_context(), "code": code, "errors": errors}
    if errors:
        return render(request, "dossiers/tracking.html", context, 422)
    try:
        found = await reading.track(session, await legacy.current_code(session, code), secret)
    except NotFound as error:
        context["errors"] = [("code", error.message)]
        return render(request, "dossiers/tracking.html", context, 404)
    return render(request, "dossiers/tracking.html", {**context, "dossier": found})


# --- the citizen's own dossiers (Hồ sơ của tôi) -------------------------------------------------

MINE = "/ho-so-cua-toi"
NEXT_STEPS = {
    DossierState.received: "Cơ quan đã tiếp nhận. Bạn chưa cần làm gì; kết quả hẹn trả {due}.",
    DossierState.in_progress: (
        "Cơ quan đang giải quyết. Bạn chưa cần làm gì; kết quả hẹn trả {due}."
    ),
    DossierState.supplement_requested: (
        "Cần bổ sung giấy tờ: xem giấy tờ được yêu cầu và gửi bổ sung."
    ),
    DossierState.result_ready: "Đã có kết quả ký số: tải về và kiểm tra.",
    DossierState.returned: "Đã trả kết quả: bạn tải lại và kiểm tra được bất cứ lúc nào.",
    DossierState.refused: "Hồ sơ không được giải quyết; xem lý do trong hồ sơ.",
    DossierState.withdrawn: "Bạn đã rút hồ sơ; không cần làm gì thêm.",
}
UPLOAD_CAP_NOTE = "PDF, JPEG hoặc PNG"
# What the applicant is shown of the history: the events that concern them, in words (an
# officer claiming or completing an internal step is not news to them).
EVENT_NAMES = {
    "submitted": "Nộp hồ sơ",
    "forwarded": "Chuyển tới cơ quan có thẩm quyền giải quyết",
    "supplement-requested": "Cơ quan đề nghị bổ sung giấy tờ",
    "supplement-answered": "Đã gửi phần bổ sung",
    "delay-apology": "Cơ quan xin lỗi và hẹn lại ngày trả kết quả",
    "result-signed": "Kết quả đã được ký số",
    "returned": "Đã trả kết quả",
    "refused": "Cơ quan từ chối giải quyết",
    "result-revoked": "Kết quả bị thu hồi",
}


def _day(moment: datetime | date | None) -> str:
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = get_calendar().localise(moment).date()
    return f"{moment:%d/%m/%Y}"


def _next_step(state: DossierState, due_at: datetime) -> str:
    return NEXT_STEPS[state].format(due=_day(due_at))


@router.get(MINE, response_class=HTMLResponse)
async def my_dossiers(request: Request, session: RequestSession, citizen: PageCitizen) -> Response:
    """Every dossier the person filed or that was filed for them, and every unfinished draft,
    each with its status in words and the next thing to do."""
    from motcua.applications import service as applications
    from motcua.applications.models import ApplicationState
    from motcua.groups import view as group_filings
    from motcua.offers import service as offers

    page = await reading.mine(session, citizen.personal_id, None, 100)
    drafts = [
        d
        for d in await applications.mine(session, citizen.personal_id)
        if d.state == ApplicationState.draft
    ]
    return render(
        request,
        "dossiers/mine.html",
        {
            "citizen": citizen,
            "dossiers": page.items,
            "groups": await group_filings.mine(session, citizen.personal_id),
            "drafts": drafts,
            "offers": await offers.mine(session, citizen.personal_id),
            "state_names": service.STATE_NAMES,
            "next_step": _next_step,
            "day": _day,
            "local": _context()["local"],
        },
    )


async def _dossier_page(
    request: Request,
    session: AsyncSession,
    citizen: Citizen,
    code: str,
    *,
    errors: list[tuple[str, str]] | None = None,
    status_code: int = 200,
    rating_typed: dict[str, str] | None = None,
    rating_error: str | None = None,
    typed: dict[str, dict[str, Any]] | None = None,
) -> HTMLResponse:
    """The citizen's dossier; after a refused answer, ``typed`` holds the declarations as the
    person typed them again, shown instead of what was filed so nothing is lost."""
    from motcua.groups import view as group_filings
    from motcua.workflow import applicant

    found = await applicant.view(session, code, citizen.personal_id)
    if typed and found.supplement is not None:
        kept = {
            k: f.model_copy(update={"values": typed.get(k, f.values)})
            for k, f in found.supplement.declarations.items()
        }
        found = replace(found, supplement=replace(found.supplement, declarations=kept))
    events = [(e.at, EVENT_NAMES[e.kind]) for e in found.dossier.events if e.kind in EVENT_NAMES]
    rating = await ratings.rating_of(session, found.dossier.id)
    return render(
        request,
        "dossiers/mine_one.html",
        {
            "citizen": citizen,
            "view": found,
            "d": found.dossier,
            "group": await group_filings.membership(session, found.dossier.id),
            "events": events,
            "state_names": service.STATE_NAMES,
            "next_step": _next_step,
            "day": _day,
            "local": _context()["local"],
            "errors": errors or [],
            "answered": request.query_params.get("da-bo-sung") == "1"
            and found.result is None
            and notices.still_true("supplement-answered", found.dossier.state),
            "allowed": UPLOAD_CAP_NOTE,
            "rating": rating,
            "rateable": found.dossier.state in ratings.RATEABLE,
            "rating_levels": ratings.LEVELS,
            "rating_typed": rating_typed or {},
            "rating_error": rating_error,
            "rated": request.query_params.get("da-danh-gia") == "1",
        },
        status_code,
    )


@router.get(MINE + "/{code}", response_class=HTMLResponse)
async def my_dossier(
    request: Request, session: RequestSession, citizen: PageCitizen, code: Code
) -> Response:
    return await _dossier_page(request, session, citizen, code)


@router.post(MINE + "/{code}/bo-sung", response_class=HTMLResponse)
async def answer_supplement(
    request: Request, session: RequestSession, citizen: PageCitizen, code: Code
) -> Response:
    """The answer to a supplement request: one file per paper asked, and a typed declaration
    typed again; each becomes the dossier's item for its requirement. Anything missing or
    refused: the page again with every problem listed, the declarations as typed, and nothing
    kept (the files are chosen again)."""
    from motcua.workflow import applicant
    from motcua.workflow import service as workflow
    from motcua.workflow.corrections import CorrectionRefused

    found = await applicant.view(session, code, citizen.personal_id)
    if found.supplement is None:
        return RedirectResponse(f"{MINE}/{code}", status_code=303)
    form = await request.form()
    errors: list[tuple[str, str]] = []
    items: list[dict[str, Any]] = []
    typed: dict[str, dict[str, Any]] = {}
    cap = get_settings().upload_max_bytes
    for paper in found.supplement.papers:
        declared = found.supplement.declarations.get(paper.key)
        if declared is not None:
            typed[paper.key] = _typed_answers(form, declared)
            items.append({"requirement_key": paper.key, "values": typed[paper.key]})
            continue
        file = form.get(f"file-{paper.key}")
        if not isinstance(file, UploadFile) or not file.filename:
            errors.append((f"file-{paper.key}", f"Hãy chọn tệp cho “{paper.name}”."))
            items.append({"requirement_key": paper.key})
            continue
        data = await file.read(cap + 1)
        try:
            out = await uploads.upload(
                session, owner=citizen.personal_id, file_name=file.filename, data=data
            )
        except DomainError as error:
            errors.append((f"file-{paper.key}", error.message))
            items.append({"requirement_key": paper.key})
            continue
        items.append({"requirement_key": paper.key, "upload_id": out.id})
    try:
        # Called even when a file was refused, so the declarations' problems show with it.
        await workflow.answer_supplement(session, code, citizen.personal_id, items)
    except CorrectionRefused as error:
        errors += [(_anchor(p.field), p.message) for p in error.problems]
    except DomainError as error:
        if not errors:
            errors.append(("answer", error.message))
    if errors:
        await session.rollback()  # nothing half-kept
        return await _dossier_page(
            request, session, citizen, code, errors=errors, status_code=422, typed=typed
        )
    return RedirectResponse(f"{MINE}/{code}?da-bo-sung=1", status_code=303)


def _typed_answers(form: FormData, declared: "FormItem") -> dict[str, Any]:
    """A declaration's answers as the form sent them (a tick is true or false), as the
    application form reads them."""
    given: dict[str, Any] = {}
    for spec in declared.fields:
        raw = form.get(f"field-{declared.key}-{spec.name}")
        if spec.kind == "checkbox":
            given[spec.name] = raw is not None
        elif isinstance(raw, str):
            given[spec.name] = raw.strip()
    return given


def _anchor(field: str) -> str:
    """``values.key.name`` -> ``field-key-name``, ``uploads.key`` -> ``file-key``: the id of
    the input a problem is about."""
    parts = field.split(".")
    if parts[0] == "uploads" and len(parts) == 2:
        return f"file-{parts[1]}"
    if parts[0] == "values" and len(parts) == 3:
        return f"field-{parts[1]}-{parts[2]}"
    if parts[0] == "values" and len(parts) == 2:
        return f"item-{parts[1]}"
    return field.replace(".", "-")


@router.post(MINE + "/{code}/danh-gia", response_class=HTMLResponse)
async def rate_dossier(
    request: Request, session: RequestSession, citizen: PageCitizen, code: Code
) -> Response:
    """The applicant's rating, once, after the outcome; a refusal keeps what they typed."""
    form = await request.form()
    typed = {"level": str(form.get("muc") or ""), "comment": str(form.get("y-kien") or "")}
    try:
        await ratings.rate(session, code, citizen.personal_id, typed["level"], typed["comment"])
    except (Invalid, Conflict) as error:
        await session.rollback()
        return await _dossier_page(
            request, session, citizen, code, rating_error=error.message,
            status_code=422 if isinstance(error, Invalid) else 409, rating_typed=typed,
        )  # fmt: skip
    return RedirectResponse(f"{MINE}/{code}?da-danh-gia=1#danh-gia", status_code=303)


@router.get(MINE + "/{code}/ket-qua.pdf")
async def my_result(
    request: Request, session: RequestSession, citizen: PageCitizen, code: Code
) -> Response:
    """The signed result, as issued, for the applicant (or whoever filed the dossier)."""
    from motcua.workflow import applicant

    pdf = await applicant.result_pdf(session, code, citizen.personal_id)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="ket-qua-{code}.pdf"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


# The one-stop officer's counter pages live beside the citizen's (dossiers.counter_pages).
from motcua.dossiers.counter_pages import router as counter_router  # noqa: E402

router.include_router(counter_router)
