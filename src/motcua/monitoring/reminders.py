"""Focal points and the afternoon reminders to units that have not reported yet."""

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.errors import Invalid
from motcua.core.settings import get_settings
from motcua.monitoring import repository
from motcua.monitoring.cutoff import require_aware, zone
from motcua.monitoring.models import (
    Contact,
)
from motcua.monitoring.repository import Scope
from motcua.monitoring.scope import find_unit
from motcua.monitoring.silent import silent_units
from motcua.notify.models import Channel
from motcua.notify.service import notify


async def set_contact(
    session: AsyncSession, *, unit: str, name: str, channel: Channel, address: str
) -> None:
    """Register a unit's focal point for reminders (idempotent for the same address)."""
    agency, _, _ = await find_unit(session, unit)
    if channel == Channel.email and "@" not in address:
        raise Invalid(f"Địa chỉ thư điện tử không hợp lệ: {address!r}.", code="bad-address")
    if channel == Channel.sms and not address.lstrip("+").isdigit():
        raise Invalid(f"Số điện thoại không hợp lệ: {address!r}.", code="bad-address")
    existing = [
        c
        for c in await repository.contacts_of(session, [agency.id])
        if c.channel == channel and c.address == address
    ]
    if existing:
        existing[0].name = name
    else:
        session.add(Contact(agency_id=agency.id, name=name, channel=channel, address=address))
    await session.flush()


def reminder_due(now: datetime) -> bool:
    """Between the reminder time and the cut-off, Vietnam time."""
    local = require_aware(now).astimezone(zone()).time()
    settings = get_settings()
    return settings.report_reminder_at <= local < settings.report_cutoff


async def remind_non_reporters(session: AsyncSession, day: date) -> int:
    """Notify the contacts of every unit expected on ``day`` that has not reported yet.

    One notification per unit, contact and day (the event key), so running it again, from a
    second worker or by hand, sends nothing twice."""
    silent = await silent_units(session, day, Scope(blocs=None))
    ids = [agency_id for agency_id, _, _ in silent]
    names = await repository.units_named(session, ids)
    cutoff = get_settings().report_cutoff.strftime("%H:%M")
    sent = 0
    for contact in await repository.contacts_of(session, ids):
        await notify(
            session,
            event_key=f"monitoring:reminder:{day.isoformat()}:{contact.agency_id}",
            kind="report_reminder",
            channel=contact.channel,
            recipient=contact.address,
            context={
                "name": contact.name,
                "unit": names[contact.agency_id].name,
                "day": day.strftime("%d/%m/%Y"),
                "cutoff": cutoff,
            },
        )
        sent += 1
    return sent
