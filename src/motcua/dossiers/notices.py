"""Status notices shown after an action (``?xong=…`` for the officer, ``?da-bo-sung=1`` for the
applicant) say what the dossier is now, so they hold only while the dossier is still in a state
that action leaves it in: a reload or an old link after the dossier moved on (a result signed,
a refusal) shows no stale notice."""

from motcua.dossiers.models import DossierState

WORKING = frozenset({DossierState.received, DossierState.in_progress})
HOLDS: dict[str, frozenset[DossierState]] = {
    "claim": WORKING,
    "assign": WORKING,
    "complete": WORKING,
    "forward": WORKING,
    "apology": WORKING,
    "supplement": frozenset({DossierState.supplement_requested}),
    "supplement-answered": WORKING,
    "refuse": frozenset({DossierState.refused}),
    "sign": frozenset({DossierState.result_ready, DossierState.returned}),
    "return": frozenset({DossierState.returned}),
    "revoke": frozenset(DossierState) - {DossierState.withdrawn},
}


def still_true(action: str | None, state: DossierState) -> bool:
    """Whether the notice of ``action`` still describes a dossier in ``state``."""
    return action is not None and state in HOLDS.get(action, frozenset())
