"""The signed result: signing, handing back, revoking, and verification by anyone holding the
result's code."""

import re

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog.models import ProcedureVersion
from motcua.core import clock
from motcua.core.errors import Conflict, Invalid, NotFound
from motcua.core.settings import get_settings
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers.models import (
    Dossier,
    DossierState,
)
from motcua.identity.service import Forbidden, Subject
from motcua.units.models import Agency
from motcua.workflow import hooks, repository
from motcua.workflow.definitions import StepKind
from motcua.workflow.notices import tell_applicant
from motcua.workflow.schemas import (
    FileCheckOut,
    VerifyOut,
)
from motcua.workflow.work import (
    REVOKERS,
    Work,
    commit_event,
    ensure_here,
    ensure_may_act,
    ensure_open,
    ensure_role,
    ensure_state,
    ensure_step,
    load_work,
)

# --- result and return ----------------------------------------------------------------------------


async def sign_result(
    session: AsyncSession,
    subject: Subject,
    code: str,
    summary: str,
    expected_version: int | None = None,
) -> tuple[Work, str]:
    """The sign step: render the result PDF, sign it with the agency's key, store it."""
    from motcua.workflow import results

    work = await load_work(session, subject, code, expected_version)
    ensure_open(work)
    ensure_here(work, subject)
    ensure_step(work, {StepKind.sign}, "ký kết quả")
    ensure_state(work, {DossierState.in_progress}, "ký kết quả")
    ensure_may_act(work, subject)
    agency = await session.get(Agency, subject.agency_id)
    assert agency is not None
    document = await results.issue(session, work.dossier, agency, summary)
    before = work.case.step_index
    work.case.step_index += 1
    work.case.assignee_id = None
    await commit_event(
        session,
        work,
        subject,
        kind="result-signed",
        to_state=DossierState.result_ready,
        data={"verify_code": document.verify_code, "sha256": document.sha256},
        from_step=before,
    )
    for hook in hooks.after_result_signed:
        await hook(session, work.dossier)
    await tell_applicant(session, work.dossier, "result", "result_ready")
    return work, document.verify_code


async def hand_back(
    session: AsyncSession, subject: Subject, code: str, expected_version: int | None = None
) -> Work:
    """The return step: the result is handed to the applicant; the case closes."""
    work = await load_work(session, subject, code, expected_version)
    ensure_open(work)
    ensure_here(work, subject)
    ensure_step(work, {StepKind.give_back}, "trả kết quả")
    ensure_state(work, {DossierState.result_ready}, "trả kết quả")
    ensure_may_act(work, subject)
    work.case.open = False
    visits = await repository.visits(session, work.dossier.id)
    visits[-1].left_at = clock.now()
    await commit_event(session, work, subject, kind="returned", to_state=DossierState.returned)
    return work


async def revoke_result(
    session: AsyncSession,
    subject: Subject,
    code: str,
    reason: str,
    expected_version: int | None = None,
) -> tuple[Work, str]:
    """Thu hồi kết quả: only an approver or administrator of the agency that signed it, with a
    reason; the dossier keeps its state and its history says who revoked it and why. Allowed on
    a closed dossier too: a result is most often revoked after it was handed back."""
    from motcua.workflow import results

    work = await load_work(session, subject, code, expected_version)
    ensure_role(subject, REVOKERS, "thu hồi kết quả")
    document = await repository.result_of(session, work.dossier.id)
    if document is None:
        if await repository.latest_result(session, work.dossier.id) is not None:
            raise Conflict("Kết quả của hồ sơ này đã bị thu hồi trước đó.", code="already-revoked")
        raise Conflict("Hồ sơ chưa có kết quả đã ký để thu hồi.", code="no-result")
    if document.agency_id != subject.agency_id:
        raise Forbidden(
            "Chỉ cơ quan đã ký kết quả mới được thu hồi kết quả đó.", code="not-issuing-agency"
        )
    if len(reason.strip()) < 10:
        raise Invalid("Hãy ghi rõ lý do thu hồi (ít nhất 10 ký tự).", code="reason-required")
    await results.revoke(session, document.verify_code, reason.strip())
    await commit_event(
        session,
        work,
        subject,
        kind="result-revoked",
        data={"verify_code": document.verify_code, "reason": reason.strip()},
    )
    await tell_applicant(
        session,
        work.dossier,
        f"result-revoked:{document.verify_code}",
        "result_revoked",
        reason=reason.strip(),
        verify_url=f"{get_settings().public_base_url}/verify/{document.verify_code}",
    )
    return work, document.verify_code


async def verify(session: AsyncSession, verify_code: str) -> VerifyOut:
    """What a result is, for anyone holding its code: which paper, whose (name masked), who
    signed it and when, and whether it still stands."""
    from motcua.workflow import contents

    document = await repository.result(session, verify_code)
    if document is None:
        raise NotFound("Không có văn bản với mã xác thực này.", code="unknown-result")
    dossier = await session.get(Dossier, document.dossier_id)
    agency = await session.get(Agency, document.agency_id)
    assert dossier is not None and agency is not None
    version = await session.get(ProcedureVersion, dossier.procedure_version_id)
    titles = list(version.result_documents) if version is not None else []
    items = await dossiers_repository.items_of(session, dossier.id)
    return VerifyOut(
        verify_code=document.verify_code,
        dossier_code=dossier.code,
        procedure_name=dossier.procedure_name,
        document_title=titles[0]
        if titles
        else f"Kết quả giải quyết thủ tục {dossier.procedure_name}",
        holder=contents.masked_name(contents.applicant_name(items)),
        agency_name=agency.name,
        signed_by=signer_name(document.signer_subject) or agency.name,
        issued_at=document.issued_at,
        sha256=document.sha256,
        revoked=document.revoked_at is not None,
        revoked_at=document.revoked_at,
        revoked_reason=document.revoked_reason,
        practice=dossier.practice,
    )


async def check_file(session: AsyncSession, verify_code: str, data: bytes) -> FileCheckOut:
    """Is ``data`` the result behind ``verify_code``, byte for byte, with its signature intact
    and made with a key the platform trusts, and not revoked?"""
    from motcua.workflow import results

    shown = await verify(session, verify_code)  # an unknown code is a 404, as for the page
    found = await results.check(session, data)
    same = found.verify_code == verify_code
    return FileCheckOut(
        # A practice result is never genuine, whatever its signature.
        genuine=found.genuine and same and not shown.practice,
        same_document=same,
        signature_intact=found.signature_intact,
        trusted=found.trusted,
        revoked=found.revoked,
    )


def signer_name(subject: str) -> str | None:
    """The certificate's common name from its one-line form (``Common Name: …, Country: VN``)."""
    found = re.search(r"Common Name: (.+?)(?:, [A-Z][A-Za-z ]+: |$)", subject)
    return found.group(1).strip() if found else None
