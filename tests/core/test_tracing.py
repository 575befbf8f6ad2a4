"""OpenTelemetry: off by default (none of its SDK, instrumentation or exporters imported), on
with MOTCUA_OTEL_ENABLED=1 (a span per request carrying the request id, with its SQL and
outbound calls as children).

Each case runs in its own interpreter: instrumentation patches process-wide classes (httpx's
transports), which must not leak into the other tests."""

import json
import os
import subprocess
import sys
from pathlib import Path

ENABLED = r"""
import asyncio, json, sys
import httpx
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)

from motcua.app import create_app

async def main():
    app = create_app()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        answer = await client.get("/readyz", headers={"X-Request-Id": "trace-test-0001"})
    # an outbound call over real HTTP (to a closed port): a client span of its own
    async with httpx.AsyncClient() as c:
        try:
            await c.get("http://127.0.0.1:9/")
        except httpx.ConnectError:
            pass
    spans = [
        {"name": s.name, "kind": s.kind.name, "attributes": dict(s.attributes or {}),
         "trace": s.context.trace_id, "parent": s.parent.span_id if s.parent else None}
        for s in exporter.get_finished_spans()
    ]
    print(json.dumps({"status": answer.status_code, "spans": spans}))

asyncio.run(main())
"""

DISABLED = r"""
import asyncio, json, sys
import httpx
from motcua.app import create_app

async def main():
    app = create_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        answer = await c.get("/readyz")
    # FastAPI itself imports the OpenTelemetry API (a no-op without an SDK): what tracing
    # brings is the SDK, the instrumentations and the exporters
    ours = ("opentelemetry.sdk", "opentelemetry.instrumentation", "opentelemetry.exporter")
    loaded = sorted(m for m in sys.modules if m.startswith(ours))
    from motcua.core import tracing
    print(json.dumps({"status": answer.status_code, "loaded": loaded,
                      "provider": tracing._provider is not None}))

asyncio.run(main())
"""


def _run(script: str, tmp_path: Path, enabled: bool) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MOTCUA_", "OTEL_"))}
    env |= {
        "MOTCUA_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'trace.db'}",
        "MOTCUA_STORAGE_DIR": str(tmp_path / "storage"),
        "MOTCUA_ENV": "demo",
    }
    if enabled:
        env["MOTCUA_OTEL_ENABLED"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_disabled_imports_nothing_of_opentelemetry(tmp_path: Path) -> None:
    result = _run(DISABLED, tmp_path, enabled=False)
    assert result["status"] == 200
    assert result["loaded"] == []
    assert result["provider"] is False


def test_enabled_a_request_produces_spans_with_its_request_id(tmp_path: Path) -> None:
    result = _run(ENABLED, tmp_path, enabled=True)
    assert result["status"] == 200
    spans = result["spans"]
    assert isinstance(spans, list)
    servers = [s for s in spans if s["kind"] == "SERVER"]
    ready = [s for s in servers if s["attributes"].get("motcua.request_id") == "trace-test-0001"]
    assert len(ready) == 1, servers
    assert ready[0]["attributes"].get("http.route") == "/readyz" or "/readyz" in ready[0]["name"]
    # the readiness check's SELECT 1 is a child span in the same trace
    statements = [s for s in spans if s["kind"] == "CLIENT" and s["trace"] == ready[0]["trace"]]
    assert any("SELECT" in s["name"] or "db.statement" in s["attributes"] for s in statements), (
        spans
    )
    # an outbound httpx call is traced as a client span of its own
    assert any(s["kind"] == "CLIENT" and s["name"] == "GET" for s in spans), spans
