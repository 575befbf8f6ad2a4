"""Notifications through the outbox to a real SMTP server on loopback; exactly once."""

import asyncio
import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from motcua.core import clock, outbox
from motcua.core.errors import Invalid
from motcua.core.models import OutboxMessage
from motcua.core.settings import get_settings
from motcua.notify import service, tasks
from motcua.notify.models import Channel, DeliveryStatus, Notification

HANDLERS = {service.DELIVER: tasks.deliver}
CONTEXT = {
    "name": "Nguyễn Văn A (dữ liệu thử)",
    "dossier_code": "000.00.00070.P01-261123-0001",
    "procedure_name": "Đăng ký khai sinh",
    "due_at": "24/11/2026 17:00",
    "tracking_url": "http://127.0.0.1:8000/tra-cuu",
}


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        self.messages.append(envelope.content)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_port(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    port = _free_port()
    monkeypatch.setenv("MOTCUA_SMTP_PORT", str(port))
    get_settings.cache_clear()
    yield port
    get_settings.cache_clear()


@pytest.fixture
def inbox(smtp_port: int) -> Iterator[Inbox]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield handler
    controller.stop()


async def test_delivered_once_with_a_stable_message_id(
    session: AsyncSession, sessions: async_sessionmaker[AsyncSession], inbox: Inbox
) -> None:
    for _ in range(2):  # the same event twice
        await service.notify(
            session,
            event_key="dossier:1:received",
            kind="dossier_received",
            channel=Channel.email,
            recipient="cong.dan@example.test",
            context=CONTEXT,
        )
    await session.commit()
    assert await outbox.run_until_idle(sessions, HANDLERS) == 1
    assert await outbox.run_until_idle(sessions, HANDLERS) == 0
    await asyncio.sleep(0.05)
    assert len(inbox.messages) == 1
    email = message_from_bytes(inbox.messages[0])
    notification = await session.scalar(select(Notification))
    assert notification is not None
    assert email["Message-ID"] == f"<notification-{notification.id}@motcua.localhost>"
    assert "Đã tiếp nhận hồ sơ" in str(email["Subject"]) or "=?utf-8?" in str(email["Subject"])
    await session.refresh(notification)
    assert notification.status == DeliveryStatus.sent


async def test_smtp_down_is_retried_later(
    session: AsyncSession, sessions: async_sessionmaker[AsyncSession], smtp_port: int
) -> None:
    await service.notify(
        session,
        event_key="dossier:2:received",
        kind="dossier_received",
        channel=Channel.email,
        recipient="cong.dan@example.test",
        context=CONTEXT,
    )
    await session.commit()
    assert await outbox.run_until_idle(sessions, HANDLERS) == 1  # tried, failed
    message = await session.scalar(select(OutboxMessage))
    assert message is not None
    await session.refresh(message)
    assert message.done_at is None and message.attempts == 1 and message.last_error
    assert message.available_at > clock.now()
    notification = await session.scalar(select(Notification))
    assert notification is not None and notification.status == DeliveryStatus.pending

    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        await session.execute(
            update(OutboxMessage).values(available_at=clock.now() - timedelta(seconds=1))
        )
        await session.commit()
        assert await outbox.run_until_idle(sessions, HANDLERS) == 1
        await asyncio.sleep(0.05)
        assert len(handler.messages) == 1
    finally:
        controller.stop()


async def test_unknown_template_is_refused(session: AsyncSession) -> None:
    with pytest.raises(Invalid):
        await service.notify(
            session,
            event_key="x",
            kind="no_such_kind",
            channel=Channel.email,
            recipient="a@example.test",
            context={},
        )
    assert await session.scalar(select(func.count()).select_from(Notification)) == 0


async def test_two_workers_never_send_twice(
    engine: AsyncEngine, database_url: str, inbox: Inbox
) -> None:
    """Committed messages, two workers draining at once: every e-mail exactly once."""
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    count = 20
    async with sessions() as session, session.begin():
        for n in range(count):
            await service.notify(
                session,
                event_key=f"concurrency:{n}",
                kind="result_ready",
                channel=Channel.email,
                recipient=f"nguoi{n}@example.test",
                context=CONTEXT,
            )
    try:
        if database_url.startswith("postgresql"):
            done = await asyncio.gather(
                outbox.run_until_idle(sessions, HANDLERS), outbox.run_until_idle(sessions, HANDLERS)
            )
        else:  # SQLite runs one in-process worker by design
            done = [await outbox.run_until_idle(sessions, HANDLERS)]
        await asyncio.sleep(0.1)
        assert sum(done) == count
        ids = [message_from_bytes(m)["Message-ID"] for m in inbox.messages]
        assert len(ids) == count == len(set(ids))
    finally:
        async with sessions() as session, session.begin():
            await session.execute(delete(OutboxMessage))
            await session.execute(delete(Notification))


async def test_sms_through_the_sandbox_gateway(
    session: AsyncSession, sessions: async_sessionmaker[AsyncSession]
) -> None:
    from motcua.sandbox import sms

    sms.SENT.clear()
    await service.notify(
        session,
        event_key="dossier:3:result",
        kind="result_ready",
        channel=Channel.sms,
        recipient="0900000000",
        context=CONTEXT,
    )
    await session.commit()
    assert await outbox.run_until_idle(sessions, HANDLERS) == 1
    assert [m.recipient for m in sms.SENT] == ["0900000000"]
    assert "đã có kết quả" in sms.SENT[0].subject
