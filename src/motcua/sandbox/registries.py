"""The sandbox registries as a real HTTP service speaking both protocols of the exchange.

- direct: ``GET /direct/{registry}/{service}/records?subject=...`` with
  ``Authorization: Bearer <client credential>``;
- X-Road REST: ``GET /r1/{instance}/{class}/{member}/{subsystem}/{service}/records?subject=...``
  with ``X-Road-Client`` and ``X-Road-Id`` (echoed back, as a security server does).

Fault switches per registry (``PUT /_faults/{registry}``) make it misbehave on purpose: latency,
error rate, outage, garbage, HTML, wrong schema, stall, connection reset. They live in a small
SQLite database of the sandbox's own (``FaultSwitches``), read at every call, so a switch set
through one worker process holds for every process serving the sandbox (invariant 10). The
sandbox stands for the outside world: its state is kept apart from the platform's tables.
Registries also publish signed events behind a cursor (``GET /events/{registry}``,
``sandbox.events``).
Mount it in the demo app under ``/sandbox/registries`` or run it alone
(``motcua sandbox registries --port N``).
"""

import asyncio
import os
import random
import re
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.types import Receive, Scope, Send

from motcua.sandbox.events import Feed, add_event_routes
from motcua.sandbox.personas import PERSONAS
from motcua.sandbox.population import SYNTHETIC_NOTE, Population, generate
from motcua.sandbox.records import SERVICES

DEFAULT_CREDENTIAL = "sandbox-credential"
DEFAULT_PEOPLE = 2000
SUBJECT = re.compile(r"\d{12}")


class Faults(BaseModel):
    """How one registry misbehaves; all off by default."""

    latency_ms: int = Field(0, ge=0, le=120_000)
    error_rate: float = Field(0.0, ge=0.0, le=1.0)
    outage: bool = False
    garbage: bool = False
    html: bool = False
    wrong_schema: bool = False
    stall_s: float = Field(0.0, ge=0.0, le=600.0, description="Sleep this long, then answer.")
    reset: bool = False


class FaultSwitches:
    """Every registry's switches in one SQLite file (WAL: readers never wait for the writer),
    shared by the processes that serve the sandbox. One connection per thread; a read is one
    indexed row, about as cheap as the dictionary it replaces."""

    def __init__(self, path: Path) -> None:
        self.path = path  # opened at the first call: mounting the sandbox writes nothing
        self._local = threading.local()

    def _db(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS faults "
                "(registry TEXT PRIMARY KEY, switches TEXT NOT NULL)"
            )
            self._local.connection = connection
        return connection

    def get(self, registry: str) -> Faults:
        row = (
            self._db()
            .execute("SELECT switches FROM faults WHERE registry = ?", (registry,))
            .fetchone()
        )
        return Faults() if row is None else Faults.model_validate_json(row[0])

    def all(self) -> dict[str, Faults]:
        rows = self._db().execute("SELECT registry, switches FROM faults ORDER BY registry")
        return {registry: Faults.model_validate_json(switches) for registry, switches in rows}

    def set(self, registry: str, faults: Faults) -> None:
        self._db().execute(
            "INSERT INTO faults (registry, switches) VALUES (?, ?) "
            "ON CONFLICT (registry) DO UPDATE SET switches = excluded.switches",
            (registry, faults.model_dump_json()),
        )

    def clear(self) -> None:
        self._db().execute("DELETE FROM faults")


def default_switches_path() -> Path:
    """Beside the sandbox e-ID's shared state, under the storage folder."""
    from motcua.core.settings import get_settings

    return get_settings().storage_dir / "sandbox-registries" / "faults.sqlite3"


@dataclass
class SandboxState:
    population: Population | None  # generated on first use, so mounting the app costs nothing
    switches: FaultSwitches
    credential: str = DEFAULT_CREDENTIAL
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    # Calls answered by this process, for tests that count them; nothing depends on it.
    calls: dict[str, int] = field(default_factory=dict)
    loading: asyncio.Lock = field(default_factory=asyncio.Lock)
    feed: Feed | None = None

    async def people(self) -> Population:
        """The population, generated once: concurrent first requests wait for the same one
        instead of each generating its own (which held the interpreter for seconds)."""
        async with self.loading:
            if self.population is None:
                self.population = await asyncio.to_thread(default_population)
        return self.population


