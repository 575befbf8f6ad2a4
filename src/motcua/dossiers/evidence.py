"""Registry items of a submission: copied on the server from a read the platform made itself.

DESIGN invariant 8: a client names the evidence item it was shown (``evidence_item``), never
the value. The item must have been fetched for this person, for this procedure and for this
requirement, be delivered and not rejected, and still be fresh; its fields are then copied
here, with where they came from, so nothing a client typed can ever read "from the registry".
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock
from motcua.dossiers.models import ItemSource
from motcua.dossiers.schemas import ItemIn
from motcua.exchange.models import Consent, ConsentSubject, Decision, EvidenceItem, ItemStatus

# A registry read older than this is read again before it is filed.
FRESH_FOR = timedelta(hours=24)

Problem = Callable[[str, str, str], None]


@dataclass(frozen=True)
class Copied:
    """What a registry item of the dossier holds: the values, and the read they came from."""

    value: dict[str, Any]
    evidence: dict[str, Any]


# Only what the checks and the copy read (no ORM objects: this runs on every submission that
# cites a read): the item and its consent, one row each.
_READS = select(
    EvidenceItem.id,
    EvidenceItem.key,
    EvidenceItem.status,
    EvidenceItem.decision,
    EvidenceItem.fetched_at,
    EvidenceItem.fields,
    EvidenceItem.registry_code,
    EvidenceItem.evidence_type_code,
    EvidenceItem.request_hash,
    Consent.reference,
    Consent.actor_personal_id,
    Consent.subject_personal_id,
    Consent.procedure_code,
    Consent.plan,
).join(Consent, Consent.reference == EvidenceItem.consent_reference)
OWN_ROLES = {"applicant", "represented"}


async def _fetched(
    session: AsyncSession, ids: set[int]
) -> dict[int, tuple[Row[Any], dict[str, str]]]:
    """Each read with its consent, and the people its roles resolved to (asked only when a
    role other than the applicant's own is in play)."""
    rows = list(await session.execute(_READS.where(EvidenceItem.id.in_(ids))))
    people: dict[str, dict[str, str]] = {}
    others = {
        r.reference
        for r in rows
        if any(p.get("subject", "applicant") not in OWN_ROLES for p in r.plan)
    }
    if others:
        for subject in await session.scalars(
            select(ConsentSubject).where(ConsentSubject.consent_reference.in_(others))
        ):
            people.setdefault(subject.consent_reference, {})[subject.role] = subject.personal_id
    return {r.id: (r, people.get(r.reference, {})) for r in rows}


async def copy(
    session: AsyncSession,
    items: Sequence[ItemIn],
    *,
    procedure_code: str,
    actor: str,
    applicant: str,
    problem: Problem,
) -> dict[int, Copied]:
    """Registry items by their position in the body; every refusal named by field."""
    wanted: dict[int, int] = {}
    for i, item in enumerate(items):
        if item.source != ItemSource.registry:
            if item.evidence_item is not None:
                problem(
                    f"items[{i}].evidence_item",
                    "evidence-item-not-registry",
                    "Chỉ thành phần lấy từ cơ sở dữ liệu mới dẫn chiếu dữ liệu đã lấy.",
                )
            continue
        if item.value is not None:
            problem(
                f"items[{i}].value",
                "registry-value-from-client",
                "Dữ liệu “lấy từ cơ sở dữ liệu” không được gửi kèm: hệ thống tự chép từ lần đọc "
                "của chính hệ thống. Hãy gửi mã dữ liệu đã lấy (evidence_item), hoặc tải giấy "
                "tờ lên.",
            )
        elif item.evidence_item is None:
            problem(
                f"items[{i}].evidence_item",
                "missing-evidence-item",
                "Thiếu mã dữ liệu đã lấy từ cơ sở dữ liệu cho thành phần này.",
            )
        else:
            wanted[i] = item.evidence_item
    if not wanted:
        return {}
    found = await _fetched(session, set(wanted.values()))
    oldest = clock.now() - FRESH_FOR
    copied: dict[int, Copied] = {}
    for i, evidence_id in wanted.items():
        where = f"items[{i}].evidence_item"
        row = found.get(evidence_id)
        if row is None or row[0].actor_personal_id != actor:
            problem(where, "unknown-evidence-item", "Không có dữ liệu đã lấy với mã này của bạn.")
            continue
        read, people = row
        if read.procedure_code != procedure_code or read.subject_personal_id != applicant:
            problem(
                where,
                "evidence-for-another-procedure",
                "Dữ liệu này được lấy cho một hồ sơ khác, nên không dùng được cho hồ sơ này.",
            )
        elif read.key != items[i].requirement_key:
            problem(
                where,
                "evidence-for-another-requirement",
                "Dữ liệu này được lấy cho một thành phần hồ sơ khác.",
            )
        elif read.status != ItemStatus.delivered or read.decision == Decision.rejected:
            problem(
                where,
                "evidence-not-delivered",
                "Cơ sở dữ liệu chưa trả dữ liệu cho thành phần này (hoặc bạn đã báo dữ liệu "
                "sai); hãy tải giấy tờ lên.",
            )
        elif read.fetched_at < oldest:
            problem(
                where,
                "evidence-expired",
                "Dữ liệu đã lấy quá 24 giờ; hãy lấy lại dữ liệu rồi nộp.",
            )
        else:
            copied[i] = _copied(read, people)
    return copied


def _copied(item: Row[Any], people: dict[str, str]) -> Copied:
    plan: dict[str, Any] = next((p for p in item.plan if p.get("key") == item.key), {})
    role = plan.get("subject", "applicant")
    return Copied(
        value={name: f.get("value") for name, f in item.fields.items()},
        evidence={
            "registry_code": item.registry_code,
            "evidence_type_code": item.evidence_type_code,
            "fetched_at": item.fetched_at.isoformat(),
            "request_hash": item.request_hash,
            "subject_role": role,
            "subject_personal_id": people.get(role, item.subject_personal_id),
            "consent_reference": item.reference,
            "last_updated": {n: f.get("last_updated") for n, f in item.fields.items()},
        },
    )
