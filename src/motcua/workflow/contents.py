"""What an officer reads in a dossier before deciding: who it is for, the declaration, every
item with its content (registry data as labelled fields with the read that brought it, files
to open), and what was asked and issued.

Kept from the page by default and recorded when shown: the applicant's full personal number
(an officer who can read the dossier asks for it with a reason) and the files, which only the
officers of the agency holding the dossier open. Each showing is a ``Disclosure`` row.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import declarations
from motcua.catalog.models import Requirement
from motcua.core import clock
from motcua.core.errors import Invalid, NotFound
from motcua.core.masking import mask
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers.models import Dossier, DossierItem, ItemSource, Upload
from motcua.dossiers.schemas import DossierOut, EventOut
from motcua.dossiers.sources import origin_of
from motcua.dossiers.storage import get_storage
from motcua.exchange.labels import UNSEEN_FIELDS
from motcua.exchange.models import AccessLogEntry
from motcua.exchange.service import field_labels
from motcua.identity.service import Forbidden, Subject
from motcua.units.service import any_unit_name
from motcua.workflow import repository
from motcua.workflow.models import Disclosure, WorkflowCase
from motcua.workflow.schemas import (
    ApplicantOut,
    DisclosureOut,
    FieldOut,
    FileOut,
    ItemContentOut,
    LinkedResultOut,
    RegistryReadOut,
    ResultOut,
    SupplementOut,
)
from motcua.workflow.supplements import SUPPLEMENT_REASONS

MIN_REASON = 10
DISCLOSURE_NAMES = {"personal-number": "Xem số định danh đầy đủ", "file": "Mở tệp của hồ sơ"}


def masked_name(name: str | None) -> str | None:
    """``Nguyễn Văn An`` -> ``Nguyễn V. A.``: the family name and initials, for pages anyone
    with a code can open."""
    if not name:
        return None
    words = re.sub(r"\s*\(.*?\)", "", name).split() or name.split()  # a note in brackets is no name
    return " ".join([words[0], *(f"{w[0]}." for w in words[1:])])


# --- values as a person reads them -------------------------------------------------------------


def declaration_labels(requirement: Requirement) -> dict[str, str]:
    """The titles of a declaration's questions: the procedure's own (its JSON Schema in the
    catalog) with the oath, or the generic declaration's."""
    from motcua.applications.forms import declaration_fields

    return {f.name: f.label for f in declaration_fields(requirement.declaration)}


def label_of(name: str, labels: Mapping[str, str]) -> str:
    """The Vietnamese label; a name no list knows is titled as the catalog's declarations
    title it, else named as "other declared content", never shown as an identifier."""
    return labels.get(name) or declarations.title_of(name)


