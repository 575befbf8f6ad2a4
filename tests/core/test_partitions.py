"""Monthly partitions on PostgreSQL (core.partitions, migration 0019_growth_partitions): existing
rows move into their months and back, new rows land in their month, the default partition stays
empty, months are made ahead, and a closed year is archived to files and detached.

Each test migrates a throwaway database of its own on the PostgreSQL server the suite uses (the
local one when the suite itself runs on SQLite)."""

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from motcua.core import partitions
from motcua.core.migrate import alembic_config, upgrade
from motcua.dossiers import reading as dossier_reading
from motcua.dossiers.service import hash_secret
from tests.throwaway import throwaway_database

# The revision partitioning follows: a database down to it is one from before partitioning.
BEFORE = "0018_counter_visits"
TABLES = partitions.PARTITIONED


def _server() -> str:
    url = os.environ.get("MOTCUA_TEST_DATABASE_URL") or ""
    return url if url.startswith("postgresql") else "postgresql+asyncpg://postgres@127.0.0.1/x"


@pytest.fixture
async def fresh() -> AsyncIterator[str]:
    async with throwaway_database(_server(), "motcua_partitions") as fresh_url:
        yield fresh_url


async def _before_partitioning(url: str) -> None:
    """Every other migration applied, these two not (Alembic cannot step this graph up to
    chosen revisions, so the database goes up and comes down)."""
    await asyncio.to_thread(upgrade, url)
    await asyncio.to_thread(command.downgrade, alembic_config(url), BEFORE)


async def _engine(url: str) -> AsyncEngine:
    return create_async_engine(url)


async def _partition_of(engine: AsyncEngine, table: str, where: str) -> list[str]:
    async with engine.connect() as c:
        rows = await c.execute(text(f"SELECT tableoid::regclass::text FROM {table} WHERE {where}"))
        return [r[0] for r in rows]


async def _old_rows(engine: AsyncEngine) -> None:
    """Rows from before partitioning: 2024 and now. Parents of other modules are left out on
    purpose (replication role), only those the migration checks again are real."""
    now = datetime.now(UTC)
    async with engine.begin() as c:
        await c.execute(text("SET LOCAL session_replication_role = replica"))
        await c.execute(AGENCY)
        await c.execute(
            text(
                "INSERT INTO dossiers (id, code, secret_hash, tracking_salt, procedure_version_id,"
                " procedure_code, procedure_name, receiving_agency_id, applicant_number,"
                " actor_number, on_behalf, channel, state, received_at, due_at, payment_state,"
                " idempotency_key, request_hash, version) VALUES (900001, 'H01.90-240305-0001',"
                " :secret, 's', 1, '1.000001', 'Thủ tục thử', 900001, '001090000001',"
                " '001090000001', false, 'online', 'returned', '2024-03-05 02:00+00',"
                " '2024-03-12 02:00+00', 'not_required', 'k1', 'h', 1)"
            ),
            {"secret": hash_secret("s", "bi-mat-01")},
        )
        events = [
            (datetime(2024, 3, 5, 2, tzinfo=UTC), 1),
            (datetime(2024, 11, 30, 23, 30, tzinfo=UTC), 2),
            (now, 3),
        ]
        for at, seq in events:
            await c.execute(
                text(
                    "INSERT INTO dossier_events (dossier_id, seq, at, actor_number, kind,"
                    " to_state, data) VALUES (900001, :seq, :at,"
                    " '001090000001', 'note', 'returned', '{}')"
                ),
                {"seq": seq, "at": at},
            )
        for day in (date(2024, 3, 5), date(2025, 1, 1)):
            await c.execute(
                text(
                    "INSERT INTO monitoring_reports (agency_id, day, version, values,"
                    " submitted_at, source, late, synthetic) VALUES (900001, :d, 1,"
                    " '{}', now(), 'api', false, true)"
                ),
                {"d": day},
            )
        await c.execute(
            text(
                "INSERT INTO exchange_access_log (at, actor_personal_id, subject_personal_id,"
                " evidence_type_code, purpose, legal_basis, outcome) VALUES"
                " ('2024-03-05 02:00+00', '001090000001', '001090000001', 'residence',"
                " 'application', '[]', 'delivered')"
            )
        )


AGENCY = text(
    "INSERT INTO agencies (id, code, code_status, name, level, kind) VALUES "
    "(900001, '000.00.90.H01', 'official', 'UBND xã thử', 'commune', 'people_committee')"
)


