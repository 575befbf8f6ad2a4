"""Migrations 0022_citus_province_code and 0022_citus_province_more fill the province of the
dossiers already stored (the receiving agency's unit's province, "" above the provinces) and of
the rows keyed by them, on the database the suite runs on (SQLite, or a throwaway database on
its PostgreSQL server)."""

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from motcua.core.migrate import alembic_config, upgrade
from tests.throwaway import throwaway_database

BEFORE = "0019_growth_archive"  # the revision the province migration follows


@pytest.fixture
async def fresh(tmp_path: Path) -> AsyncIterator[str]:
    url = os.environ.get("MOTCUA_TEST_DATABASE_URL") or ""
    if not url.startswith("postgresql"):
        yield f"sqlite+aiosqlite:///{tmp_path / 'fill.db'}"
        return
    async with throwaway_database(url, "motcua_fill") as fresh_url:
        yield fresh_url


UNITS = (
    "INSERT INTO admin_units (code, name, level, division_type, codename, province_code) VALUES"
    " ('91', 'Tỉnh thử', 'province', 'tỉnh', 'tinh_thu', NULL),"
    " ('91001', 'Xã thử', 'commune', 'xã', 'xa_thu', '91')"
)
AGENCIES = (
    "INSERT INTO agencies (id, code, code_status, name, level, kind, unit_code) VALUES"
    " (900001, 'H91.01', 'official', 'UBND xã thử', 'commune', 'people_committee', '91001'),"
    " (900002, 'H91', 'official', 'UBND tỉnh thử', 'province', 'people_committee', '91'),"
    " (900003, 'G99', 'official', 'Bộ thử', 'ministry', 'ministry', NULL)"
)
DOSSIER = (
    "INSERT INTO dossiers (id, code, secret_hash, tracking_salt, procedure_version_id,"
    " procedure_code, procedure_name, receiving_agency_id, applicant_number, actor_number,"
    " on_behalf, channel, state, received_at, due_at, payment_state, idempotency_key,"
    " request_hash, version) VALUES (:id, :code, 'h', 's', 1, '1.000001', 'Thủ tục thử',"
    " :agency, '001090000001', '001090000001', false, 'online', 'received',"
    " '2025-12-01 02:00:00+00', '2025-12-08 02:00:00+00', 'not_required', :code, 'h', 1)"
)
ROWS = (
    "INSERT INTO dossier_items (dossier_id, position, requirement_key, source) VALUES"
    " (:id, 1, 'to_khai', 'upload')",
    "INSERT INTO dossier_events (dossier_id, seq, at, actor_number, kind, to_state, data)"
    " VALUES (:id, 1, '2025-12-01 02:00:00+00', '001090000001', 'submitted', 'received', '{}')",
    "INSERT INTO workflow_cases (dossier_id, step_index, step_kind, current_agency_id, open,"
    " due_at, apologised, updated_at) VALUES (:id, 0, 'receive', :agency, true,"
    " '2025-12-08 02:00:00+00', false, '2025-12-01 02:00:00+00')",
    "INSERT INTO workflow_visits (dossier_id, seq, agency_id, entered_at) VALUES"
    " (:id, 1, :agency, '2025-12-01 02:00:00+00')",
    "INSERT INTO dossier_ratings (dossier_id, level, comment, rated_at) VALUES"
    " (:id, 'satisfied', '', '2025-12-09 02:00:00+00')",
    "INSERT INTO workflow_supplements (dossier_id, officer_id, requirement_keys, note,"
    " requested_at) VALUES (:id, 1, '[]', '', '2025-12-02 02:00:00+00')",
    "INSERT INTO application_payments (reference, dossier_id, gateway, amount_vnd, status,"
    " qr_payload, created_at) VALUES (:code, :id, 'sandbox', 1000, 'pending', 'qr',"
    " '2025-12-01 02:00:00+00')",
    "INSERT INTO legacy_dossiers (dossier_id, old_code, source_system, file_name, imported_at)"
    " VALUES (:id, :code, 'cu', 'cu.csv', '2025-12-01 02:00:00+00')",
)
TABLES = (
    "dossiers",
    "dossier_items",
    "dossier_events",
    "workflow_cases",
    "workflow_visits",
    "dossier_ratings",
    "workflow_supplements",
    "application_payments",
    "legacy_dossiers",
)


async def test_the_migration_fills_the_province_of_stored_dossiers_and_their_rows(
    fresh: str,
) -> None:
    await asyncio.to_thread(upgrade, fresh)
    await asyncio.to_thread(command.downgrade, alembic_config(fresh), BEFORE)
    engine = create_async_engine(fresh)
    try:
        async with engine.begin() as c:
            if engine.dialect.name == "postgresql":  # parents of other modules left out
                await c.execute(text("SET LOCAL session_replication_role = replica"))
            await c.execute(text(UNITS))
            await c.execute(text(AGENCIES))
            for dossier_id, agency in ((1, 900001), (2, 900002), (3, 900003)):
                values = {"id": dossier_id, "agency": agency, "code": f"D-{dossier_id}"}
                await c.execute(text(DOSSIER), values)
                for statement in ROWS:
                    await c.execute(text(statement), values)
        await asyncio.to_thread(upgrade, fresh)
        async with engine.connect() as c:
            for table in TABLES:
                key = "id" if table == "dossiers" else "dossier_id"
                rows = await c.execute(text(f"SELECT {key}, province_code FROM {table}"))
                assert dict(rows.all()) == {1: "91", 2: "91", 3: ""}, table
    finally:
        await engine.dispose()
