"""A group filed from the citizen's application of the group procedure (0.000015, 1.011537):
the application's consent, reads and combined declaration are the exchange's and the
applications module's as for any procedure; only the last step differs, where the applicant
chooses the combination the law allows and the group is filed instead of one dossier."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.applications import repository as applications_repository
from motcua.applications import service as applications
from motcua.applications.models import ApplicationState
from motcua.applications.schemas import ApplicationView, DraftIn, SubmitIn
from motcua.catalog import groups as catalog_groups
from motcua.catalog.schemas import GroupDoc
from motcua.core import clock
from motcua.core.errors import Conflict, NotFound
from motcua.dossiers.models import Channel, ItemSource
from motcua.dossiers.schemas import ItemIn, Problem
from motcua.exchange import service as exchange
from motcua.exchange.models import Decision, ItemStatus
from motcua.groups import repository, service
from motcua.groups.schemas import GroupFilingIn


@dataclass(frozen=True)
class Draft:
    application: ApplicationView
    group: GroupDoc


async def draft_of(session: AsyncSession, application_id: str, actor: str) -> Draft:
    """The applicant's draft of a group procedure, with its group."""
    draft = await applications.view(session, application_id, actor)
    group = await catalog_groups.of_procedure(session, draft.procedure_code)
    if group is None:
        raise NotFound("Hồ sơ này không phải hồ sơ liên thông.", code="not-a-group")
    return Draft(draft, group)


async def file_from_application(
    session: AsyncSession, application_id: str, actor: str, combination: str
) -> service.Filed:
    """File the group with the draft's declaration and reads; the draft is then closed and its
    reads dropped (the filing keeps its copy), as a submitted application's are."""
    found = await draft_of(session, application_id, actor)
    draft, group = found.application, found.group
    if draft.state != ApplicationState.draft:
        raise Conflict("Hồ sơ này đã được nộp.", code="already-submitted")
    declared = next((f.values for f in draft.form if f.key == group.declaration_requirement), {})
    reads = [
        ItemIn(requirement_key=i.key, source=ItemSource.registry, evidence_item=i.id)
        for i in await exchange.items(session, draft.consent_reference, actor)
        if i.status == ItemStatus.delivered and i.decision != Decision.rejected and i.id
    ]
    body = GroupFilingIn(
        group=group.code,
        combination=combination,
        receiving_agency=draft.receiving_agency.code if draft.receiving_agency else "",
        channel=Channel.online,
        applicant=draft.subject if draft.subject != actor else None,
        contact_email=draft.contact_email,
        declaration=dict(declared),
        items=reads,
    )
    filed = await service.file_group(
        session, body, actor=actor, idempotency_key=f"application:{draft.id}"
    )
    app = await applications_repository.application(session, draft.id, for_update=True)
    assert app is not None
    app.state, app.dossier_code, app.updated_at = (
        ApplicationState.submitted,
        filed.filing.code,
        clock.now(),
    )
    await session.flush()
    await exchange.close_application(session, draft.consent_reference, actor)
    return filed


async def is_group(session: AsyncSession, procedure_code: str) -> bool:
    return await catalog_groups.of_procedure(session, procedure_code) is not None


def _combination_problem(group: GroupDoc, combination: str | None) -> Problem | None:
    """A missing or unknown combination, named with the ones the law allows (their keys, which
    an API client sends, and their names). None is assumed: the law leaves the choice to the
    applicant, and the catalog marks no combination as the default."""
    allowed = "; ".join(f"“{c.key}” ({c.name})" for c in group.combinations)
    if combination is None or not combination.strip():
        return Problem(
            field="combination",
            code="missing-combination",
            message=f"Hãy chọn các thủ tục cần làm (trường “combination”): {allowed}.",
        )
    if combination not in {c.key for c in group.combinations}:
        return Problem(
            field="combination",
            code="unknown-combination",
            message=f"“{combination[:40]}” không phải lựa chọn pháp luật cho phép; hãy chọn "
            f"một trong: {allowed}.",
        )
    return None


async def submit(
    session: AsyncSession, application_id: str, actor: str, body: SubmitIn | None
) -> service.Filed:
    """``POST /api/v1/applications/{id}/submit`` for a group procedure: the draft's changes
    saved, then the group filed in the chosen combination. Submitted again: the same filing."""
    found = await draft_of(session, application_id, actor)
    code = found.application.dossier_code
    if found.application.state != ApplicationState.draft and code:
        filing = await repository.filing_by_code(session, code)
        if filing is not None:
            return service.Filed(filing, False)
    combination = body.combination if body is not None else None
    problem = _combination_problem(found.group, combination)
    if problem is not None:
        raise service.GroupRefused([problem])
    assert combination is not None
    if body is not None and (body.values or body.uploads or body.contact_email is not None
                             or body.receiving_agency):  # fmt: skip
        changes = DraftIn.model_validate(body.model_dump(exclude={"combination"}))
        await applications.save(session, application_id, actor, changes)
    return await file_from_application(session, application_id, actor, combination)
