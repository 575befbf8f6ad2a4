"""schemathesis over every operation of the OpenAPI document, against the app served in its own
process: generated parameters and bodies, a bounded number of examples per operation, as nobody
and as each role (citizen, one-stop officer, handling officer, approver, provincial monitor,
system administrator). No answer may be a 5xx (invariant 7) and every answer must conform to the
schema the operation declares.

The server runs on its own copy of the seeded test database (a file copy on SQLite, a template
copy on PostgreSQL): signed-in fuzzing writes drafts, uploads and reports, and none of it may
reach the other tests."""

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from motcua.core.database import dispose_autocommit_pools, make_engine
from motcua.identity import service as identity
from motcua.identity.citizens import SESSION_COOKIE
from motcua.identity.models import Role
from motcua.units.models import Agency, AgencyKind, AgencyLevel
from tests.identity.helpers import citizen_cookie
from tests.served import served

ANONYMOUS_EXAMPLES = 4
ROLE_EXAMPLES = 1  # per operation and role: ~100 requests per role
CITIZEN = "001084000777"  # synthetic
PASSWORD = "mat-khau-thu-nghiem"
OFFICERS = {
    "one_stop": (AgencyLevel.commune, Role.receiving_officer),
    "handling": (AgencyLevel.commune, Role.handling_officer),
    "approver": (AgencyLevel.commune, Role.approver),
    "monitor": (AgencyLevel.province, Role.provincial_monitor),
    "admin": (AgencyLevel.province, Role.system_admin),
}
CHECKS = [not_a_server_error, response_schema_conformance]


# What the fuzzing found answering 500, each now a 422 naming the parameter.
FOUND = [("/api/v1/stats/index?month=0000-01", "month")]


async def test_what_the_fuzzing_found_is_refused_in_words(client: httpx.AsyncClient) -> None:
    for url, parameter in FOUND:
        response = await client.get(url)
        assert response.status_code == 422, (url, response.text[:200])
        assert parameter in [e["parameter"] for e in response.json()["errors"]]


def _copy_sqlite(source: str, target: Path) -> str:
    with sqlite3.connect(make_url(source).database or "") as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return f"sqlite+aiosqlite:///{target}"


async def _copy_postgres(source: str, engine: AsyncEngine) -> str:
    """CREATE DATABASE … TEMPLATE needs the source idle: the test pools are closed first (they
    reopen by themselves on the next use)."""
    await engine.dispose()
    await dispose_autocommit_pools()
    url = make_url(source)
    copy = f"{url.database}_fuzz"
    admin = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, database="postgres"
    )
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        try:
            await admin.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{url.database}"')
        except asyncpg.ObjectInUseError:  # a connection some earlier test left open
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()",
                url.database,
            )
            await admin.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{url.database}"')
    finally:
        await admin.close()
    return url.set(database=copy).render_as_string(hide_password=False)


async def _credentials(url: str) -> dict[str, dict[str, str]]:
    """Officers of every fuzzed role in one commune and its province, and a citizen session."""
    engine = make_engine(url)
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    async with AsyncSession(engine) as session, session.begin():
        commune = await session.scalar(
            select(Agency)
            .where(Agency.level == AgencyLevel.commune, Agency.kind != AgencyKind.service_centre)
            .order_by(Agency.code)
            .limit(1)
        )
        assert commune is not None
        province = await session.get(Agency, commune.parent_id)
        assert province is not None
        for name, (level, role) in OFFICERS.items():
            agency = commune if level == AgencyLevel.commune else province
            await identity.create_officer(
                session,
                username=f"fuzz_{name}",
                full_name=f"Cán bộ {name} (dữ liệu tổng hợp)",
                agency_code=agency.code,
                role=role,
                password=PASSWORD,
                personal_id=f"00109000{len(headers):04d}",
            )
            token, _ = await identity.issue_token(session, f"fuzz_{name}", PASSWORD)
            headers[name] = {"Authorization": f"Bearer {token}"}
    await engine.dispose()
    headers["citizen"] = {"Cookie": f"{SESSION_COOKIE}={citizen_cookie(CITIZEN)}"}
    return headers


@pytest.fixture(scope="module")
def fuzzed(
    engine: AsyncEngine, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, dict[str, str]]]]:
    """The app in its own process on a copy of the seeded database; each role's credentials."""
    loop = asyncio.new_event_loop()
    try:
        if database_url.startswith("postgresql"):
            url = loop.run_until_complete(_copy_postgres(database_url, engine))
        else:
            url = _copy_sqlite(database_url, tmp_path_factory.mktemp("fuzz") / "fuzz.db")
        headers = loop.run_until_complete(_credentials(url))
    finally:
        loop.close()
    storage = tmp_path_factory.mktemp("fuzz-storage")
    env = {"MOTCUA_DATABASE_URL": url, "MOTCUA_STORAGE_DIR": str(storage)}
    with served(env) as base:
        yield base, headers


def _probe(server: str, headers: dict[str, str], examples: int) -> tuple[int, list[str]]:
    schema = schemathesis.openapi.from_url(f"{server}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 70
    failures: list[str] = []
    calls = 0
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
        def probe(case: Any) -> None:
            nonlocal calls
            calls += 1
            response = case.call(base_url=server, headers=headers, timeout=30)
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as failure:  # collected: every operation is probed
                failures.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: "
                    f"{str(failure)[:300]}"
                )

        probe()
    assert calls >= len(operations)  # generated examples were sent, not skipped
    return calls, failures


def test_no_operation_answers_a_server_error_to_anyone(
    fuzzed: tuple[str, dict[str, dict[str, str]]],
) -> None:
    server, _ = fuzzed
    _, failures = _probe(server, {}, ANONYMOUS_EXAMPLES)
    assert not failures, failures


@pytest.mark.parametrize("role", ["citizen", *OFFICERS])
def test_no_operation_answers_a_server_error_to_a_signed_in_role(
    fuzzed: tuple[str, dict[str, dict[str, str]]], role: str
) -> None:
    server, headers = fuzzed
    _, failures = _probe(server, headers[role], ROLE_EXAMPLES)
    assert not failures, failures
