"""How the assign list names the officers who may hold a step.

A leader picks a colleague by the name they know and the role they hold, never by a login name
(an internal account name). Only when two officers in the list share a name does each get what
tells them apart and a colleague understands: their e-mail, else the last three digits of their
personal number; the account name only when the record holds neither.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from motcua.identity.models import Officer
from motcua.web.navigation import ROLE_LABELS


@dataclass(frozen=True)
class Assignee:
    """One option of the list: ``username`` is the form's value, never shown."""

    username: str
    full_name: str
    role: str  # the role's Vietnamese name (a catalog message)
    apart: tuple[str, str] | None  # (email | digits | account, value) for a shared name
    current: bool


def _apart(officer: Officer) -> tuple[str, str]:
    if officer.email:
        return ("email", officer.email)
    if officer.personal_id and len(officer.personal_id) >= 3:
        return ("digits", officer.personal_id[-3:])
    return ("account", officer.username)


def assignees(officers: Iterable[Officer], role: str, current_id: int | None) -> list[Assignee]:
    """The active officers of ``role`` in name order, each with their role's name, and what
    tells apart those who share a name."""
    holding = sorted(
        (o for o in officers if o.role.value == role), key=lambda o: (o.full_name, o.id)
    )
    shared = Counter(" ".join(o.full_name.split()).casefold() for o in holding)
    return [
        Assignee(
            username=o.username,
            full_name=o.full_name,
            role=ROLE_LABELS.get(o.role, o.role.value),
            apart=_apart(o) if shared[" ".join(o.full_name.split()).casefold()] > 1 else None,
            current=o.id == current_id,
        )
        for o in holding
    ]
