"""The SQLite demo database under several people at once: requests that write begin as writers
(``BEGIN IMMEDIATE``) and wait their turn, so none fails with "database is locked" (a 500)."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, func, select, text

from motcua.app import create_app
from motcua.catalog import service as catalog
from motcua.catalog.formats import essential_services
from motcua.core.database import RequestSession, get_engine, get_sessionmaker, writes_on_read
from motcua.core.migrate import upgrade
from motcua.core.settings import get_settings
from motcua.exchange.models import Consent
from motcua.units import service as units
from tests.forms import token_from
from tests.identity.helpers import as_citizen

WRITERS = 8
PROCEDURE = "1.001193"  # Đăng ký khai sinh
PEOPLE = [f"0010990007{n:02d}" for n in range(WRITERS)]  # synthetic numbers of this test only


@pytest.fixture
async def demo(own_database: None) -> AsyncIterator[httpx.AsyncClient]:
    """A fresh SQLite file as ``motcua seed`` makes it, and the app on its real sessions."""
    url = get_settings().database_url
    assert url.startswith("sqlite")
    await asyncio.to_thread(upgrade, url)
    async with get_sessionmaker()() as session, session.begin():
        await units.load_units(session)
        await catalog.import_document(session, essential_services())
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://motcua.test") as client:
        yield client
    await get_engine().dispose()


async def test_eight_concurrent_writers_wait_instead_of_failing(
    demo: httpx.AsyncClient,
) -> None:
    start = f"/du-lieu/thu-tuc/{PROCEDURE}"
    people = [as_citizen(number) for number in PEOPLE]
    tokens = [await token_from(demo, start, headers) for headers in people]

    async def consent(headers: dict[str, str], token: str) -> httpx.Response:
        return await demo.post(start, data={"csrf_token": token}, headers=headers)

    for _ in range(3):  # every round, all at once
        answers = await asyncio.gather(
            *(consent(h, t) for h, t in zip(people, tokens, strict=True))
        )
        assert [a.status_code for a in answers] == [303] * WRITERS, [a.text for a in answers]
    async with get_sessionmaker()() as session:
        stored = await session.scalar(
            select(func.count()).select_from(Consent).where(Consent.actor_personal_id.in_(PEOPLE))
        )
    assert stored == 3 * WRITERS


async def test_reads_begin_as_readers_and_writes_as_writers(own_database: None) -> None:
    """What each transaction sends first: BEGIN for a page read (readers run side by side),
    BEGIN IMMEDIATE for a write and for a read marked as one that may write."""
    probe = FastAPI()

    @probe.get("/read")
    async def read(session: RequestSession) -> None:
        await session.execute(text("SELECT 1"))

    @probe.get("/pay")
    @writes_on_read
    async def pay(session: RequestSession) -> None:
        await session.execute(text("SELECT 1"))

    @probe.post("/write")
    async def write(session: RequestSession) -> None:
        await session.execute(text("SELECT 1"))

    sent: list[str] = []

    def record(_: object, __: object, statement: str, *args: object) -> None:
        if statement.startswith("BEGIN"):
            sent.append(statement)

    event.listen(get_engine().sync_engine, "before_cursor_execute", record)
    transport = httpx.ASGITransport(app=probe)
    async with httpx.AsyncClient(transport=transport, base_url="http://motcua.test") as client:
        assert (await client.get("/read")).status_code == 200
        assert (await client.get("/pay")).status_code == 200
        assert (await client.post("/write")).status_code == 200
    await get_engine().dispose()
    assert sent == ["BEGIN", "BEGIN IMMEDIATE", "BEGIN IMMEDIATE"]
