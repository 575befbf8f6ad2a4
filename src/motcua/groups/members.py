"""A member's dossier: made from the group filing, as a submission would make it, routed to the
member's own agency with the member's own deadline.

It is not a second submission of the applicant: every check was made on the group filing (the
declaration, the reads cited, the combination), so the dossier is written directly with the
same repository call ``dossiers.submit`` ends in (``insert_unless_key_taken``, which also opens
its workflow case at the member's agency), under a key of its own that a retry cannot repeat.
"""

import hashlib
import json
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog.models import ProcedureVersion
from motcua.catalog.schemas import GroupMemberDoc
from motcua.core.calendar import get_calendar
from motcua.core.text import fold
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers import service as dossiers
from motcua.dossiers.models import Channel, Dossier, DossierState, ItemSource
from motcua.groups.models import GroupFiling
from motcua.units import repository as units_repository
from motcua.units.models import Agency


def value_hash(value: Mapping[str, Any] | None) -> str | None:
    if value is None:
        return None
    canonical = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _values(reads: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Each read's role and value."""
    out = []
    for read in reads.values():
        value, evidence = read.get("value"), read.get("evidence") or {}
        if isinstance(value, dict):
            out.append((str(evidence.get("subject_role") or "applicant"), value))
    return out


def child_relation_to_head(answers: Mapping[str, Any], reads: Mapping[str, Any]) -> str | None:
    """The child's relation to the head of the household it is registered into, from the
    residence registry: "Con" when the parent filing is the head, or the head is the other
    parent (the one whose data was read with their confirmation, or the spouse in the parents'
    marriage record); "Cháu" when a grandparent filing is the head. ``None`` when the reads do
    not settle it (another address than the parent's, another head): the police ask."""
    values = _values(reads)
    home = next((v for r, v in values if r == "applicant" and "household_head" in v), None)
    if home is None:
        return None
    address = str(answers.get("noi_thuong_tru_cua_tre") or "")
    if address and fold(address) != fold(str(home.get("permanent_address") or "")):
        return None
    parent = answers.get("quan_he") in ("Cha", "Mẹ")
    if home.get("relation_to_household_head") == "Chủ hộ":
        return "Con" if parent else ("Cháu" if answers.get("quan_he") in ("Ông", "Bà") else None)
    head = fold(str(home.get("household_head") or ""))
    if not head or not parent:
        return None
    me = str(home.get("personal_id") or "")
    others = {
        fold(str(v.get("full_name") or ""))
        for r, v in values
        if r in ("spouse", "father", "mother")
    }
    for _, v in values:
        for n in ("1", "2"):
            if v.get(f"spouse_{n}_personal_id") and v.get(f"spouse_{n}_personal_id") != me:
                others.add(fold(str(v.get(f"spouse_{n}_full_name") or "")))
    return "Con" if head in others else None


DERIVED: dict[str, Callable[[Mapping[str, Any], Mapping[str, Any]], str | None]] = {
    "quan_he_tre_voi_chu_ho": child_relation_to_head,
}


def member_declaration(
    member: GroupMemberDoc, answers: Mapping[str, Any], reads: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The member's own declaration, filled from the group's one declaration (and, for a
    derived answer, from the group's reads)."""
    filled = {
        mine: answers[theirs]
        for mine, theirs in member.declaration.fields.items()
        if answers.get(theirs) not in (None, "")
    }
    for mine, rule in member.declaration.derived.items():
        found = DERIVED[rule](answers, reads or {})
        if found:
            filled[mine] = found
    return {**filled, **member.declaration.fixed}


def items_of(
    member: GroupMemberDoc,
    filing: GroupFiling,
    version: ProcedureVersion,
    handed_over: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The declaration, the group's reads this member uses, and the e-result handed over."""
    source = ItemSource.counter if filing.channel != Channel.online else ItemSource.upload
    declaration = member_declaration(member, filing.declaration, filing.reads)
    rows: list[dict[str, Any]] = [
        {"requirement_key": member.declaration.requirement, "source": source,
         "value": declaration, "evidence": None}
    ]  # fmt: skip
    known = {r.key for r in version.requirements}
    for mine, theirs in member.evidence.items():
        read = filing.reads.get(theirs)
        if read is not None and mine in known:
            rows.append(
                {"requirement_key": mine, "source": ItemSource.registry,
                 "value": read["value"], "evidence": read["evidence"]}
            )  # fmt: skip
    if handed_over is not None and member.handover_requirement is not None:
        rows.append(
            {"requirement_key": member.handover_requirement, "source": ItemSource.registry,
             "value": handed_over["value"], "evidence": handed_over["evidence"]}
        )  # fmt: skip
    return [
        {**row, "position": i + 1, "upload_id": None, "sha256": value_hash(row["value"])}
        for i, row in enumerate(rows)
    ]


async def create(
    session: AsyncSession,
    filing: GroupFiling,
    member: GroupMemberDoc,
    version: ProcedureVersion,
    agency: Agency,
    received_at: datetime,
    due_at: datetime,
    items: list[dict[str, Any]],
) -> Dossier:
    """Write the member's dossier at its agency; its first event names the group."""
    calendar = get_calendar()
    day = calendar.localise(received_at).date()
    number = await dossiers_repository.take_number(session, agency.code, day)
    salt = secrets.token_hex(16)
    key = f"group:{filing.code}:{member.key}"
    fee, payment = dossiers.fee_of([f.get("amount_vnd") for f in version.fees])
    values = {
        "code": f"{agency.code}-{day:%y%m%d}-{number:04d}",
        "tracking_salt": salt,
        "secret_hash": dossiers.hash_secret(salt, dossiers.tracking_secret(salt)),
        "procedure_version_id": version.id,
        "procedure_code": member.procedure_code,
        "procedure_name": version.name,
        "receiving_agency_id": agency.id,
        "province_code": await units_repository.province_of_agency(session, agency.id),
        "applicant_number": filing.applicant_number,
        "actor_number": filing.actor_number,
        "on_behalf": filing.applicant_number != filing.actor_number,
        "channel": Channel(filing.channel),
        "state": DossierState.received,
        "received_at": received_at,
        "due_at": due_at,
        "fee_vnd": fee,
        "payment_state": payment,
        "contact_email": filing.contact_email,
        "idempotency_key": key,
        "request_hash": hashlib.sha256(key.encode()).hexdigest(),
    }
    first = {
        "seq": 1,
        "at": received_at,
        "actor_number": filing.actor_number,
        "kind": "submitted",
        "from_state": None,
        "to_state": DossierState.received,
        "data": {
            "channel": filing.channel,
            "items": len(items),
            "on_behalf": values["on_behalf"],
            "group_code": filing.code,
            "group_member": member.key,
        },
    }
    dossier = await dossiers_repository.insert_unless_key_taken(session, values, items, first)
    if dossier is None:  # the member was started before (a retried hand-over)
        found = await dossiers_repository.by_idempotency_key(session, filing.actor_number, key)
        assert found is not None
        return found
    return dossier
