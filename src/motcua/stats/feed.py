"""The feed for provincial operations centres (IOC): the statistics and monitoring roll-ups
of one province, read incrementally with a "changes since" cursor, and exported whole.

Statistics: every roll-up row carries the revision of the refresh that last changed it. One
refresh runs at a time (its advisory lock is held until it commits), so revisions become
visible in order and a reader that asks for rows past its cursor, in (revision, key) order,
never skips a change and never gets one twice. A rebuild starts a new epoch: a cursor of an
earlier epoch is answered 410 and the centre reloads from the export.

Monitoring: a unit's day snapshot changes with each report and carries that report's id. Report
ids are assigned before commit, so a later id may commit first; the feed only passes ids older
than the settle window, as the statistics' own reader does (assumption: no report transaction
stays open longer than ``SETTLE``).

Cursors are opaque: signed (HMAC-SHA256 with a key derived from the session key) over the
epoch, the position and the client's scope, so a cursor altered, forged or carried to another
province's credential is refused (400), and one beyond what the platform holds (a restored
backup) is refused (409).
"""

import base64
import csv
import hashlib
import hmac
import io
import json
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, and_, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock
from motcua.core.errors import Conflict, DomainError, Invalid, NotFound
from motcua.core.settings import get_settings
from motcua.identity.service import Forbidden, Unauthenticated
from motcua.monitoring.models import Report, UnitDay
from motcua.stats import repository
from motcua.stats.models import COUNTERS, DailyRollup, FeedClient
from motcua.stats.service import FEED_EPOCH, FEED_REVISION, SETTLE

DAILY = cast(Table, DailyRollup.__table__)
MAX_PAGE = 5_000
# Rows in the order they changed, then by key: the feed's position is a place in this order.
ORDER = (
    DAILY.c.revision,
    DAILY.c.day,
    DAILY.c.agency_id,
    DAILY.c.procedure_code,
    DAILY.c.channel,
)
NATIONAL = ""


class Gone(DomainError):
    status_code = 410
    code = "cursor-expired"


@dataclass(frozen=True)
class Client:
    name: str
    province_code: str  # "" for the whole country

    def covers(self, province: str) -> bool:
        return self.province_code in (NATIONAL, province)


# --- credentials -----------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_client(session: AsyncSession, name: str, province: str) -> str:
    """A new client and its token (shown once; only its digest is kept)."""
    if province and await repository.unit(session, province) is None:
        raise Invalid(f"Không có tỉnh mã {province}.", code="unknown-province")
    if await session.scalar(select(FeedClient.id).where(FeedClient.name == name)):
        raise Conflict(f"Đã có bên nhận tên {name}.", code="client-exists")
    token = "ioc_" + secrets.token_urlsafe(32)
    session.add(
        FeedClient(
            name=name, province_code=province, token_sha256=_digest(token), created_at=clock.now()
        )
    )
    await session.flush()
    return token


# The demo's operations centre for Hà Nội: a public token, refused outside the demo.
DEMO_CLIENT, DEMO_PROVINCE, DEMO_TOKEN = "ioc-demo-ha-noi", "01", "ioc-demo-token-ha-noi"


async def ensure_demo_client(session: AsyncSession) -> None:
    """The demo's client (``motcua stats demo``), so the feed can be tried with curl."""
    if await session.scalar(select(FeedClient.id).where(FeedClient.name == DEMO_CLIENT)):
        return
    session.add(
        FeedClient(
            name=DEMO_CLIENT,
            province_code=DEMO_PROVINCE,
            token_sha256=_digest(DEMO_TOKEN),
            created_at=clock.now(),
        )
    )
    await session.flush()


async def revoke_client(session: AsyncSession, name: str) -> None:
    client = await session.scalar(select(FeedClient).where(FeedClient.name == name))
    if client is None:
        raise NotFound(f"Không có bên nhận tên {name}.", code="unknown-client")
    client.revoked_at = clock.now()


async def authenticate(session: AsyncSession, authorization: str | None) -> Client:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("The feed needs a client token: Authorization: Bearer <token>.")
    if token.strip() == DEMO_TOKEN and not get_settings().demo:
        raise Unauthenticated("The demo's public feed token is refused here.", code="bad-token")
    row = await session.scalar(
        select(FeedClient).where(
            FeedClient.token_sha256 == _digest(token.strip()), FeedClient.revoked_at.is_(None)
        )
    )
    if row is None:
        raise Unauthenticated("Unknown or revoked feed token.", code="bad-token")
    return Client(row.name, row.province_code)


def scope(client: Client, province: str | None) -> str:
    """The province a request reads: its own for a provincial client."""
    if province is None:
        if client.province_code == NATIONAL:
            raise Invalid("A national client names the province it reads.", parameter="province")
        return client.province_code
    if not client.covers(province):
        raise Forbidden("This client reads only its own province.", code="other-province")
    return province


# --- cursors ---------------------------------------------------------------------------------


def _key() -> bytes:
    secret = get_settings().session_key.encode()
    return hmac.new(secret, b"motcua stats feed cursor", hashlib.sha256).digest()


def _sign(payload: dict[str, Any]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode())
    mac = hmac.new(_key(), body, hashlib.sha256).hexdigest()[:32]
    return f"{body.decode().rstrip('=')}.{mac}"


