"""Whose result a document is, and who else it names. A result is about its subject, not
always about the person who filed it: a birth certificate is the child's (its parents are
named on it), a death extract the deceased's, a marriage certificate both partners'. The
verification page and the signed PDF read the same answer from the dossier's items: names
from registry reads (never typed text) or, for a child not yet in any registry, from the
declaration."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers.models import DossierItem, ItemSource
from motcua.workflow import contents
from motcua.workflow.schemas import VerifyOut

CHILD_NAME_KEYS = ("ho_ten_tre",)  # the declared name of a child being registered
PARENT_ROLES = ("applicant", "spouse", "mother", "father")


@dataclass(frozen=True)
class Person:
    """One person a result names: who they are to it, the name, the personal number (in full:
    the signed document is the legal record; pages that show a Person mask it)."""

    role: str
    name: str
    number: str = ""
    nationality: str = ""


def _role(item: DossierItem) -> str:
    return str((item.evidence or {}).get("subject_role") or "applicant")


def _registry(items: Sequence[DossierItem]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (_role(i), dict(i.value))
        for i in items
        if i.source == ItemSource.registry and isinstance(i.value, dict)
    ]


def _named(role: str, values: dict[str, Any], prefix: str = "") -> Person | None:
    name = values.get(f"{prefix}full_name")
    if not isinstance(name, str) or not name.strip():
        return None
    number = values.get(f"{prefix}personal_id")
    nationality = values.get("nationality") if not prefix else None
    return Person(role, name.strip(), str(number) if number else "", nationality or "")


def child_name(items: Sequence[DossierItem]) -> str | None:
    for item in items:
        if isinstance(item.value, dict) and item.source != ItemSource.registry:
            for key in CHILD_NAME_KEYS:
                name = item.value.get(key)
                if isinstance(name, str) and name.strip():
                    return name.strip()
    return None


def parents(items: Sequence[DossierItem]) -> list[Person]:
    """The child's mother and father as the registries gave them (one each, mother first);
    "Cha" or "Mẹ" from the registry's sex, else from the read's role."""
    found: dict[str, Person] = {}
    for role, values in _registry(items):
        if role not in PARENT_ROLES or "full_name" not in values:
            continue
        sex = str(values.get("sex") or "")
        title = {"Nữ": "Mẹ", "Nam": "Cha"}.get(sex) or {"mother": "Mẹ", "father": "Cha"}.get(role)
        person = _named(title or "Cha hoặc mẹ", values)
        named = {p.name for p in found.values()}
        if person is not None and person.role not in found and person.name not in named:
            found[person.role] = person
    return sorted(found.values(), key=lambda p: {"Mẹ": 0, "Cha": 1}.get(p.role, 2))


def subjects(items: Sequence[DossierItem]) -> list[Person]:
    """Whose the result is: the child declared, else the deceased, else both partners of a
    marriage, else the applicant (or the person represented)."""
    child = child_name(items)
    if child:
        return [Person("Trẻ", child)]
    reads = _registry(items)
    for role, values in reads:
        if role == "deceased":
            person = _named("Người chết", values, "deceased_") or _named("Người chết", values)
            if person is not None:
                return [person]
    applicant = next(
        (p for r, v in reads if r in ("applicant", "represented") and (p := _named(r, v))), None
    )
    spouse = next((p for r, v in reads if r == "spouse" and (p := _named(r, v))), None)
    return [p for p in (applicant, spouse) if p is not None]


def holder(items: Sequence[DossierItem]) -> str | None:
    """The subject(s) of a result as the verification page names them, names masked."""
    names = [contents.masked_name(p.name) or "" for p in subjects(items)]
    return " và ".join(names) if names else None


async def described(session: AsyncSession, out: VerifyOut) -> VerifyOut:
    """A verification answer naming the result's own subject (the child of a birth
    certificate, the deceased of a death extract), not whoever filed it."""
    dossier = await dossiers_repository.plain_by_code(session, out.dossier_code)
    if dossier is None:
        return out
    items = await dossiers_repository.items_of(session, dossier.id)
    # A certificate's common name is cut at 64 characters: the agency's whole name reads better.
    signed_by = out.signed_by
    if signed_by != out.agency_name and out.agency_name.startswith(signed_by):
        signed_by = out.agency_name
    return out.model_copy(update={"holder": holder(items) or out.holder, "signed_by": signed_by})
