"""What the applicant reads of their own dossier's handling: the supplement request (which
papers, why, by when, and the typed declarations among them to correct), the signed result to
download and verify, the reason of a refusal, and the next thing to do. Only the applicant or
whoever filed the dossier reads it (``dossiers.reading.for_person``); anyone else gets the 404
of an unknown code."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.applications.schemas import FormItem
from motcua.catalog import repository as catalog_repository
from motcua.core.errors import NotFound
from motcua.dossiers import reading as dossier_reading
from motcua.dossiers.models import Dossier, DossierState
from motcua.workflow import corrections, repository
from motcua.workflow.supplements import SUPPLEMENT_REASONS


@dataclass(frozen=True)
class Asked:
    """One paper a supplement request names."""

    key: str
    name: str
    description: str


@dataclass(frozen=True)
class PendingSupplement:
    papers: list[Asked]
    reason: str | None
    requested_at: datetime
    answer_by: date | None
    # the papers that are declarations the applicant typed: corrected in the page, by key
    declarations: dict[str, FormItem] = field(default_factory=dict)


@dataclass(frozen=True)
class IssuedResult:
    verify_code: str
    issued_at: datetime
    revoked: bool
    revoked_reason: str | None


@dataclass(frozen=True)
class ApplicantView:
    dossier: Dossier
    agency_name: str
    supplement: PendingSupplement | None
    result: IssuedResult | None
    refusal_reason: str | None
    requirement_names: dict[str, str]


async def view(session: AsyncSession, code: str, person: str) -> ApplicantView:
    dossier, agency = await dossier_reading.for_person(session, code, person)
    requirements = await catalog_repository.requirements_of(session, dossier.procedure_version_id)
    by_key = {r.key: r for r in requirements}
    supplement = None
    if dossier.state == DossierState.supplement_requested:
        pending = await repository.open_supplement(session, dossier.id)
        if pending is not None:
            supplement = PendingSupplement(
                papers=[
                    Asked(
                        k,
                        by_key[k].name if k in by_key else k,
                        by_key[k].description if k in by_key else "",
                    )
                    for k in pending.requirement_keys
                ],
                reason=SUPPLEMENT_REASONS.get(pending.note, pending.note) or None,
                requested_at=pending.requested_at,
                answer_by=pending.answer_by,
                declarations=corrections.typed_declarations(
                    by_key, dossier.items, pending.requirement_keys
                ),
            )
    document = await repository.latest_result(session, dossier.id)
    result = (
        IssuedResult(
            document.verify_code,
            document.issued_at,
            document.revoked_at is not None,
            document.revoked_reason,
        )
        if document is not None
        else None
    )
    return ApplicantView(
        dossier=dossier,
        agency_name=agency.name,
        supplement=supplement,
        result=result,
        refusal_reason=_refusal(dossier),
        requirement_names={r.key: r.name for r in requirements},
    )


def _refusal(dossier: Dossier) -> str | None:
    if dossier.state != DossierState.refused:
        return None
    for event in reversed(dossier.events):
        if event.kind == "refused":
            reason = event.data.get("reason")
            return str(reason) if reason else None
    return None


async def result_pdf(session: AsyncSession, code: str, person: str) -> bytes:
    """The signed result of the person's own dossier (a revoked one is not handed out)."""
    dossier, _ = await dossier_reading.for_person(session, code, person)
    document = await repository.result_of(session, dossier.id, with_pdf=True)
    if document is None:
        raise NotFound("Hồ sơ này chưa có kết quả đã ký.", code="no-result")
    return document.pdf


def answer_keys(view: ApplicantView) -> Sequence[str]:
    return [p.key for p in view.supplement.papers] if view.supplement else []