def in_words(value: Any, labels: Mapping[str, str]) -> str:
    """One value in words: dates dd/mm/yyyy, yes/no, lists and records spelled out."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, dict):
        return "; ".join(f"{label_of(k, labels)}: {in_words(v, labels)}" for k, v in value.items())
    if isinstance(value, list):
        return " | ".join(in_words(v, labels) for v in value) or "—"
    text = str(value)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return f"{date.fromisoformat(text):%d/%m/%Y}"
        except ValueError:
            return text
    return text


def fields_of(value: Mapping[str, Any] | None, labels: Mapping[str, str]) -> list[FieldOut]:
    """Labelled values; personal numbers in them are masked like the applicant's own, unit
    codes read as the unit's name; a result's fingerprint and verification address left out
    (``linked_result`` links to the verification page instead)."""
    return [
        FieldOut(name=k, label=label_of(k, labels), value=in_words(_in_words_of(k, v), labels))
        for k, v in (value or {}).items()
        if k not in UNSEEN_FIELDS
    ]


def _in_words_of(name: str, value: Any) -> Any:
    """Personal numbers masked, administrative unit codes named (current or former unit)."""
    if name.endswith("personal_id") and isinstance(value, str) and value.isdigit():
        return mask(value)
    if name.endswith("_unit_code") and isinstance(value, str | int) and str(value).strip():
        return any_unit_name(value)
    if isinstance(value, dict):
        return {k: _in_words_of(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_in_words_of(name, v) for v in value]
    return value


# Whose record a registry item is, as the officer reads it (catalog.models.SubjectRole).
SUBJECT_NAMES = {
    "applicant": "người nộp hồ sơ",
    "represented": "người được đại diện",
    "child": "trẻ",
    "deceased": "người đã mất",
    "spouse": "vợ hoặc chồng",
    "father": "cha",
    "mother": "mẹ",
    "other_party": "bên kia",
}


def applicant_name(items: Sequence[DossierItem]) -> str | None:
    """The applicant's name as the dossier's registry data gives it (never typed text): an item
    read about the applicant, or, for items filed before reads said whose they were, any."""
    for item in items:
        whose = (item.evidence or {}).get("subject_role", "applicant")
        if item.source == ItemSource.registry and item.value and whose == "applicant":
            name = item.value.get("full_name")
            if isinstance(name, str) and name.strip():
                return name.strip()
    return None


# --- the officer's view --------------------------------------------------------------------------


@dataclass(frozen=True)
class Contents:
    applicant: ApplicantOut
    items: list[ItemContentOut]
    supplements: list[SupplementOut]
    result: ResultOut | None
    disclosures: list[DisclosureOut]


def may_open_files(case: WorkflowCase, officer: Subject) -> bool:
    """Files are opened by the officers of the agency holding the dossier, and only them."""
    return case.current_agency_id == officer.agency_id


async def contents(
    session: AsyncSession,
    dossier: Dossier,
    case: WorkflowCase,
    officer: Subject,
    version_requirements: Sequence[Requirement],
) -> Contents:
    """``version_requirements``: those of the dossier's procedure version (the caller has
    them for its own use too)."""
    requirements = {r.key: r for r in version_requirements}
    reads = await repository.registry_reads(session, dossier)
    cited = {
        (str(e.get("subject_personal_id") or dossier.applicant_number), str(e["request_hash"]))
        for i in dossier.items
        if (e := i.evidence) and e.get("request_hash")
    }
    by_hash = await repository.reads_by_hash(session, cited)
    codes = {r.registry_code for r in reads.values()} | {
        (i.evidence or {}).get("registry_code") for i in dossier.items
    }
    names = await repository.registry_names(session, codes)
    uploads = await dossiers_repository.uploads(
        session, {i.upload_id for i in dossier.items if i.upload_id}
    )
    registry_labels = field_labels()
    files_open = may_open_files(case, officer)
    linked = await linked_results(session, dossier.items)
    supplied = supplied_at(dossier)
    latest: dict[str, int] = {}
    for item in dossier.items:
        latest[item.requirement_key] = max(latest.get(item.requirement_key, 0), item.position)
    items = [
        _item(
            dossier,
            item,
            requirements.get(item.requirement_key),
            reads,
            by_hash,
            names,
            uploads.get(item.upload_id or ""),
            registry_labels,
            files_open,
        ).model_copy(
            update={
                "linked_result": linked.get(_verify_code_of(item) or ""),
                "supplied_at": supplied.get(item.position),
                "replaced": latest.get(item.requirement_key, item.position) > item.position,
            }
        )
        for item in dossier.items
    ]
    asked = await repository.supplements(session, dossier.id)
    document = await repository.latest_result(session, dossier.id)
    shown = await repository.disclosures(session, dossier.id)
    who = await repository.officer_names(session, {d.officer_id for d in shown})
    return Contents(
        applicant=ApplicantOut(
            name=applicant_name(dossier.items),
            personal_number_masked=mask(dossier.applicant_number),
            on_behalf=dossier.on_behalf,
        ),
        items=items,
        supplements=[
            SupplementOut(
                requirement_keys=list(s.requirement_keys),
                requirement_names=[
                    requirements[k].name if k in requirements else k for k in s.requirement_keys
                ],
                reason=SUPPLEMENT_REASONS.get(s.note, s.note) or None,
                requested_at=s.requested_at,
                answer_by=s.answer_by,
                answered_at=s.answered_at,
            )
            for s in asked
        ],
        result=(
            ResultOut(
                verify_code=document.verify_code,
                issued_at=document.issued_at,
                revoked=document.revoked_at is not None,
            )
            if document
            else None
        ),
        disclosures=[
            DisclosureOut(
                at=d.at,
                officer_name=who.get(d.officer_id, ""),
                what=DISCLOSURE_NAMES.get(d.what, d.what),
                reason=d.reason,
            )
            for d in shown
        ],
    )


def _verify_code_of(item: DossierItem) -> str | None:
    code = item.value.get("verify_code") if isinstance(item.value, dict) else None
    return code if isinstance(code, str) and code else None


async def linked_results(
    session: AsyncSession, items: Sequence[DossierItem]
) -> dict[str, LinkedResultOut]:
    """The signed results handed to this dossier by another procedure (an e-birth certificate
    read from the e-result store), by verification code: who signed each and when."""
    from motcua.workflow.signing import signer_name  # signing reads this module

    out: dict[str, LinkedResultOut] = {}
    for code in {c for i in items if (c := _verify_code_of(i))}:
        document = await repository.result(session, code)
        if document is None:
            continue
        out[code] = LinkedResultOut(
            verify_code=code,
            verify_path=f"/verify/{code}",
            signed_by=signer_name(document.signer_subject),
            signed_at=document.issued_at,
            revoked=document.revoked_at is not None,
        )
    return out


def supplied_at(dossier: Dossier) -> dict[int, datetime]:
    """When each item supplied in answer to a supplement request came, by its position (the
    ``supplement-answered`` events name the items they added)."""
    out: dict[int, datetime] = {}
    for event in dossier.events:
        if event.kind != "supplement-answered":
            continue
        for added in event.data.get("items") or []:
            if isinstance(added, dict) and isinstance(added.get("position"), int):
                out[added["position"]] = event.at
    return out


def _item(
    dossier: Dossier,
    item: DossierItem,
    requirement: Requirement | None,
    reads: Mapping[str, AccessLogEntry],
    by_hash: Mapping[str, AccessLogEntry],
    registry_names: Mapping[str, str],
    upload: Upload | None,
    registry_labels: Mapping[str, str],
    files_open: bool,
) -> ItemContentOut:
    declaration = bool(
        requirement
        and (requirement.form_template or requirement.declaration)
        and not requirement.evidence_type_code
    )
    read = None
    if item.source == ItemSource.registry:
        read = _read(item, requirement, reads, by_hash, registry_names)
    file = None
    if upload is not None:
        file = FileOut(
            upload_id=upload.id,
            file_name=upload.file_name,
            media_type=upload.media_type,
            size=upload.size,
            url=(
                f"/api/v1/workflow/dossiers/{dossier.code}/files/{upload.id}"
                if files_open
                else None
            ),
        )
    labels = (
        {**registry_labels, **declaration_labels(requirement)}
        if declaration and requirement is not None
        else registry_labels
    )
    return ItemContentOut(
        position=item.position,
        requirement_key=item.requirement_key,
        requirement_name=requirement.name if requirement else item.requirement_key,
        source=item.source,
        origin=origin_of(item),
        declaration=declaration,
        fields=fields_of(item.value, labels),
        read=read,
        file=file,
    )


def _read(
    item: DossierItem,
    requirement: Requirement | None,
    reads: Mapping[str, AccessLogEntry],
    by_hash: Mapping[str, AccessLogEntry],
    registry_names: Mapping[str, str],
) -> RegistryReadOut:
    """The read a registry item came from: the one it cites (``evidence``, with its access-log
    record found by the read's request hash), or for items filed before items cited their read,
    the newest delivered read under the consent of the application that became the dossier."""
    cited = item.evidence or {}
    if cited:
        entry = by_hash.get(str(cited.get("request_hash") or ""))
        code = cited.get("registry_code")
        at: datetime | None
        try:
            at = datetime.fromisoformat(str(cited.get("fetched_at")))
        except ValueError:
            at = entry.at if entry else None
        role = str(cited.get("subject_role") or "applicant")
        return RegistryReadOut(
            registry_code=code,
            registry_name=registry_names.get(code or ""),
            read_at=at,
            access_log_seq=entry.seq if entry else None,
            sealed=bool(entry and entry.hash),
            whose=SUBJECT_NAMES.get(role, role),
        )
    found = reads.get(requirement.evidence_type_code or "") if requirement else None
    return RegistryReadOut(
        registry_code=found.registry_code if found else None,
        registry_name=registry_names.get(found.registry_code or "") if found else None,
        read_at=found.at if found else None,
        access_log_seq=found.seq if found else None,
        sealed=bool(found and found.hash),
        whose=None,
    )


def masked_history(out: DossierOut) -> DossierOut:
    """The dossier as the officer's page and API show it: personal numbers masked."""
    return out.model_copy(
        update={
            "applicant": mask(out.applicant),
            "actor": mask(out.actor),
            "history": [
                EventOut(**{**e.model_dump(), "actor": _actor(e.actor)}) for e in out.history
            ],
        }
    )


def _actor(actor: str) -> str:
    return mask(actor) if actor.isdigit() else actor


# --- showing what is kept back, recorded ------------------------------------------------------


async def _readable(session: AsyncSession, officer: Subject, code: str) -> Dossier:
    dossier = await repository.readable_by_code(session, officer, code, full=False)
    if dossier is None:
        raise NotFound(f"Không có hồ sơ mã {code} trong cơ quan của bạn.", code="unknown-dossier")
    return dossier


def _record(
    session: AsyncSession,
    dossier: Dossier,
    officer: Subject,
    what: str,
    reason: str = "",
    upload_id: str | None = None,
) -> None:
    session.add(
        Disclosure(
            dossier_id=dossier.id,
            province_code=dossier.province_code,
            at=clock.now(),
            officer_id=officer.officer_id,
            agency_id=officer.agency_id,
            what=what,
            upload_id=upload_id,
            reason=reason,
        )
    )


async def reveal_number(session: AsyncSession, officer: Subject, code: str, reason: str) -> str:
    """The applicant's full personal number, for an officer who can read the dossier and says
    why; the showing is recorded with the reason."""
    dossier = await _readable(session, officer, code)
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise Invalid(
            f"Hãy ghi rõ lý do cần xem số định danh đầy đủ (ít nhất {MIN_REASON} ký tự).",
            code="reason-required",
        )
    _record(session, dossier, officer, "personal-number", reason[:1000])
    await session.flush()
    return dossier.applicant_number


async def open_file(
    session: AsyncSession, officer: Subject, code: str, upload_id: str
) -> tuple[Upload, bytes]:
    """A file of the dossier for an officer of the agency holding it; recorded. Another
    agency's officer is refused; a file that is not the dossier's is not found."""
    dossier = await repository.readable_by_code(session, officer, code)
    if dossier is None:
        raise NotFound(f"Không có hồ sơ mã {code} trong cơ quan của bạn.", code="unknown-dossier")
    if not any(i.upload_id == upload_id for i in dossier.items):
        raise NotFound("Hồ sơ này không có tệp đó.", code="upload-not-found")
    case = await repository.case_of(session, dossier.id)
    if case is None or not may_open_files(case, officer):
        raise Forbidden(
            "Chỉ cán bộ của cơ quan đang giữ hồ sơ mới mở được tệp của hồ sơ.",
            code="not-at-your-agency",
        )
    uploads = await dossiers_repository.uploads(session, {upload_id})
    upload = uploads[upload_id]
    _record(session, dossier, officer, "file", upload_id=upload_id)
    await session.flush()
    return upload, await get_storage().get(upload.sha256)


async def open_any_file(
    session: AsyncSession, officer: Subject, upload_id: str
) -> tuple[Upload, bytes]:
    """``GET /uploads/{id}`` asked by an officer: the file when it belongs to a dossier their
    agency holds; the same 404 as for an unknown id otherwise."""
    code = await repository.holding_dossier_of_upload(session, officer.agency_id, upload_id)
    if code is None:
        raise NotFound(
            "Không có tệp này trong hồ sơ cơ quan bạn đang giữ.", code="upload-not-found"
        )
    return await open_file(session, officer, code, upload_id)
