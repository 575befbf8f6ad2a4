"""The group's pages for the applicant: the last step of a group procedure's application (the
choice of the combination the law allows, with the one declaration), and the page of a filing
(one status, the group's deadline beside each member's, one timeline; linked from "Hồ sơ của
tôi")."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.assisted import cookie as assisted
from motcua.assisted import service as assisted_service
from motcua.assisted.models import AssistedFiling
from motcua.catalog import declarations
from motcua.catalog import repository as catalog_repository
from motcua.core import clock
from motcua.core.calendar import get_calendar
from motcua.core.database import RequestSession
from motcua.core.errors import DomainError
from motcua.dossiers.models import Dossier
from motcua.groups import (
    applications,
    handover,  # noqa: F401  (registers the workflow hooks)
    officers,
    repository,
    view,
)
from motcua.groups.models import GroupFiling
from motcua.identity.auth import PageCitizen
from motcua.web.templating import render
from motcua.workflow import hooks

router = APIRouter(include_in_schema=False)
ApplicationId = Annotated[str, Path(max_length=32, pattern=r"^[0-9a-f]{32}$")]
AGENCY_WORDS = {
    "commune_committee": "Ủy ban nhân dân cấp xã (công chức tư pháp – hộ tịch)",
    "commune_social_affairs": "Ủy ban nhân dân cấp xã (công chức văn hóa – xã hội)",
    "commune_police": "Công an cấp xã",
    "social_insurance": "Bảo hiểm xã hội tỉnh",
}
FilingCode = Annotated[str, Path(max_length=64, pattern=r"^LT-[0-9A-Z.]{1,35}-\d{6}-\d{4,}$")]

hooks.on_case_page(officers.panel)


def day(moment: datetime) -> str:
    return f"{get_calendar().localise(moment):%d/%m/%Y}"


def local(moment: datetime) -> str:
    return f"{get_calendar().localise(moment):%H:%M, %d/%m/%Y}"


@router.get("/ho-so-lien-thong/{code}", response_class=HTMLResponse)
async def filing(
    request: Request, session: RequestSession, citizen: PageCitizen, code: FilingCode
) -> HTMLResponse:
    group = await view.view(session, code, citizen.personal_id)
    return render(request, "groups/filing.html", {"group": group, "day": day, "local": local})


async def _choice_page(
    request: Request,
    session: RequestSession,
    found: applications.Draft,
    chosen: str = "",
    errors: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    group, draft = found.group, found.application
    version = await catalog_repository.current_version(session, group.procedure_code, clock.today())
    schema: dict[str, Any] = {"properties": {}}
    for requirement in version.requirements if version else ():
        if requirement.key == group.declaration_requirement and requirement.declaration:
            schema = requirement.declaration
    values = next((f.values for f in draft.form if f.key == group.declaration_requirement), {})
    names = {}
    for member in group.members:
        member_version = await catalog_repository.current_version(
            session, member.procedure_code, clock.today()
        )
        names[member.key] = member_version.name if member_version else member.procedure_code
    context = {
        "group": group,
        "draft": draft,
        "answers": declarations.answers(schema, values),
        "members": {m.key: m for m in group.members},
        "names": names,
        "agency_words": AGENCY_WORDS,
        "chosen": chosen,
        "errors": errors or [],
    }
    return render(request, "groups/choose.html", context, status)


@router.get("/lien-thong/{application_id}", response_class=HTMLResponse)
async def choose(
    request: Request, session: RequestSession, citizen: PageCitizen, application_id: ApplicationId
) -> Response:
    """The last step of a group procedure's application: which procedures, then file."""
    found = await applications.draft_of(session, application_id, citizen.personal_id)
    if found.application.dossier_code:
        return RedirectResponse(f"/ho-so-lien-thong/{found.application.dossier_code}", 303)
    return await _choice_page(request, session, found)


@router.post("/lien-thong/{application_id}", response_class=HTMLResponse)
async def file(
    request: Request, session: RequestSession, citizen: PageCitizen, application_id: ApplicationId
) -> Response:
    form = await request.form()
    chosen = str(form.get("lua_chon") or "")[:40]
    try:
        assist = await assisted.for_request(request, session, citizen)
        filed = await applications.file_from_application(
            session, application_id, citizen.personal_id, chosen
        )
        if assist is not None:  # filed with a community helper: the group records it
            await _record_assisted(session, assist, filed.filing)
    except DomainError as refusal:
        if refusal.code in ("application-not-found", "not-a-group"):
            raise
        messages = [p["message"] for p in refusal.details.get("problems", [])] or [refusal.message]
        await session.rollback()  # nothing half-filed
        found = await applications.draft_of(session, application_id, citizen.personal_id)
        return await _choice_page(request, session, found, chosen, messages, refusal.status_code)
    return RedirectResponse(f"/ho-so-lien-thong/{filed.filing.code}", status_code=303)


async def _record_assisted(
    session: AsyncSession, assist: AssistedFiling, filing: GroupFiling
) -> None:
    """The help is recorded on the group, against its first member's dossier."""
    first = next(
        (m for m in await repository.members(session, filing.id) if m.dossier_id is not None), None
    )
    dossier = await session.get(Dossier, first.dossier_id) if first is not None else None
    if dossier is not None:
        await assisted_service.record_filing(session, assist, dossier.code, filing.code)


# The counter's pages for a group live beside the applicant's (groups.counter_pages).
from motcua.groups.counter_pages import router as counter_router  # noqa: E402

router.include_router(counter_router)
