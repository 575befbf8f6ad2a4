"""Outbox handler that delivers one notification."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock
from motcua.core.outbox import handles
from motcua.core.settings import get_settings
from motcua.notify.channels import send_email, sms_gateways
from motcua.notify.models import Channel, DeliveryStatus, Notification
from motcua.notify.schemas import OutgoingMessage
from motcua.notify.service import DELIVER


@handles(DELIVER)
async def deliver(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Send unless already sent; the Message-ID is derived from the row, so a resend after a
    crash between the send and the commit is recognisable by the receiving side."""
    notification = await session.get(Notification, payload["notification_id"], with_for_update=True)
    if notification is None or notification.status == DeliveryStatus.sent:
        return
    settings = get_settings()
    message = OutgoingMessage(
        message_id=f"<notification-{notification.id}@motcua.localhost>",
        recipient=notification.recipient,
        subject=notification.subject,
        body=notification.body,
    )
    notification.attempts += 1
    if notification.channel == Channel.email:
        await send_email(settings, message)
    else:
        await sms_gateways.get(settings.sms_gateway)(settings).send(message)
    notification.status = DeliveryStatus.sent
    notification.sent_at = clock.now()