class _DroppedConnection(Response):
    """Promise a body, send half of it, then fail: the server drops the connection mid-answer."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"1000")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"records": [', "more_body": True})
        raise ConnectionResetError("sandbox fault: connection reset")


def default_population() -> Population:
    """From ``MOTCUA_SANDBOX_POPULATION`` (a file from ``motcua sandbox generate``) or generated."""
    path = os.environ.get("MOTCUA_SANDBOX_POPULATION")
    if path:
        return Population.load(Path(path))
    return generate(int(os.environ.get("MOTCUA_SANDBOX_PEOPLE", DEFAULT_PEOPLE)), seed=1)


def _only(records: list[dict[str, Any]], fields: str | None) -> list[dict[str, Any]]:
    """A registry that honours field minimisation answers only the fields it was asked for."""
    if not fields:
        return records
    wanted = set(fields.split(","))
    return [{**r, "fields": {k: v for k, v in r["fields"].items() if k in wanted}} for r in records]


def create_sandbox_app(
    population: Population | None = None,
    credential: str | None = None,
    switches: Path | None = None,
) -> FastAPI:
    """``switches``: the file holding the fault switches; every app given the same file (each
    process of one server) shares them."""
    state = SandboxState(
        population,
        FaultSwitches(switches or default_switches_path()),
        credential or os.environ.get("MOTCUA_SANDBOX_CREDENTIAL", DEFAULT_CREDENTIAL),
    )
    app = FastAPI(title="motcua sandbox registries (synthetic data)", docs_url="/docs")
    app.state.sandbox = state

    async def answer(
        registry: str, service: str, subject: str, fields: str | None = None
    ) -> Response:
        lookup = SERVICES.get(registry, {}).get(service)
        if lookup is None:
            raise HTTPException(404, f"no service {registry}/{service}")
        state.calls[registry] = state.calls.get(registry, 0) + 1
        population = state.population or await state.people()
        faults = state.switches.get(registry)
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        if faults.stall_s:
            await asyncio.sleep(faults.stall_s)
        if faults.outage:
            return JSONResponse({"error": "service unavailable"}, status_code=503)
        if faults.error_rate and state.rng.random() < faults.error_rate:
            return JSONResponse({"error": "internal error"}, status_code=500)
        if faults.reset:
            return _DroppedConnection()
        if faults.garbage:
            return Response(bytes(range(256)) * 4, media_type="application/json")
        if faults.html:
            return HTMLResponse("<html><body><h1>502 Bad Gateway</h1></body></html>")
        if faults.wrong_schema:
            return JSONResponse({"result": "OK", "data": [{"name": 1}]})
        return JSONResponse(
            {
                "registry": registry,
                "service": service,
                "synthetic": SYNTHETIC_NOTE,
                "records": _only(lookup(population, subject), fields),
            }
        )

    def bad_subject(request: Request) -> JSONResponse | None:
        if SUBJECT.fullmatch(request.query_params.get("subject", "")):
            return None
        return JSONResponse({"error": "subject must be a 12-digit personal number"}, 422)

    # The two record routes are plain Starlette endpoints: FastAPI's per-request dependency and
    # validation machinery doubled the sandbox's CPU per read, which a load test on one machine
    # pays next to the platform it measures. The control routes below keep FastAPI.
    async def direct(request: Request) -> Response:
        if (refused := bad_subject(request)) is not None:
            return refused
        if request.headers.get("authorization") != f"Bearer {state.credential}":
            return JSONResponse({"error": "bad client credential"}, status_code=401)
        path = request.path_params
        query = request.query_params
        return await answer(
            path["registry"], path["service"], query["subject"], query.get("fields")
        )

    async def xroad(request: Request) -> Response:
        if (refused := bad_subject(request)) is not None:
            return refused
        x_road_client = request.headers.get("x-road-client")
        x_road_id = request.headers.get("x-road-id")
        if not x_road_client or not x_road_id:
            return JSONResponse({"error": "X-Road-Client and X-Road-Id required"}, 400)
        path = request.path_params
        query = request.query_params
        response = await answer(
            path["subsystem"], path["service"], query["subject"], query.get("fields")
        )
        response.headers["X-Road-Id"] = x_road_id
        response.headers["X-Road-Request-Id"] = x_road_id
        return response

    app.add_route("/direct/{registry}/{service}/records", direct, methods=["GET"])
    app.add_route(
        "/r1/{instance}/{member_class}/{member}/{subsystem}/{service}/records",
        xroad,
        methods=["GET"],
    )

    @app.get("/_faults")
    async def faults() -> dict[str, Faults]:
        return state.switches.all()

    @app.put("/_faults/{registry}")
    async def set_faults(registry: str, body: Faults) -> Faults:
        if registry not in SERVICES:
            raise HTTPException(404, f"no registry {registry}")
        state.switches.set(registry, body)
        return body

    @app.delete("/_faults")
    async def clear_faults() -> dict[str, str]:
        state.switches.clear()
        return {"status": "cleared"}

    @app.get("/_personas")
    async def personas(request: Request) -> list[dict[str, Any]]:
        return [{"personal_id": p.personal_id, "name": p.name, "case": p.case} for p in PERSONAS]

    # What happened, signed, behind a cursor (``sandbox.events``).
    state.feed = add_event_routes(app, state.people, lambda: state.credential)
    return app
