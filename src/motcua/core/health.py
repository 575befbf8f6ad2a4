"""Liveness, readiness and metrics for operators and their orchestrators.

``/healthz`` answers while the process runs (restart it when it does not); ``/readyz`` says
whether this process can serve (database, storage) and reports the registries' circuit breakers
without failing on them: a registry that is down makes the affected fetches wait or fail
cleanly, it does not make the platform unready. ``/metrics`` is the Prometheus text format.
"""

import asyncio
import secrets
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock
from motcua.core.database import RequestSession, get_replica_engine
from motcua.core.models import OutboxMessage
from motcua.core.observability import MULTIPROCESS
from motcua.core.settings import get_settings

router = APIRouter(tags=["operations"])
CHECK_SECONDS = 2.0


@router.get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _database(session: AsyncSession) -> str:
    await session.execute(text("SELECT 1"))
    return "ok"


async def _replica() -> str:
    """The replica's replay lag: time since the last transaction it replayed (0 when idle)."""
    engine = get_replica_engine()
    assert engine is not None
    async with engine.connect() as connection:
        lag = await connection.scalar(
            text(
                "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
                "ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END"
            )
        )
    return f"ok, {float(lag or 0):.1f} s behind"


async def _storage() -> str:
    settings = get_settings()
    if settings.storage != "file":
        return "ok"  # an object store is checked by its own client on first use
    folder = settings.storage_dir
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".ready-"):
        pass
    return "ok"


async def _check(probe: Awaitable[str]) -> str:
    try:
        async with asyncio.timeout(CHECK_SECONDS):
            return await probe
    except Exception as error:  # any failure makes the process unready, named by its kind
        return f"failed: {type(error).__name__}"


# What other modules add to the readiness answer without deciding it (the exchange module: its
# registries' circuit breakers in this process).
REPORTS: dict[str, Callable[[], dict[str, str]]] = {}


def reports(name: str, report: Callable[[], dict[str, str]]) -> None:
    REPORTS[name] = report


@router.get("/readyz", include_in_schema=False)
async def readyz(session: RequestSession) -> JSONResponse:
    checks = {"database": await _check(_database(session)), "storage": await _check(_storage())}
    ready = all(value == "ok" for value in checks.values())
    body = {"status": "ready" if ready else "unready", "checks": checks}
    body.update({name: report() for name, report in REPORTS.items()})
    if get_replica_engine() is not None:
        body["replica"] = await _check(_replica())  # reported, never deciding
    return JSONResponse(body, status_code=200 if ready else 503)


class OutboxCollector(Collector):
    """Outbox depth and age, and the messages retrying or given up, read from the database at
    scrape time (the truth across every worker process, whatever restarted)."""

    def __init__(self, rows: list[tuple[str, int, int, int, float]]) -> None:
        self.rows = rows

    def collect(self) -> Iterator[Metric]:
        pending = GaugeMetricFamily(
            "motcua_outbox_pending_messages", "Outbox messages not yet done.", labels=["topic"]
        )
        retrying = GaugeMetricFamily(
            "motcua_outbox_retrying_messages",
            "Pending outbox messages whose last attempt failed.",
            labels=["topic"],
        )
        dead = GaugeMetricFamily(
            "motcua_outbox_dead_messages", "Outbox messages given up on.", labels=["topic"]
        )
        age = GaugeMetricFamily(
            "motcua_outbox_oldest_pending_age_seconds",
            "Age of the oldest pending outbox message.",
            labels=["topic"],
        )
        for topic, n_pending, n_retrying, n_dead, oldest in self.rows:
            pending.add_metric([topic], n_pending)
            retrying.add_metric([topic], n_retrying)
            dead.add_metric([topic], n_dead)
            age.add_metric([topic], oldest)
        yield from (pending, retrying, dead, age)


async def _outbox_rows(session: AsyncSession) -> list[tuple[str, int, int, int, float]]:
    now = clock.now()
    open_ = OutboxMessage.done_at.is_(None) & OutboxMessage.dead_at.is_(None)
    query = select(
        OutboxMessage.topic,
        func.count().filter(open_),
        func.count().filter(open_ & (OutboxMessage.attempts > 0)),
        func.count().filter(OutboxMessage.dead_at.is_not(None)),
        func.min(OutboxMessage.created_at).filter(open_),
    ).group_by(OutboxMessage.topic)
    rows = (await session.execute(query)).all()
    return [
        (topic, n_pending, n_retry, n_dead, _age(now, oldest))
        for topic, n_pending, n_retry, n_dead, oldest in rows
    ]


def _age(now: datetime, oldest: datetime | None) -> float:
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:  # SQLite hands back naive UTC
        oldest = oldest.replace(tzinfo=now.tzinfo)
    return max(timedelta(0), now - oldest).total_seconds()


def _allowed(request: Request) -> bool:
    settings = get_settings()
    token = settings.metrics_token
    if token is None:
        return settings.demo
    given = request.headers.get("authorization", "")
    return secrets.compare_digest(given.encode(), f"Bearer {token.get_secret_value()}".encode())


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request, session: RequestSession) -> Response:
    if not _allowed(request):
        return JSONResponse({"code": "http-404", "message": "Không có trang này."}, 404)
    if MULTIPROCESS:
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)  # type: ignore[no-untyped-call]
        body = generate_latest(processes)
    else:
        body = generate_latest(REGISTRY)
    database = CollectorRegistry()
    database.register(OutboxCollector(await _outbox_rows(session)))
    body += generate_latest(database)
    return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")
