"""What the applicant is told by e-mail about their dossier's handling."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.settings import get_settings
from motcua.dossiers.models import (
    Dossier,
)
from motcua.notify import service as notify
from motcua.notify.models import Channel as NotifyChannel


async def tell_applicant(
    session: AsyncSession, dossier: Dossier, event: str, kind: str, **context: Any
) -> None:
    """One e-mail to the applicant per event (its key makes a repeat a no-op); nothing when the
    dossier has no contact address."""
    if not dossier.contact_email:
        return
    await notify.notify(
        session,
        event_key=f"dossier:{dossier.code}:{event}",
        kind=kind,
        channel=NotifyChannel.email,
        recipient=dossier.contact_email,
        context={
            "name": "Ông/Bà",
            "dossier_code": dossier.code,
            "procedure_name": dossier.procedure_name,
            "tracking_url": f"{get_settings().public_base_url}/tra-cuu",
            "dossier_url": dossier_url(dossier.code),
            **context,
        },
    )


def dossier_url(code: str) -> str:
    """The applicant's own page of the dossier (after the e-ID sign-in), where they answer a
    supplement request and collect the result."""
    return f"{get_settings().public_base_url}/ho-so-cua-toi/{code}"