async def _counts(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as c:
        return {t: int(await c.scalar(text(f"SELECT count(*) FROM {t}")) or 0) for t in TABLES}


async def _kind(engine: AsyncEngine, table: str) -> str:
    async with engine.connect() as c:
        return str(
            await c.scalar(text(f"SELECT relkind::text FROM pg_class WHERE relname = '{table}'"))
        )


async def test_existing_rows_move_into_their_months_and_back(fresh: str) -> None:
    config = alembic_config(fresh)
    await _before_partitioning(fresh)
    engine = await _engine(fresh)
    try:
        await _old_rows(engine)
        before = await _counts(engine)
        await asyncio.to_thread(upgrade, fresh)
        assert {t: await _kind(engine, t) for t in TABLES} == dict.fromkeys(TABLES, "p")
        assert await _counts(engine) == before
        this_month = f"{datetime.now(UTC):%Y%m}"
        assert sorted(await _partition_of(engine, "dossier_events", "true")) == [
            "dossier_events_p202403",
            "dossier_events_p202411",
            f"dossier_events_p{this_month}",
        ]
        assert sorted(await _partition_of(engine, "monitoring_reports", "true")) == [
            "monitoring_reports_p202403",
            "monitoring_reports_p202501",
        ]
        assert await _partition_of(engine, "exchange_access_log", "true") == [
            "exchange_access_log_p202403"
        ]
        async with engine.begin() as c:
            keys = dict(
                (
                    await c.execute(
                        text(
                            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                            " WHERE conrelid = 'dossier_events'::regclass"
                            " AND contype IN ('p', 'u', 'f')"
                        )
                    )
                ).all()
            )
            assert keys == {
                "pk_dossier_events": "PRIMARY KEY (id, at)",
                "uq_dossier_events_seq": "UNIQUE (dossier_id, seq, at)",
                "fk_dossier_events_dossier_id_dossiers": (
                    "FOREIGN KEY (dossier_id) REFERENCES dossiers(id)"
                ),
            }
            # the id sequence carried over; a new row lands in this month, not the default
            new_id = await c.scalar(
                text(
                    "INSERT INTO dossier_events (dossier_id, seq, at, actor_number, kind,"
                    " to_state, data) VALUES (900001, 4, now(), '001090000001', 'note',"
                    " 'returned', '{}') RETURNING id"
                )
            )
            assert new_id == 4
            with pytest.raises(Exception, match="fk_dossier_events_dossier_id_dossiers"):
                async with c.begin_nested():
                    await c.execute(
                        text(
                            "INSERT INTO dossier_events (dossier_id, seq, at, actor_number,"
                            " kind, to_state, data) VALUES (1, 1, now(), '0', 'x', 'x', '{}')"
                        )
                    )
        assert await _partition_of(engine, "dossier_events", "seq = 4") == [
            f"dossier_events_p{this_month}"
        ]
        async with async_sessionmaker(engine)() as session:
            assert await partitions.default_rows(session) == dict.fromkeys(TABLES, 0)

        await asyncio.to_thread(command.downgrade, config, BEFORE)
        assert {t: await _kind(engine, t) for t in TABLES} == dict.fromkeys(TABLES, "r")
        assert await _counts(engine) == {**before, "dossier_events": 4}
        async with engine.connect() as c:
            left = await c.scalar(
                text("SELECT count(*) FROM pg_class WHERE relname ~ '_(p[0-9]{6}|default)$'")
            )
            pk = await c.scalar(
                text(
                    "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE conname = 'pk_exchange_access_log'"
                )
            )
        assert left == 0
        assert pk == "PRIMARY KEY (seq)"
        # and up again over the same rows
        await asyncio.to_thread(upgrade, fresh)
        assert await _counts(engine) == {**before, "dossier_events": 4}
    finally:
        await engine.dispose()


async def test_months_ahead_and_the_default_partition_kept_empty(fresh: str) -> None:
    await asyncio.to_thread(upgrade, fresh)
    engine = await _engine(fresh)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    today = datetime.now(UTC).date()
    try:
        async with sessions() as session, session.begin():
            assert await partitions.ensure_ahead(session, today, 3) == []  # the migration's
        far = partitions.months_from(today, 7)[6]
        async with engine.begin() as c:
            await c.execute(AGENCY)
            await c.execute(
                text(
                    "INSERT INTO monitoring_reports (agency_id, day, version, values,"
                    " submitted_at, source, late, synthetic) VALUES (900001, :d, 1, '{}',"
                    " now(), 'api', false, true)"
                ),
                {"d": far + timedelta(days=3)},
            )
        assert await _partition_of(engine, "monitoring_reports", "true") == [
            "monitoring_reports_default"
        ]
        # the worker makes the coming months, moving what the default partition held
        ticks = partitions.MonthlyPartitions(ahead=6)
        made = await ticks.tick(sessions, datetime.now(UTC))
        assert {m.partition for m in made} >= {f"monitoring_reports_p{far:%Y%m}"}
        assert sum(m.moved_rows for m in made) == 1
        assert await ticks.tick(sessions, datetime.now(UTC)) == []  # once a day
        assert await _partition_of(engine, "monitoring_reports", "true") == [
            f"monitoring_reports_p{far:%Y%m}"
        ]
        async with sessions() as session:
            assert await partitions.default_rows(session) == dict.fromkeys(TABLES, 0)
            attached = await partitions.attached(session, "dossier_events")
        assert {f"dossier_events_p{m:%Y%m}" for m in partitions.months_from(today, 7)} <= attached
    finally:
        await engine.dispose()


async def test_a_closed_year_is_archived_and_its_dossiers_answer_clearly(
    fresh: str, tmp_path: Path
) -> None:
    await _before_partitioning(fresh)
    engine = await _engine(fresh)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        await _old_rows(engine)
        await asyncio.to_thread(upgrade, fresh)
        today = datetime.now(UTC).date()
        async with sessions() as session, session.begin():
            with pytest.raises(partitions.NotClosed):
                await partitions.archive_year(session, today.year, tmp_path, today)
        async with engine.begin() as c:
            await c.execute(text("UPDATE dossiers SET state = 'in_progress'"))
        async with sessions() as session, session.begin():
            with pytest.raises(partitions.NotClosed, match="1 hồ sơ"):
                await partitions.archive_year(session, 2024, tmp_path, today)
        async with engine.begin() as c:
            await c.execute(text("UPDATE dossiers SET state = 'returned'"))
        async with sessions() as session, session.begin():
            done = await partitions.archive_year(session, 2024, tmp_path, today)
        assert {(d.partition, d.rows) for d in done} == {
            ("dossier_events_p202403", 1),
            ("dossier_events_p202411", 1),
            ("monitoring_reports_p202403", 1),
            ("exchange_access_log_p202403", 1),
        }
        for one in done:
            assert hashlib.sha256(one.file.read_bytes()).hexdigest() == one.sha256
            assert one.file.read_text().count("\n") == 2  # header and the row
        async with sessions() as session:
            assert "dossier_events_p202403" not in await partitions.attached(
                session, "dossier_events"
            )
            # the 2025 report and this month's history stay live
            assert await _counts(engine) == {
                "dossier_events": 1,
                "exchange_access_log": 0,
                "monitoring_reports": 1,
            }
            with pytest.raises(partitions.HistoryArchived) as refused:
                await dossier_reading.track(session, "H01.90-240305-0001", "bi-mat-01")
            with pytest.raises(partitions.HistoryArchived):
                await dossier_reading.view(session, "H01.90-240305-0001", "001090000001")
        assert refused.value.status_code == 410
        assert "03/2024" in refused.value.message and "lưu trữ" in refused.value.message
        # a second run finds nothing left to do
        async with sessions() as session, session.begin():
            assert await partitions.archive_year(session, 2024, tmp_path, today) == []
    finally:
        await engine.dispose()


def test_months_roll_over_the_year() -> None:
    assert partitions.months_from(date(2026, 11, 15), 3) == [
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
    ]


def test_the_commands_say_sqlite_has_no_partitions(own_database: None) -> None:
    from typer.testing import CliRunner

    from motcua.cli import app

    upgrade(os.environ["MOTCUA_DATABASE_URL"])
    made = CliRunner().invoke(app, ["db", "partitions", "--ahead", "3"])
    assert made.exit_code == 1
    assert "chỉ có trên PostgreSQL" in made.output
    archived = CliRunner().invoke(app, ["db", "archive", "--year", "2024"])
    assert archived.exit_code == 1
    assert "chỉ có trên PostgreSQL" in archived.output