def _open(cursor: str, kind: str, client: Client, province: str) -> dict[str, Any]:
    body, _, mac = cursor.partition(".")
    padded = body + "=" * (-len(body) % 4)
    expected = hmac.new(_key(), padded.encode(), hashlib.sha256).hexdigest()[:32]
    if not mac or not hmac.compare_digest(mac, expected):
        raise Invalid(
            "The cursor is not one this feed issued.", code="bad-cursor", parameter="cursor"
        )
    payload = cast(dict[str, Any], json.loads(base64.urlsafe_b64decode(padded)))
    if payload.get("k") != kind or payload.get("c") != client.name or payload.get("p") != province:
        raise Invalid(
            "The cursor belongs to another feed, client or province.",
            code="bad-cursor",
            parameter="cursor",
        )
    return payload


# --- statistics ------------------------------------------------------------------------------


async def statistics_changes(
    session: AsyncSession, client: Client, province: str | None, cursor: str | None, limit: int
) -> dict[str, Any]:
    """The roll-up rows of the province changed since the cursor, oldest change first, and the
    cursor to ask with next. ``cursor`` None: every row (the first load)."""
    province = scope(client, province)
    epoch = await repository.cursor(session, FEED_EPOCH)
    after: list[Any] = [-1, "", -1, "", ""]  # revision, day, agency id, procedure, channel
    if cursor is not None:
        position = _open(cursor, "statistics", client, province)
        if position["e"] != epoch:
            raise Gone("The statistics were rebuilt: load them again from the export.")
        if position["r"][0] > await repository.cursor(session, FEED_REVISION):
            raise Conflict("The cursor is ahead of this platform's data.", code="cursor-ahead")
        after = list(position["r"])
    day = date.fromisoformat(after[1]) if after[1] else date.min
    rows = (
        (
            await session.execute(
                select(DAILY)
                .where(
                    DAILY.c.province_code == province,
                    tuple_(*ORDER) > tuple_(after[0], day, *after[2:]),
                )
                .order_by(*ORDER)
                .limit(limit)
            )
        )
        .mappings()
        .all()
    )
    if rows:
        end = rows[-1]
        after = [end["revision"], end["day"].isoformat(), end["agency_id"]]
        after += [end["procedure_code"], end["channel"]]
    signed = {"k": "statistics", "c": client.name, "p": province, "e": epoch, "r": after}
    return {
        "province": province,
        "items": [_statistics_row(row) for row in rows],
        "cursor": _sign(signed),
        "more": len(rows) == limit,
    }


def _statistics_row(row: Any) -> dict[str, Any]:
    return {
        "day": row["day"].isoformat(),
        "agency_id": row["agency_id"],
        "procedure": row["procedure_code"],
        "channel": row["channel"],
        "commune": row["commune_code"] or None,
        "essential": bool(row["essential"]),
        "revision": row["revision"],
        **{name: int(row[name]) for name in COUNTERS},
    }


# --- monitoring ------------------------------------------------------------------------------


async def monitoring_changes(
    session: AsyncSession, client: Client, province: str | None, cursor: str | None, limit: int
) -> dict[str, Any]:
    """The day snapshots of the province's units changed since the cursor (by report)."""
    province = scope(client, province)
    after = 0
    settled = int(
        await session.scalar(
            select(func.max(Report.id)).where(Report.submitted_at <= clock.now() - SETTLE)
        )
        or 0
    )
    if cursor is not None:
        after = int(_open(cursor, "monitoring", client, province)["r"])
        newest = int(await session.scalar(select(func.max(Report.id))) or 0)
        if after > newest:
            raise Conflict("The cursor is ahead of this platform's data.", code="cursor-ahead")
    rows = (
        await session.scalars(
            select(UnitDay)
            .where(
                UnitDay.province_code == province,
                and_(UnitDay.latest_report_id > after, UnitDay.latest_report_id <= settled),
            )
            .order_by(UnitDay.latest_report_id)
            .limit(limit)
        )
    ).all()
    items = [
        {
            "day": row.day.isoformat(),
            "agency_id": row.agency_id,
            "level": row.level.value,
            "report": row.latest_report_id,
            "status": row.latest_status,
            "status_at_cutoff": row.cutoff_status,
            "on_time": row.on_time,
            "first_submitted_at": row.first_submitted_at.isoformat(),
            "tasks": {"green": row.n_green, "yellow": row.n_yellow, "red": row.n_red},
        }
        for row in rows
    ]
    last = rows[-1].latest_report_id if rows else after
    next_cursor = _sign({"k": "monitoring", "c": client.name, "p": province, "r": last})
    return {"province": province, "items": items, "cursor": next_cursor, "more": len(rows) == limit}


# --- exports ---------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "day", "province", "commune", "agency", "procedure", "channel", "essential", *COUNTERS,
)  # fmt: skip


async def export_rows(
    session: AsyncSession, province: str, start: date, end: date
) -> list[list[Any]]:
    """The province's roll-up rows received in [start, end], one list per row in
    ``EXPORT_COLUMNS`` order, with agency codes rather than internal ids."""
    agencies = await repository.agency_codes_of_province(session, province)
    rows = (
        await session.execute(
            select(DAILY)
            .where(DAILY.c.province_code == province, DAILY.c.day >= start, DAILY.c.day <= end)
            .order_by(DAILY.c.day, DAILY.c.agency_id, DAILY.c.procedure_code, DAILY.c.channel)
        )
    ).mappings()
    return [
        [
            row["day"].isoformat(),
            province,
            row["commune_code"] or "",
            agencies.get(row["agency_id"], ""),
            row["procedure_code"],
            row["channel"],
            bool(row["essential"]),
            *(int(row[name]) for name in COUNTERS),
        ]
        for row in rows
    ]


def csv_lines(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Iterator[bytes]:
    """CSV in chunks of a thousand rows (UTF-8 with a BOM, which Excel needs), so a large
    export is sent while it is written."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(columns)
    for start in range(0, len(rows), 1000):
        writer.writerows(rows[start : start + 1000])
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()
