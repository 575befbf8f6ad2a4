"""Monthly partitions of the append-only tables on PostgreSQL, made ahead and archived by year.

``migrations/versions/0019_growth_partitions`` turns dossier history, the registry access log and
monitoring reports into tables partitioned by calendar month (UTC) with a default partition. A
row whose month has no partition lands in the default one, which works but defeats pruning and
makes the month's partition harder to add later; so the worker (``MonthlyPartitions``) and
``motcua db partitions --ahead N`` make the coming months' partitions in time, moving any rows
the default partition holds for them. ``motcua db archive --year Y`` exports a closed year's
partitions to CSV files with their SHA-256 under the storage folder, then detaches them: the
rows leave the live tables (and their indexes and scans) but stay in tables of their own until
an operator drops them. On SQLite (the demo) none of this applies and the functions say so.
"""

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from motcua.core.errors import DomainError
from motcua.core.models import ArchivedMonth

log = logging.getLogger(__name__)

# table -> partition key (the migration's list)
PARTITIONED = {"dossier_events": "at", "exchange_access_log": "at", "monitoring_reports": "day"}
TIMESTAMP_KEYS = {"at"}
# Serialises partition changes between worker processes and the CLI.
_LOCK = 0x6D6F7463  # "motc"


class NotPartitioned(RuntimeError):
    """The database has no partitioned tables (SQLite, or the migration has not run)."""


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def months_from(first: date, count: int) -> list[date]:
    months, month = [], first.replace(day=1)
    for _ in range(count):
        months.append(month)
        month = next_month(month)
    return months


def partition_name(table: str, month: date) -> str:
    return f"{table}_p{month:%Y%m}"


def _bound(table: str, month: date) -> str:
    return (
        f"'{month.isoformat()} 00:00:00+00'"
        if PARTITIONED[table] in TIMESTAMP_KEYS
        else f"'{month.isoformat()}'"
    )


def _in_month(table: str, month: date) -> str:
    key = PARTITIONED[table]
    return f"{key} >= {_bound(table, month)} AND {key} < {_bound(table, next_month(month))}"


async def _require_partitioned(session: AsyncSession) -> None:
    if session.get_bind().dialect.name != "postgresql":
        raise NotPartitioned("Bảng phân vùng theo tháng chỉ có trên PostgreSQL.")
    kind = await session.scalar(
        text("SELECT CAST(relkind AS text) FROM pg_class WHERE oid = to_regclass('dossier_events')")
    )
    if kind != "p":
        raise NotPartitioned("Cơ sở dữ liệu chưa phân vùng: hãy chạy `motcua db upgrade`.")


async def attached(session: AsyncSession, table: str) -> set[str]:
    """Names of the partitions now attached to ``table``."""
    rows = await session.scalars(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = CAST(:t AS regclass)"
        ),
        {"t": table},
    )
    return set(rows)


async def _make(session: AsyncSession, table: str, month: date) -> int:
    """Attach the month's partition, first moving its rows out of the default partition (a new
    partition may not overlap rows the default one holds). Returns the rows moved."""
    name, default = partition_name(table, month), f"{table}_default"
    bounds = f"FROM ({_bound(table, month)}) TO ({_bound(table, next_month(month))})"
    stray = await session.scalar(
        text(f"SELECT count(*) FROM {default} WHERE {_in_month(table, month)}")
    )
    if not stray:
        await session.execute(text(f"CREATE TABLE {name} PARTITION OF {table} FOR VALUES {bounds}"))
        return 0
    await session.execute(
        text(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    )
    await session.execute(
        text(
            f"WITH moved AS (DELETE FROM {default} WHERE {_in_month(table, month)} RETURNING *) "
            f"INSERT INTO {name} SELECT * FROM moved"
        )
    )
    await session.execute(text(f"ALTER TABLE {table} ATTACH PARTITION {name} FOR VALUES {bounds}"))
    return int(stray)


@dataclass(frozen=True)
class Made:
    table: str
    partition: str
    moved_rows: int


async def ensure_months(session: AsyncSession, months: list[date]) -> list[Made]:
    """Make every missing partition of these months in the three tables (idempotent; one
    process at a time)."""
    await _require_partitioned(session)
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})
    made = []
    for table in PARTITIONED:
        present = await attached(session, table)
        for month in months:
            if partition_name(table, month) not in present:
                moved = await _make(session, table, month)
                made.append(Made(table, partition_name(table, month), moved))
    await session.flush()
    return made


async def ensure_ahead(session: AsyncSession, today: date, ahead: int) -> list[Made]:
    """This month's partitions and the next ``ahead`` months'."""
    return await ensure_months(session, months_from(today, ahead + 1))


async def default_rows(session: AsyncSession) -> dict[str, int]:
    """Rows in each default partition: zero in normal operation."""
    await _require_partitioned(session)
    counts = {}
    for table in PARTITIONED:
        counts[table] = int(
            await session.scalar(text(f"SELECT count(*) FROM {table}_default")) or 0
        )
    return counts


