"""Officer workflow: steps, claim and assignment, forwarding, supplements, refusal, delay,
results. Every action checks state, role, agency and step first; a refusal changes nothing.

Each action appends one event to the dossier's own history (``dossiers.history.append``) with
who, what, and from which step to which; the dossier's version guards concurrent actions.

This module is the one face the routes, the CLI and the tests call; the logic lives in one
file per seam of the domain:

- ``work``: loading a dossier for an action, the checks, the history event;
- ``versions``: internal process definitions;
- ``listing``: the queue and the view of one dossier;
- ``steps``: claim, assignment, completing a step, forwarding;
- ``supplements``: supplement requests (Mẫu 02) and the applicant's answer;
- ``decisions``: refusal (Mẫu 03) and delay (Mẫu 04);
- ``signing``: signing, handing back, revoking and verifying a result;
- ``notices``: what the applicant is told by e-mail.
"""

from motcua.workflow.decisions import apologise, refuse
from motcua.workflow.listing import case_view, queue
from motcua.workflow.notices import dossier_url, tell_applicant
from motcua.workflow.signing import (
    check_file,
    hand_back,
    revoke_result,
    sign_result,
    signer_name,
    verify,
)
from motcua.workflow.steps import assign, claim, complete, forward
from motcua.workflow.supplements import (
    SUPPLEMENT_DAYS,
    SUPPLEMENT_MAX_DAYS,
    SUPPLEMENT_REASONS,
    SupplementRefused,
    answer_supplement,
    request_supplement,
    shift_due,
)
from motcua.workflow.versions import (
    ADMINS,
    current_definition,
    get_definition,
    save_definition,
    seed_definitions,
)
from motcua.workflow.work import (
    ASSIGNERS,
    CLOSED,
    REVOKERS,
    ROLE_NAMES,
    Work,
    officer_actor,
    working_days_between,
)

__all__ = [
    "ADMINS",
    "ASSIGNERS",
    "CLOSED",
    "REVOKERS",
    "ROLE_NAMES",
    "SUPPLEMENT_DAYS",
    "SUPPLEMENT_MAX_DAYS",
    "SUPPLEMENT_REASONS",
    "SupplementRefused",
    "Work",
    "answer_supplement",
    "apologise",
    "assign",
    "case_view",
    "check_file",
    "claim",
    "complete",
    "current_definition",
    "dossier_url",
    "forward",
    "get_definition",
    "hand_back",
    "officer_actor",
    "queue",
    "refuse",
    "request_supplement",
    "revoke_result",
    "save_definition",
    "seed_definitions",
    "shift_due",
    "sign_result",
    "signer_name",
    "tell_applicant",
    "verify",
    "working_days_between",
]
