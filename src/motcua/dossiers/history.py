"""A dossier's history: the states it may move between, and the events that move it.

The state is never set on its own: every move is an event appended to the history, and the
state can always be rebuilt by replaying the events (``replay``)."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from motcua.core import clock
from motcua.core.errors import Conflict, NotFound
from motcua.dossiers import repository
from motcua.dossiers.models import Dossier, DossierEvent, DossierState
from motcua.dossiers.service import STATE_NAMES, TRANSITIONS, require_person, set_committed


def replay(events: Sequence[DossierEvent]) -> DossierState:
    """The state is what the history says: follow the events in order, checking each step."""
    state: DossierState | None = None
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq or event.from_state != state:
            raise ValueError(f"history broken at event {event.seq}")
        state = event.to_state
    if state is None:
        raise ValueError("a dossier without history")
    return state


async def record(
    session: AsyncSession,
    code: str,
    *,
    actor: str,
    kind: str,
    to_state: DossierState,
    data: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> Dossier:
    """Append one event and move the state with it; a concurrent change is a 409."""
    actor = require_person(actor, "actor")
    dossier = await repository.by_code(session, code)
    if dossier is None:
        raise NotFound(f"Không có hồ sơ mã {code}.", code="unknown-dossier")
    if expected_version is not None and dossier.version != expected_version:
        raise _changed()
    if to_state not in TRANSITIONS[dossier.state]:
        raise _not_allowed(dossier.state, to_state)
    append(session, dossier, actor=actor, kind=kind, to_state=to_state, data=data)
    try:
        await session.flush()
    except (StaleDataError, IntegrityError) as error:
        raise _changed() from error
    return dossier


def append(
    session: AsyncSession,
    dossier: Dossier,
    *,
    actor: str,
    kind: str,
    to_state: DossierState,
    data: dict[str, Any] | None = None,
) -> DossierEvent:
    """Append one event to a dossier loaded with its events, for callers that act on the
    dossier without moving its state (an officer claiming it, forwarding it): the state may
    stay, or move along ``TRANSITIONS``. The version is bumped either way, so two concurrent
    actions on one dossier cannot both flush (the caller turns ``StaleDataError`` into 409)."""
    from sqlalchemy.orm.attributes import flag_modified

    if to_state != dossier.state and to_state not in TRANSITIONS[dossier.state]:
        raise _not_allowed(dossier.state, to_state)
    event = DossierEvent(
        dossier_id=dossier.id,
        province_code=dossier.province_code,
        seq=len(dossier.events) + 1,
        at=clock.now(),
        actor_number=actor,
        kind=kind,
        from_state=dossier.state,
        to_state=to_state,
        data=data or {},
    )
    session.add(event)
    dossier.state = to_state
    flag_modified(dossier, "state")
    set_committed(dossier, list(dossier.items), [*dossier.events, event])
    return event


def _not_allowed(state: DossierState, to_state: DossierState) -> Conflict:
    return Conflict(
        f"Hồ sơ đang ở trạng thái “{STATE_NAMES[state]}”, "
        f"không chuyển sang “{STATE_NAMES[to_state]}” được.",
        code="transition-not-allowed",
    )


def _changed() -> Conflict:
    return Conflict(
        "Hồ sơ vừa được người khác cập nhật; hãy tải lại rồi thực hiện lại.",
        code="dossier-changed",
    )
