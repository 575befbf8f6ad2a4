"""What other modules do when the workflow signs a result or refuses a dossier, in the same
transaction (as ``dossiers.models.on_created`` lets them add rows to a new dossier). The groups
of interconnected procedures use them to hand a signed e-result on to the next member and to
stop the members that depended on a refused one."""

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.dossiers.models import Dossier
from motcua.identity.service import Subject

ResultSigned = Callable[[AsyncSession, Dossier], Awaitable[None]]
Refused = Callable[[AsyncSession, Dossier, str], Awaitable[None]]

# More of the officer's case page: context a module adds (rendered by a template of its own
# that the page includes when the key is there), e.g. the group around a member dossier. It is
# given the dossier the page shows, already found readable by the officer.
CasePanel = Callable[[AsyncSession, Subject, Dossier], Awaitable[dict[str, Any]]]

after_result_signed: list[ResultSigned] = []
after_refused: list[Refused] = []
case_panels: list[CasePanel] = []


def on_result_signed(hook: ResultSigned) -> ResultSigned:
    if hook not in after_result_signed:
        after_result_signed.append(hook)
    return hook


def on_refused(hook: Refused) -> Refused:
    if hook not in after_refused:
        after_refused.append(hook)
    return hook


def on_case_page(panel: CasePanel) -> CasePanel:
    if panel not in case_panels:
        case_panels.append(panel)
    return panel
