"""The father is told: when the mother's application asks him to confirm the read of his data,
an e-mail goes through the notify outbox to the address the population registry gives, with the
link to the page where he confirms; once, however often the family is read. A real SMTP server
on loopback, the sandbox registries over real HTTP."""

import asyncio
from email import message_from_bytes
from email.header import decode_header, make_header

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from motcua.core import outbox
from motcua.core.settings import get_settings
from motcua.notify.models import Channel, DeliveryStatus, Notification
from motcua.sandbox import personas
from tests.identity.helpers import as_citizen
from tests.notify.test_notify import HANDLERS, Inbox, inbox, smtp_port  # noqa: F401  (fixtures)

HOA, KHANH = personas.NEW_MOTHER, personas.NEW_FATHER
pytestmark = pytest.mark.usefixtures("registries")


def _text(message: bytes) -> tuple[str, str]:
    email = message_from_bytes(message)
    subject = str(make_header(decode_header(str(email["Subject"]))))
    part = email.get_payload(decode=True) if not email.is_multipart() else None
    if part is None:
        part = email.get_payload(0).get_payload(decode=True)  # type: ignore[union-attr]
    assert isinstance(part, bytes)
    return subject, part.decode("utf-8")


async def test_the_father_is_told_by_email_with_the_link_to_confirm(
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    inbox: Inbox,  # noqa: F811
) -> None:
    me = as_citizen(HOA, name="Lê Thị Hoa")  # her name as her e-ID gives it
    started = await client.post(
        "/api/v1/applications", json={"procedure_code": "1.001193"}, headers=me
    )
    assert started.status_code == 201, started.text
    base = f"/api/v1/exchange/consents/{started.json()['consent_reference']}"
    assert (await client.post(f"{base}/confirm", headers=me)).status_code == 200
    for _ in range(2):  # the family read twice: he is asked, and told, once
        assert (await client.get(f"{base}/family", headers=me)).status_code == 200
    asked = (await client.get(f"{base}/subjects", headers=me)).json()
    assert {(s["role"], s["state"]) for s in asked} >= {("spouse", "pending")}
    [told] = await session.scalars(
        select(Notification).where(Notification.kind == "confirmation_asked")
    )
    assert told.channel == Channel.email
    assert told.recipient == f"cong.dan.{KHANH}@example.test"  # as the registry gives it
    await session.commit()
    assert await outbox.run_until_idle(sessions, HANDLERS) == 1
    await asyncio.sleep(0.05)
    [message] = inbox.messages
    subject, body = _text(message)
    assert "Đăng ký khai sinh" in subject
    assert f"{get_settings().public_base_url}/du-lieu/xac-nhan" in body
    # who asks: her name from her e-ID session, kept with the consent, and her masked number
    assert "Lê Thị Hoa (số định danh 079******201) đang làm thủ tục" in body
    assert "đề nghị bạn cho phép đọc" in body
    assert "chỉ được đọc khi chính bạn xác nhận" in body
    await session.refresh(told)
    assert told.status == DeliveryStatus.sent
    # the link leads to the page where he answers: the request is there for him
    page = await client.get("/du-lieu/xac-nhan", headers=as_citizen(KHANH))
    assert page.status_code == 200 and "Đăng ký khai sinh" in page.text
    assert (
        "Lê Thị Hoa (số định danh 079******201) đề nghị bạn cho phép đọc dữ liệu của bạn"
        in page.text
    )
    assert HOA not in page.text  # the number is shown masked only
