"""Shapes of what a channel sends."""

from dataclasses import dataclass


@dataclass(frozen=True)
class OutgoingMessage:
    """What a channel delivers; ``message_id`` is stable so a resend can be recognised."""

    message_id: str
    recipient: str
    subject: str
    body: str