class MonthlyPartitions:
    """The worker makes the coming months' partitions once a day (the first tick too), so next
    month's exist weeks before its first row. A failure is logged and tried the next day."""

    EVERY = timedelta(days=1)

    def __init__(self, ahead: int = 3) -> None:
        self.ahead = ahead
        self.last_run: datetime | None = None

    async def tick(self, sessions: async_sessionmaker[AsyncSession], now: datetime) -> list[Made]:
        if self.last_run is not None and now - self.last_run < self.EVERY:
            return []
        self.last_run = now
        try:
            async with sessions() as session, session.begin():
                if session.get_bind().dialect.name != "postgresql":
                    return []
                made = await ensure_ahead(session, now.astimezone(UTC).date(), self.ahead)
        except NotPartitioned:
            return []
        except Exception:
            log.exception("making the coming months' partitions failed")
            return []
        for one in made:
            log.info("partition made", extra={"partition": one.partition, "moved": one.moved_rows})
        return made


# --- archive ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Archived:
    table: str
    partition: str
    rows: int
    file: Path
    sha256: str


class NotClosed(ValueError):
    """Only a year that has ended, with every dossier received in it finished, is archived."""


async def _export(session: AsyncSession, name: str, target: Path) -> str:
    """COPY the partition to a CSV file (header row) and return the file's SHA-256."""
    target.parent.mkdir(parents=True, exist_ok=True)
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    await driver.copy_from_table(name, output=str(target), format="csv", header=True)
    digest = hashlib.sha256()
    with target.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    target.with_suffix(".csv.sha256").write_text(f"{digest.hexdigest()}  {target.name}\n")
    return digest.hexdigest()


async def _stray_months(session: AsyncSession, year: int) -> list[date]:
    """Months of ``year`` the default partitions hold rows for (they get partitions of their
    own before the year is archived)."""
    await _require_partitioned(session)
    found: set[date] = set()
    for table, key in PARTITIONED.items():
        start, end = _bound(table, date(year, 1, 1)), _bound(table, date(year + 1, 1, 1))
        month = f"{key} AT TIME ZONE 'UTC'" if key in TIMESTAMP_KEYS else key
        rows = await session.scalars(
            text(
                f"SELECT DISTINCT CAST(date_trunc('month', {month}) AS date) "
                f"FROM {table}_default WHERE {key} >= {start} AND {key} < {end}"
            )
        )
        found.update(rows)
    return sorted(found)


async def archive_year(
    session: AsyncSession, year: int, folder: Path, today: date
) -> list[Archived]:
    """Export every month of ``year`` of the three tables to ``folder/<year>/`` and detach it;
    rows the default partition held for the year are first moved into their months."""
    if year >= today.year:
        raise NotClosed(f"Năm {year} chưa kết thúc; chỉ lưu trữ được các năm trước {today.year}.")
    months = months_from(date(year, 1, 1), 12)
    open_dossiers = await session.scalar(
        text(
            "SELECT count(*) FROM dossiers WHERE received_at < :end "
            "AND state NOT IN ('returned', 'refused', 'withdrawn')"
        ),
        {"end": datetime(year + 1, 1, 1, tzinfo=UTC)},
    )
    if open_dossiers:
        # a dossier still moving would lose the start of its history from under it
        raise NotClosed(
            f"{open_dossiers} hồ sơ tiếp nhận đến hết năm {year} chưa kết thúc (chưa trả kết "
            "quả, từ chối hay rút); năm đó chưa lưu trữ được."
        )
    await ensure_months(session, await _stray_months(session, year))
    done = []
    for table in PARTITIONED:
        present = await attached(session, table)
        for month in months:
            name = partition_name(table, month)
            if name not in present:
                continue  # archived before
            rows = int(await session.scalar(text(f"SELECT count(*) FROM {name}")) or 0)
            target = folder / str(year) / f"{name}.csv"
            checksum = await _export(session, name, target)
            await session.execute(text(f"ALTER TABLE {table} DETACH PARTITION {name}"))
            session.add(
                ArchivedMonth(
                    table_name=table,
                    month=month,
                    partition=name,
                    rows=rows,
                    file=str(target),
                    sha256=checksum,
                    archived_at=datetime.now(UTC),
                )
            )
            done.append(Archived(table, name, rows, target, checksum))
    await session.flush()
    return done


class HistoryArchived(DomainError):
    """A read of history whose month was archived: the rows are in a file, not in the tables."""

    status_code = 410
    code = "history-archived"


async def refuse_if_archived(session: AsyncSession, code: str, received_at: datetime) -> None:
    """Answer clearly when a dossier's history went to the archive with its month."""
    month = received_at.astimezone(UTC).date().replace(day=1)
    archived = await session.get(ArchivedMonth, ("dossier_events", month))
    if archived is not None:
        raise HistoryArchived(
            f"Lịch sử xử lý của hồ sơ {code} (tiếp nhận tháng {month:%m/%Y}) đã được chuyển "
            "vào kho lưu trữ; vui lòng liên hệ cơ quan tiếp nhận hồ sơ để được tra cứu.",
            archived_month=f"{month:%Y-%m}",
        )
