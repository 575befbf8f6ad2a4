"""A stand-in SMS gateway: records each message instead of sending it (demo and tests)."""

import logging

from motcua.core.settings import Settings
from motcua.notify.channels import sms_gateways
from motcua.notify.schemas import OutgoingMessage

log = logging.getLogger(__name__)
SENT: list[OutgoingMessage] = []


@sms_gateways.register("sandbox")
class RecordingSmsGateway:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, message: OutgoingMessage) -> None:
        SENT.append(message)
        log.info("SMS (sandbox) to %s: %s", message.recipient, message.subject)
