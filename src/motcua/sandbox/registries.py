"""The sandbox registries as a real HTTP service speaking both protocols of the exchange.

- direct: ``GET /direct/{registry}/{service}/records?subject=...`` with
  ``Authorization: Bearer <client credential>``;
- X-Road REST: ``GET /r1/{instance}/{class}/{member}/{subsystem}/{service}/records?subject=...``
  with ``X-Road-Client`` and ``X-Road-Id`` (echoed back, as a security server does).

Fault switches per registry (``PUT /_faults/{registry}``) make it misbehave on purpose: latency,
error rate, outage, garbage, HTML, wrong schema, stall, connection reset. Registries also
publish signed events behind a cursor (``GET /events/{registry}``, ``sandbox.events``).
Mount it in the demo app under ``/sandbox/registries`` or run it alone
(``motcua sandbox registries --port N``).
"""

import asyncio
import os
import random
import re
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


@dataclass
class SandboxState:
    population: Population | None  # generated on first use, so mounting the app costs nothing
    credential: str = DEFAULT_CREDENTIAL
    faults: dict[str, Faults] = field(default_factory=dict)
    rng: random.Random = field(default_factory=lambda: random.Random(7))
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
    population: Population | None = None, credential: str | None = None
) -> FastAPI:
    state = SandboxState(
        population,
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
        faults = state.faults.get(registry, Faults())
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
        return state.faults

    @app.put("/_faults/{registry}")
    async def set_faults(registry: str, body: Faults) -> Faults:
        if registry not in SERVICES:
            raise HTTPException(404, f"no registry {registry}")
        state.faults[registry] = body
        return body

    @app.delete("/_faults")
    async def clear_faults() -> dict[str, str]:
        state.faults.clear()
        return {"status": "cleared"}

    @app.get("/_personas")
    async def personas(request: Request) -> list[dict[str, Any]]:
        return [{"personal_id": p.personal_id, "name": p.name, "case": p.case} for p in PERSONAS]

    # What happened, signed, behind a cursor (``sandbox.events``).
    state.feed = add_event_routes(app, state.people, lambda: state.credential)
    return app
