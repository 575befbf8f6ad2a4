"""What an operator sees of a running platform: one request id per request (sent on to the
registries as ``X-Road-Id``), structured JSON logs carrying it, and Prometheus metrics.

Metrics are aggregated over the web worker processes (prometheus-client's multiprocess mode)
when ``PROMETHEUS_MULTIPROC_DIR`` is set before they start, as ``motcua serve --workers N`` does;
within one process (tests, the demo) the default registry serves them. What the outbox worker
does is read from the database at scrape time (``core.health``), so it needs no such sharing.
"""

import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-Id"
# A caller's own id is kept when it is short and plain (a proxy's, a load balancer's), so one
# journey can be followed through every hop; anything else is replaced.
_ACCEPTED_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")

# Decided when prometheus-client is first imported, as the library itself decides.
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

request_id: ContextVar[str | None] = ContextVar("motcua_request_id", default=None)
# Told each request's id once it is known (``core.tracing`` puts it on the request's span).
request_id_listeners: list[Callable[[str], None]] = []

REQUEST_SECONDS = Histogram(
    "motcua_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
REGISTRY_SECONDS = Histogram(
    "motcua_registry_read_duration_seconds",
    "Time of one read from a national registry, by registry and outcome.",
    ["registry", "outcome"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5),
)
REGISTRY_FAILURES = Counter(
    "motcua_registry_failures_total",
    "Registry reads that failed, by registry and reason (timeout, circuit-open, http-5xx...).",
    ["registry", "reason"],
)

REPORTS_STORED = Counter(
    "motcua_monitoring_reports_total",
    "Monitoring reports stored, by channel (page, api, csv...): rate() over 1h is the rush.",
    ["source"],
)


def read_id() -> str:
    """The id of one registry read: the request's id with a suffix, so every read of a request
    is found by the request id in the registries' logs while each message keeps its own id."""
    current = request_id.get()
    suffix = uuid.uuid4().hex[:12]
    return f"{current}.{suffix}" if current else str(uuid.uuid4())


def _route_of(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    # Mounted applications (static files, sandboxes) and unmatched paths: their first segment
    # only, so the label set stays bounded whatever addresses are asked.
    first = str(scope.get("path", "/")).split("/")[1:2]
    return f"/{first[0]}/*" if first and first[0] in {"static", "sandbox"} else "unmatched"


class RequestContext:
    """ASGI middleware: gives every HTTP request its id (answered in ``X-Request-Id``) and
    records its duration by route template."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _ACCEPTED_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        for listener in request_id_listeners:
            listener(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_SECONDS.labels(
                scope.get("method", ""), _route_of(scope), f"{status // 100}xx"
            ).observe(time.perf_counter() - started)
            request_id.reset(token)


# --- logs ------------------------------------------------------------------------------------

# The record's own attributes, and uvicorn's copy of the message with terminal colours.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "color_message",
}


class JsonFormatter(logging.Formatter):
    """One JSON object per line, one schema: time (UTC, ISO 8601), level, logger, message,
    request_id, and any ``extra=`` fields the call passed; exceptions as text."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id.get(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_config(fmt: str, level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the platform and uvicorn alike: JSON lines with
    ``fmt="json"`` (production), uvicorn's usual text otherwise."""
    formatter = (
        {"()": "motcua.core.observability.JsonFormatter"}
        if fmt == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    )
    handler = {"class": "logging.StreamHandler", "formatter": "main", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "handlers": {"main": handler},
        "root": {"handlers": ["main"], "level": level},
        "loggers": {
            name: {"handlers": ["main"], "level": level, "propagate": False}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }
