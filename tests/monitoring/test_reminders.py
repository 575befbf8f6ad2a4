"""Reminders before the cut-off: only units that have not reported, once per unit and day."""

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from motcua.core import outbox
from motcua.core.errors import Invalid
from motcua.monitoring import service
from motcua.monitoring.schemas import PlanDocument
from motcua.monitoring.tasks import DailyReminder
from motcua.notify import service as notify_service
from motcua.notify import tasks as notify_tasks
from motcua.notify.models import Channel, Notification
from motcua.sandbox import sms
from tests.monitoring.conftest import DAY, GREEN_COMMUNE, at


async def test_only_silent_units_are_reminded_once(
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    plan: PlanDocument,
    communes: list[str],
) -> None:
    silent, reported = communes[0], communes[1]
    await service.set_contact(
        session, unit=silent, name="Chị A", channel=Channel.sms, address="0912000001"
    )
    await service.set_contact(
        session, unit=silent, name="Chị A", channel=Channel.email, address="a@example.test"
    )
    await service.set_contact(
        session, unit=reported, name="Anh B", channel=Channel.sms, address="0912000002"
    )
    await service.submit_report(
        session,
        subject=None,
        unit=reported,
        day=DAY,
        values=GREEN_COMMUNE,
        submitted_at=at(DAY, 9),
    )
    assert await service.remind_non_reporters(session, DAY) == 2
    assert await service.remind_non_reporters(session, DAY) == 2  # queued again: no new rows
    rows = (await session.scalars(select(Notification))).all()
    assert sorted(r.recipient for r in rows) == ["0912000001", "a@example.test"]
    assert all(r.kind == "report_reminder" and "16:00" in r.subject for r in rows)

    sms.SENT.clear()
    await session.commit()
    handlers = {notify_service.DELIVER: notify_tasks.deliver}
    await outbox.run_until_idle(sessions, handlers)
    assert [m.recipient for m in sms.SENT] == ["0912000001"]


def test_reminder_window_is_vietnam_time() -> None:
    assert not service.reminder_due(at(DAY, 13, 59, 59))
    assert service.reminder_due(at(DAY, 14, 0))
    assert service.reminder_due(at(DAY, 15, 59, 59))
    assert not service.reminder_due(at(DAY, 16, 0))


async def test_the_worker_reminds_once_a_day(
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    plan: PlanDocument,
    communes: list[str],
) -> None:
    await service.set_contact(
        session, unit=communes[0], name="Chị A", channel=Channel.sms, address="0912000001"
    )
    await session.commit()
    reminder = DailyReminder()
    assert await reminder.tick(sessions, at(DAY, 10)) == 0  # too early
    assert await reminder.tick(sessions, at(DAY, 14, 30)) == 1
    assert await reminder.tick(sessions, at(DAY, 15)) == 0  # done for the day


@pytest.mark.parametrize(
    ("channel", "address"), [(Channel.email, "khong-phai-thu"), (Channel.sms, "09x")]
)
async def test_bad_contact_is_refused(
    session: AsyncSession, plan: PlanDocument, communes: list[str], channel: Channel, address: str
) -> None:
    with pytest.raises(Invalid):
        await service.set_contact(
            session, unit=communes[0], name="X", channel=channel, address=address
        )
