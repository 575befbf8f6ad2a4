"""What other modules do when the workflow signs a result or refuses a dossier, in the same
transaction (as ``dossiers.models.on_created`` lets them add rows to a new dossier). The groups
of interconnected procedures use them to hand a signed e-result on to the next member and to
stop the members that depended on a refused one."""

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.dossiers.models import Dossier

ResultSigned = Callable[[AsyncSession, Dossier], Awaitable[None]]
Refused = Callable[[AsyncSession, Dossier, str], Awaitable[None]]

after_result_signed: list[ResultSigned] = []
after_refused: list[Refused] = []


def on_result_signed(hook: ResultSigned) -> ResultSigned:
    if hook not in after_result_signed:
        after_result_signed.append(hook)
    return hook


def on_refused(hook: Refused) -> Refused:
    if hook not in after_refused:
        after_refused.append(hook)
    return hook
