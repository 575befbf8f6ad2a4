"""Background work of the monitoring system: reminders before the daily cut-off."""

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from motcua.monitoring import service


class DailyReminder:
    """Runs the day's reminders once per worker process, once the reminder time has come.

    Duplicates across processes are harmless: each notification has a per-day event key."""

    def __init__(self) -> None:
        self.done_for: date | None = None

    async def tick(self, sessions: async_sessionmaker[AsyncSession], now: datetime) -> int:
        day = now.astimezone(service.zone()).date()
        if self.done_for == day or not service.reminder_due(now):
            return 0
        async with sessions() as session, session.begin():
            sent = await service.remind_non_reporters(session, day)
        self.done_for = day
        return sent
