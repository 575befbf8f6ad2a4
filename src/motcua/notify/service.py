"""Writing notifications: once per event, channel and recipient, delivered after commit."""

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock, outbox
from motcua.core.errors import Invalid
from motcua.core.repository import conflict_insert
from motcua.notify import repository
from motcua.notify.models import Channel, DeliveryStatus, Notification

DELIVER = "notify.deliver"


@cache
def _templates() -> Environment:
    folder = Path(str(resources.files("motcua.notify"))) / "templates" / "notify"
    return Environment(
        loader=FileSystemLoader(folder), undefined=StrictUndefined, keep_trailing_newline=True
    )


def render(kind: str, context: dict[str, Any]) -> tuple[str, str]:
    """A template's first line is ``Subject: ...``; the rest is the body."""
    try:
        text = _templates().get_template(f"{kind}.txt").render(**context)
    except TemplateError as error:
        raise Invalid(
            f"Không dựng được thông báo loại {kind!r}: {error}", code="bad-notification"
        ) from error
    first, _, body = text.partition("\n")
    return first.removeprefix("Subject:").strip(), body.lstrip("\n")


async def notify(
    session: AsyncSession,
    *,
    event_key: str,
    kind: str,
    channel: Channel,
    recipient: str,
    context: dict[str, Any],
) -> Notification:
    """Record a message for an event and queue its delivery; the same event twice adds nothing."""
    subject, body = render(kind, context)
    insert = conflict_insert(session.get_bind().dialect.name)
    await session.execute(
        insert(Notification)
        .values(
            event_key=event_key,
            kind=kind,
            channel=channel,
            recipient=recipient,
            subject=subject,
            body=body,
            status=DeliveryStatus.pending,
            created_at=clock.now(),
            attempts=0,
        )
        .on_conflict_do_nothing()
    )
    notification = await repository.by_event(session, event_key, channel, recipient)
    assert notification is not None
    await outbox.enqueue(
        session, DELIVER, {"notification_id": notification.id}, f"notify:{notification.id}"
    )
    return notification
