"""What an operator relies on: liveness and readiness, the metrics a scraper reads, one request
id per request carried to the registries, and JSON log lines that carry it."""

import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import outbox
from motcua.core.observability import JsonFormatter, read_id, request_id
from motcua.core.settings import get_settings


@pytest.fixture
def production_metrics(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("MOTCUA_METRICS_TOKEN", "scraper-token-for-tests")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def test_liveness_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    body = ready.json()
    assert ready.status_code == 200, body
    assert body["status"] == "ready"
    assert body["checks"] == {"database": "ok", "storage": "ok"}
    assert isinstance(body["registries"], dict)  # the breakers, reported, never deciding


async def test_unreachable_storage_makes_the_process_unready(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, tmp_path: pytest.TempPathFactory
) -> None:
    blocked = tmp_path / "a-file"  # type: ignore[operator]
    blocked.write_text("not a folder")
    monkeypatch.setenv("MOTCUA_STORAGE_DIR", str(blocked))
    get_settings.cache_clear()
    try:
        ready = await client.get("/readyz")
    finally:
        get_settings.cache_clear()
    assert ready.status_code == 503
    assert ready.json()["checks"]["storage"].startswith("failed")
    assert ready.json()["checks"]["database"] == "ok"


async def test_metrics_count_requests_by_route_and_read_the_outbox(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await client.get("/api/v1/procedures", params={"q": "khai sinh"})
    await outbox.enqueue(session, "metrics.test", {"n": 1})
    await session.flush()
    scraped = await client.get("/metrics")
    assert scraped.status_code == 200
    text = scraped.text
    counted = 'method="GET",route="/api/v1/procedures",status="2xx"'
    assert f"motcua_http_request_duration_seconds_count{{{counted}}}" in text
    assert 'motcua_outbox_pending_messages{topic="metrics.test"} 1.0' in text
    assert 'motcua_outbox_oldest_pending_age_seconds{topic="metrics.test"}' in text
    # Unmatched addresses share one label: a scanner cannot grow the label set.
    await client.get("/no/such/address/12345")
    assert 'route="unmatched"' in (await client.get("/metrics")).text


@pytest.mark.usefixtures("production_metrics")
async def test_metrics_need_the_token_once_one_is_set(client: httpx.AsyncClient) -> None:
    assert (await client.get("/metrics")).status_code == 404
    wrong = {"Authorization": "Bearer guessed"}
    assert (await client.get("/metrics", headers=wrong)).status_code == 404
    right = {"Authorization": "Bearer scraper-token-for-tests"}
    assert (await client.get("/metrics", headers=right)).status_code == 200


async def test_every_answer_names_its_request(client: httpx.AsyncClient) -> None:
    own = await client.get("/healthz")
    assert len(own.headers["x-request-id"]) == 32
    kept = await client.get("/healthz", headers={"X-Request-Id": "proxy-1234-abcd"})
    assert kept.headers["x-request-id"] == "proxy-1234-abcd"
    replaced = await client.get("/healthz", headers={"X-Request-Id": "bad id\twith space"})
    assert replaced.headers["x-request-id"] != "bad id\twith space"
    assert (await client.get("/no-such-page")).headers["x-request-id"]


def test_registry_reads_carry_the_request_id() -> None:
    token = request_id.set("0123456789abcdef0123456789abcdef")
    try:
        first, second = read_id(), read_id()
    finally:
        request_id.reset(token)
    assert first.startswith("0123456789abcdef0123456789abcdef.") and first != second
    assert len(read_id()) == 36  # outside a request: a fresh UUID


def test_json_log_lines_have_one_schema() -> None:
    record = logging.LogRecord("motcua.test", logging.WARNING, "", 1, "đã %s", ("xong",), None)
    record.dossier = "G01.001"
    token = request_id.set("req-42-abcdef")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id.reset(token)
    assert line["message"] == "đã xong" and line["level"] == "warning"
    assert line["request_id"] == "req-42-abcdef" and line["dossier"] == "G01.001"
    assert line["logger"] == "motcua.test" and line["time"].endswith("+00:00")
