"""What the database-backed benchmarks start from: a new PostgreSQL database migrated, with the
administrative units and the 25 essential services (copied from a template database built
once), and (for those measuring an officer's
reads) a handling officer at the first commune with a bearer token."""

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib import resources

import yaml
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.bench.bulk import connect
from motcua.core.database import make_engine, recreate_postgres_database
from motcua.core.migrate import upgrade
from motcua.identity import service as identity
from motcua.identity.models import Role
from motcua.units.models import Agency, AgencyKind, AgencyLevel

TEMPLATE = "motcua_bench_reference"
VERSION = "reference-v1"  # change when what the template holds changes
LOCK = 0x6D6F7463  # advisory lock: one process builds or copies the template at a time


def parameters() -> str:
    """The template's identity: the schema's heads and the data files it was loaded from."""
    from alembic.script import ScriptDirectory

    from motcua.core.migrate import alembic_config

    heads = ",".join(sorted(ScriptDirectory.from_config(alembic_config("")).get_heads()))
    digest = hashlib.sha256()
    for package in ("motcua.units", "motcua.catalog"):
        folder = resources.files(package).joinpath("data")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.is_file():
                digest.update(entry.name.encode() + entry.read_bytes())
    return f"{VERSION};schema={heads};data={digest.hexdigest()[:16]}"


async def _load(url: str) -> None:
    from motcua.catalog import service as catalog
    from motcua.catalog.schemas import CatalogDocument
    from motcua.units import service as units

    await recreate_postgres_database(url)
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    document = resources.files("motcua.catalog").joinpath("data", "essential_services.yaml")
    try:
        async with AsyncSession(engine) as session, session.begin():
            await units.load_units(session)
            await catalog.import_document(
                session, CatalogDocument.model_validate(yaml.safe_load(document.read_text("utf-8")))
            )
    finally:
        await engine.dispose()


async def reference_database(
    url: str, also: Callable[[AsyncSession], Awaitable[object]] | None = None
) -> None:
    """Make the database anew, migrated, with the administrative units and the essential
    services (and ``also``, in one transaction after them).

    Migrating and loading the units takes tens of seconds, and every benchmark starts from the
    same: the first one builds a template database (``TEMPLATE``, its identity in its comment)
    and each copies it (``CREATE DATABASE … TEMPLATE``, under a second)."""
    wanted = parameters()
    target = make_url(url).database
    admin = await connect(url, "postgres")
    try:
        await admin.execute("SELECT pg_advisory_lock($1)", LOCK)
        found = await admin.fetchval(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1",
            TEMPLATE,
        )
        if found != wanted:
            await _load(make_url(url).set(database=TEMPLATE).render_as_string(False))
            await admin.execute(f"COMMENT ON DATABASE \"{TEMPLATE}\" IS '{wanted}'")
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", TEMPLATE
        )
        await admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{target}" TEMPLATE "{TEMPLATE}"')
    finally:
        await admin.execute("SELECT pg_advisory_unlock($1)", LOCK)
        await admin.close()
    if also is not None:
        engine = make_engine(url)
        try:
            async with AsyncSession(engine) as session, session.begin():
                await also(session)
        finally:
            await engine.dispose()


OFFICER, PASSWORD = "bench_officer", "mat-khau-do-tai"  # synthetic, in a throwaway database


@dataclass
class BenchOfficer:
    """The handling officer of the busiest commune (the first by id) and what the fixture
    writers spread dossiers over."""

    token: str
    busiest: int  # the officer's agency (a commune People's Committee)
    busiest_code: str
    busiest_unit: str
    communes: list[int]  # every commune People's Committee, by id
    version_id: int  # a procedure version the synthetic dossiers name
    province_agencies: list[int] = field(default_factory=list)  # every agency of its province


async def bench_officer(url: str) -> BenchOfficer:
    """Make the officer and a bearer token (valid for ``identity.service.TOKEN_LIFETIME``)."""
    from motcua.catalog.models import ProcedureVersion

    engine = make_engine(url)
    try:
        async with AsyncSession(engine) as session, session.begin():
            communes = list(
                await session.scalars(
                    select(Agency)
                    .where(
                        Agency.level == AgencyLevel.commune,
                        Agency.kind == AgencyKind.people_committee,
                    )
                    .order_by(Agency.id)
                )
            )
            busiest = communes[0]
            await identity.create_officer(
                session,
                username=OFFICER,
                full_name="Cán bộ thử (dữ liệu tổng hợp)",
                agency_code=busiest.code,
                role=Role.handling_officer,
                password=PASSWORD,
            )
            token, _ = await identity.issue_token(session, OFFICER, PASSWORD)
            version_id = await session.scalar(select(ProcedureVersion.id).limit(1))
            assert version_id is not None
            in_province = await session.scalars(
                text(
                    "SELECT a.id FROM agencies a JOIN admin_units u ON u.code = a.unit_code "
                    "WHERE coalesce(u.province_code, u.code) = (SELECT coalesce(province_code, "
                    "code) FROM admin_units WHERE code = :unit)"
                ),
                {"unit": busiest.unit_code},
            )
            return BenchOfficer(
                token=token,
                busiest=busiest.id,
                busiest_code=busiest.code,
                busiest_unit=str(busiest.unit_code),
                communes=[c.id for c in communes],
                version_id=int(version_id),
                province_agencies=list(in_province),
            )
    finally:
        await engine.dispose()
