"""Registry events in: polled from each registry's feed behind a cursor, checked, accepted once.

Why polling with a cursor rather than a webhook: the platform asks when it is ready, so an
event published while every worker was down is read later instead of lost, and the cursor (a
row, shared by all workers) says exactly how far each feed has been read. Each event still
carries the registry's signature (HMAC-SHA256 of ``"{timestamp}.{body}"`` under a per-registry
secret), so a feed that was tampered with, or an event not signed by the registry, is refused;
its time is checked too (not from the future, not older than ``max_age_days``).

Every delivery is written to the exchange access log like a registry read: accepted
(``delivered``), a repeat of an event already accepted (``repeated``, nothing more is offered)
or refused with its reason.
"""

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock
from motcua.core.repository import conflict_insert
from motcua.exchange import audit
from motcua.exchange.audit import Access
from motcua.exchange.config import get_exchange_settings
from motcua.exchange.connectors import Fetcher
from motcua.exchange.models import Registry
from motcua.offers import reads, service
from motcua.offers.config import get_offers_settings
from motcua.offers.models import FeedCursor, RegistryEvent

log = logging.getLogger(__name__)

# The closed list of reasons an event is refused (what the access log and the operator read).
REASONS: dict[str, str] = {
    "unknown-registry": "Không có khóa ký sự kiện của cơ sở dữ liệu này.",
    "malformed": "Sự kiện thiếu thời điểm, chữ ký hoặc nội dung.",
    "bad-signature": "Chữ ký của sự kiện không đúng: sự kiện không do cơ sở dữ liệu này gửi.",
    "future": "Thời điểm ký của sự kiện ở tương lai.",
    "stale": "Sự kiện đã ký quá lâu; không nhận lại.",
    "bad-body": "Nội dung sự kiện sai cấu trúc.",
    "wrong-publisher": "Cơ sở dữ liệu này không phát loại sự kiện đó.",
}
SYSTEM_ACTOR = "000000000000"  # the platform itself, when no person is named (a forged event)


class EventRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class EventIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str = Field(min_length=1, max_length=200)
    type: str = Field(max_length=32)
    registry: str = Field(max_length=64)
    subject: str = Field(pattern=r"^\d{12}$")
    occurred_at: datetime
    data: dict[str, Any]


def verify(registry: str, delivery: Any, now: datetime) -> tuple[EventIn, str]:
    """The event of one delivery and the hash of its body, or ``EventRefused``."""
    settings = get_offers_settings()
    secret = settings.event_secrets.get(registry)
    if secret is None:
        raise EventRefused("unknown-registry")
    if not isinstance(delivery, dict):
        raise EventRefused("malformed")
    timestamp, signature, body = (delivery.get(k) for k in ("timestamp", "signature", "body"))
    if not all(isinstance(v, str) for v in (timestamp, signature, body)):
        raise EventRefused("malformed")
    assert isinstance(timestamp, str) and isinstance(signature, str) and isinstance(body, str)
    expected = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise EventRefused("bad-signature")
    try:
        signed_at = datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError as error:
        raise EventRefused("malformed") from error
    if signed_at > now + timedelta(seconds=settings.clock_skew_s):
        raise EventRefused("future")
    if signed_at < now - timedelta(days=settings.max_age_days):
        raise EventRefused("stale")
    try:
        event = EventIn.model_validate_json(body)
    except ValidationError as error:
        raise EventRefused("bad-body") from error
    if event.registry != registry or service.KINDS.get(event.type) is None:
        raise EventRefused("wrong-publisher")
    if service.KINDS[event.type].publisher != registry:
        raise EventRefused("wrong-publisher")
    return event, hashlib.sha256(body.encode()).hexdigest()


def _logged(
    registry: str, subject: str, kind: str, outcome: str, body_hash: str | None, **extra: Any
) -> Access:
    known = service.KINDS.get(kind)
    return Access(
        actor_personal_id=subject,
        subject_personal_id=subject,
        evidence_type_code=known.evidence_type if known else f"event:{kind}"[:64],
        purpose=f"event:{registry}",
        outcome=outcome,
        registry_code=registry,
        request_hash=body_hash,
        **extra,
    )


def _claimed_subject(delivery: Any) -> tuple[str, str]:
    """Who a refused event claims to be about, for the log (the platform itself if nobody)."""
    try:
        body = json.loads(delivery.get("body", "")) if isinstance(delivery, dict) else {}
    except ValueError:
        body = {}
    subject = body.get("subject") if isinstance(body, dict) else None
    kind = body.get("type") if isinstance(body, dict) else None
    ok = isinstance(subject, str) and subject.isdigit() and len(subject) == 12
    return (subject if ok else SYSTEM_ACTOR), (kind if isinstance(kind, str) else "unknown")  # type: ignore[return-value]


