"""Slow fault tests (``make test-slow``): a fresh PostgreSQL database per run on the server the
suite uses (``MOTCUA_SLOW_POSTGRES``), dropped at the end; the figures each test measures are
printed and written to ``MOTCUA_SLOW_REPORT`` when set."""

import json
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url

SERVER = os.environ.get("MOTCUA_SLOW_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1:5432")


async def drop_database(url: str) -> None:
    parsed = make_url(url)
    admin = await asyncpg.connect(
        host=parsed.host, port=parsed.port or 5432, user=parsed.username, database="postgres"
    )
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="module")
async def database_name() -> AsyncIterator[str]:
    """A fresh database's URL on the shared server (created by the test that uses it)."""
    url = f"{SERVER}/motcua_slow_{uuid.uuid4().hex[:10]}"
    yield url
    await drop_database(url)


def report(name: str, figures: dict[str, Any]) -> None:
    """The figures a test measured: printed, and appended to MOTCUA_SLOW_REPORT as JSON lines."""
    line = json.dumps({"test": name, **figures}, ensure_ascii=False, default=str)
    print(line)
    target = os.environ.get("MOTCUA_SLOW_REPORT")
    if target:
        with Path(target).open("a", encoding="utf-8") as out:
            out.write(line + "\n")
