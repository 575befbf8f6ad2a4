"""Delivery channels as plugins: e-mail over SMTP (aiosmtplib) and SMS gateways."""

from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol

import aiosmtplib

from motcua.core.plugins import PluginRegistry
from motcua.core.settings import Settings
from motcua.notify.schemas import OutgoingMessage


class SmsGateway(Protocol):
    """An SMS operator's API; the sandbox gateway records messages instead of sending them."""

    def __init__(self, settings: Settings) -> None: ...

    async def send(self, message: OutgoingMessage) -> None: ...


sms_gateways: PluginRegistry[SmsGateway] = PluginRegistry("SMS gateway")


async def send_email(settings: Settings, message: OutgoingMessage) -> None:
    email = EmailMessage()
    email["From"] = settings.mail_from
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id or make_msgid(domain="motcua.localhost")
    email.set_content(message.body)
    await aiosmtplib.send(
        email,
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password,
        start_tls=settings.smtp_starttls,
        timeout=10,
    )
