"""A database out of reach (stopped, restarting) answers 503 with Retry-After at once, on the API
and on pages, never a 500 or a hang; nothing is written. The same under load, with PostgreSQL
restarted for real, is tests/slow/test_database_restart.py."""

import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from motcua.app import create_app
from motcua.core.database import get_engine, get_sessionmaker
from motcua.core.settings import get_settings
from tests.identity.helpers import as_citizen
from tests.served import free_port

CACHED = (get_settings, get_engine, get_sessionmaker)


@pytest.fixture
async def unreachable(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    """The app configured for a PostgreSQL server on a loopback port where nothing listens."""
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/motcua"
    monkeypatch.setenv("MOTCUA_DATABASE_URL", url)
    for cached in CACHED:
        cached.cache_clear()
    transport = httpx.ASGITransport(app=create_app())
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://motcua.test") as client:
            yield client
    finally:
        await get_engine().dispose()
        for cached in CACHED:
            cached.cache_clear()


async def test_api_and_pages_answer_503_with_retry_after(unreachable: httpx.AsyncClient) -> None:
    began = time.monotonic()
    api = await unreachable.get("/api/v1/procedures", params={"q": "khai sinh"})
    assert api.status_code == 503
    assert api.headers["retry-after"] == "2"
    assert api.json()["code"] == "temporarily-unavailable"
    assert "thử lại" in api.json()["message"]
    page = await unreachable.get("/")
    assert page.status_code == 503 and page.headers["retry-after"] == "2"
    assert "text/html" in page.headers["content-type"] and "tạm gián đoạn" in page.text
    assert "thử lại" in page.text
    submitted = await unreachable.post(
        "/api/v1/dossiers",
        json={"procedure_code": "1.001193", "items": []},
        headers=as_citizen("001099000001") | {"Idempotency-Key": "unreachable-0001"},
    )
    assert submitted.status_code == 503  # the client keeps its key and sends again later
    assert time.monotonic() - began < 10  # refused at once, not after a driver's timeout


async def test_an_error_of_another_kind_is_not_called_unavailable() -> None:
    from sqlalchemy import exc

    from motcua.core.database import database_unavailable

    refused = ConnectionRefusedError(111, "Connect call failed")
    wrapped = exc.OperationalError("SELECT 1", {}, refused)
    assert database_unavailable(refused) and database_unavailable(wrapped)
    lost = exc.PendingRollbackError(
        "Can't reconnect until invalid transaction is rolled back.  Please rollback() fully"
    )
    assert database_unavailable(lost)
    flush = exc.PendingRollbackError("This Session's transaction has been rolled back due to a")
    assert not database_unavailable(flush)
    bad_sql = exc.ProgrammingError("SELEC 1", {}, ValueError("syntax error"))
    assert not database_unavailable(bad_sql)
    assert not database_unavailable(ValueError("not a connection problem"))
    # SQLite: another writer held the file past busy_timeout; the request may be tried again.
    locked = exc.OperationalError("UPDATE t", {}, sqlite3.OperationalError("database is locked"))
    assert database_unavailable(locked)
    assert not database_unavailable(sqlite3.OperationalError("no such table: t"))


def test_a_long_vietnamese_agency_name_gets_its_certificate(tmp_path: Path) -> None:
    """X.520 bounds a common name at 64 bytes of UTF-8; a service centre's name is longer."""
    from motcua.sandbox.pki import generate

    name = "Trung tâm Phục vụ hành chính công phường Thủ Dầu Một, Thành phố Hồ Chí Minh"
    [written] = generate(tmp_path, [("000.99.25747.P79", name)])
    assert written.exists() and len(name.encode()) > 64


async def test_readiness_says_unready_when_the_database_is_out_of_reach(
    unreachable: httpx.AsyncClient,
) -> None:
    """The probe an orchestrator reads: a 503 naming the failing check, liveness still 200."""
    ready = await unreachable.get("/readyz")
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "unready" and body["checks"]["database"].startswith("failed")
    assert body["checks"]["storage"] == "ok"
    assert (await unreachable.get("/healthz")).status_code == 200