async def ingest(
    session: AsyncSession, registry: str, delivery: Any, *, fetcher: Fetcher | None = None
) -> str:
    """One delivery: ``offered``, ``repeated`` or ``refused``. Raises ``reads.Deferred`` when
    whom to offer cannot be found out now (a registry down): the caller stops its cursor."""
    now = clock.now()
    try:
        event, body_hash = verify(registry, delivery, now)
    except EventRefused as refused:
        subject, kind = _claimed_subject(delivery)
        log.warning("event from %s refused: %s", registry, refused.reason)
        await audit.append(
            session,
            [_logged(registry, subject, kind, "refused", None, reason=refused.reason)],
        )
        return "refused"
    found = await session.scalar(
        select(RegistryEvent).where(
            RegistryEvent.registry_code == registry, RegistryEvent.event_id == event.id
        )
    )
    if found is not None:
        found.deliveries += 1
        await audit.append(
            session, [_logged(registry, event.subject, event.type, "repeated", body_hash)]
        )
        await session.flush()
        return "repeated"
    # Whom to offer first: if a registry is down now, nothing is written and the event is
    # read again on the next poll.
    plans = await service.plan_offers(session, event.type, event.subject, event.data, fetcher)
    insert = conflict_insert(session.get_bind().dialect.name)
    await session.execute(
        insert(RegistryEvent)
        .values(
            registry_code=registry,
            event_id=event.id,
            kind=event.type,
            subject_personal_id=event.subject,
            data=event.data,
            occurred_at=event.occurred_at,
            received_at=now,
            deliveries=1,
        )
        .on_conflict_do_nothing()
    )
    row = await session.scalar(
        select(RegistryEvent).where(
            RegistryEvent.registry_code == registry, RegistryEvent.event_id == event.id
        )
    )
    assert row is not None
    await audit.append(
        session, [_logged(registry, event.subject, event.type, "delivered", body_hash)]
    )
    await service.make_offers(session, row, plans, fetcher)
    return "offered"


@dataclass
class PollResult:
    registry: str
    offered: int = 0
    repeated: int = 0
    refused: int = 0
    position: int = 0
    error: str | None = None


async def _page(
    registry: Registry, after: int, transport: httpx.AsyncBaseTransport | None
) -> tuple[str | None, list[Any]]:
    """One page of a registry's feed after a position: the feed's epoch and its deliveries."""
    url = f"{registry.base_url.rstrip('/')}/events/{registry.code}"
    headers = {"Authorization": f"Bearer {get_exchange_settings().credential}"}
    async with httpx.AsyncClient(transport=transport, timeout=10.0) as client:
        answer = await client.get(url, params={"after": after}, headers=headers)
    answer.raise_for_status()
    body = answer.json()
    deliveries = body["events"]
    assert isinstance(deliveries, list)
    epoch = body.get("epoch")
    return (str(epoch) if epoch is not None else None), deliveries


async def poll(
    session: AsyncSession,
    registry_code: str,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    fetcher: Fetcher | None = None,
) -> PollResult:
    """Read one registry's feed after the cursor, take each event in order, move the cursor
    past what was taken. The cursor row is locked, so two workers never read the same page."""
    result = PollResult(registry_code)
    registry = await session.get(Registry, registry_code)
    if registry is None or not registry.enabled:
        result.error = "registry-disabled"
        return result
    cursor = await session.get(FeedCursor, registry_code, with_for_update=True)
    if cursor is None:
        insert = conflict_insert(session.get_bind().dialect.name)
        await session.execute(
            insert(FeedCursor)
            .values(registry_code=registry_code, position=0)
            .on_conflict_do_nothing()
        )
        cursor = await session.get(FeedCursor, registry_code, with_for_update=True)
        assert cursor is not None
    try:
        epoch, deliveries = await _page(registry, cursor.position, transport)
        if cursor.epoch is not None and epoch != cursor.epoch:
            # A new feed: read it from its start (what was accepted before stays accepted once).
            cursor.position = 0
            epoch, deliveries = await _page(registry, 0, transport)
    except (httpx.HTTPError, ValueError, KeyError, TypeError, AssertionError) as error:
        result.error = type(error).__name__
        result.position = cursor.position
        return result
    cursor.epoch = epoch
    for delivery in deliveries:
        try:
            outcome = await ingest(session, registry_code, delivery, fetcher=fetcher)
        except reads.Deferred as deferred:
            result.error = deferred.reason
            break
        setattr(result, outcome, getattr(result, outcome) + 1)
        seq = delivery.get("seq") if isinstance(delivery, dict) else None
        cursor.position = seq if isinstance(seq, int) else cursor.position + 1
    cursor.polled_at = clock.now()
    result.position = cursor.position
    await session.flush()
    return result


async def poll_all(
    session: AsyncSession,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    fetcher: Fetcher | None = None,
) -> list[PollResult]:
    return [
        await poll(session, code, transport=transport, fetcher=fetcher)
        for code in sorted(get_offers_settings().event_secrets)
    ]
