"""core: monthly partitions of the append-only tables on PostgreSQL

Dossier history (``dossier_events`` by ``at``), the registry access log (``exchange_access_log``
by ``at``) and monitoring reports (``monitoring_reports`` by ``day``) become range-partitioned by
calendar month (UTC), with a default partition that stays empty in normal operation. Existing
rows move into one partition per month they fall in; the current month and the next three are
made ahead (``motcua db partitions`` and the worker keep making them). Primary keys and unique
constraints gain the partition key, as PostgreSQL requires; foreign keys and indexes are made
again with their names. SQLite keeps plain tables: nothing happens there.

Revision ID: 0019_growth_partitions
Revises: 0018_counter_visits
"""

import re
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "0019_growth_partitions"
# After the last change of each table: exchange_access_log (0004, 0013, 0016_subject_roles…);
# dossier_events (0006…) and monitoring_reports (0003…) through depends_on, without merging.
down_revision: str | Sequence[str] | None = "0018_counter_visits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("0018_ratings", "0018_dashboards_status_days")

# table -> partition key
TABLES = {
    "dossier_events": "at",
    "exchange_access_log": "at",
    "monitoring_reports": "day",
}
AHEAD_MONTHS = 3


def _months_after(first: date, count: int) -> list[date]:
    months, month = [], first.replace(day=1)
    for _ in range(count):
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def _bound(month: date, timestamp: bool) -> str:
    return f"'{month.isoformat()} 00:00:00+00'" if timestamp else f"'{month.isoformat()}'"


def _is_timestamp(bind: sa.Connection, table: str, key: str) -> bool:
    kind = bind.execute(
        sa.text(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = :t AND column_name = :c"
        ),
        {"t": table, "c": key},
    ).scalar_one()
    return str(kind).startswith("timestamp")


def _definitions(bind: sa.Connection, table: str) -> tuple[list[tuple[str, str, str]], list[str]]:
    """The table's keys, unique and foreign-key constraints (name, kind, definition) and its
    other indexes (statements), read from the catalog so columns added later are kept."""
    constraints = [
        (str(name), str(kind), str(definition))
        for name, kind, definition in bind.execute(
            sa.text(
                "SELECT conname, CAST(contype AS text), pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = CAST(:t AS regclass) AND contype IN ('p', 'u', 'f') "
                "ORDER BY contype, conname"
            ),
            {"t": table},
        )
    ]
    indexes = [
        str(statement)
        for (statement,) in bind.execute(
            sa.text(
                "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "WHERE i.indrelid = CAST(:t AS regclass) AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
            ),
            {"t": table},
        )
    ]
    return constraints, indexes


_COLUMNS = re.compile(r"^(PRIMARY KEY|UNIQUE) \((.*)\)$")


def _with_key(definition: str, key: str) -> str:
    """A key or unique constraint that includes the partition key, as partitioning needs."""
    found = _COLUMNS.match(definition)
    if not found:
        return definition
    columns = [c.strip() for c in found.group(2).split(",")]
    if key not in columns:
        columns.append(key)
    return f"{found.group(1)} ({', '.join(columns)})"


def _without_key(definition: str, key: str) -> str:
    """The constraint as it was before: the partition key added last is taken off again."""
    found = _COLUMNS.match(definition)
    if not found:
        return definition
    columns = [c.strip() for c in found.group(2).split(",")]
    if len(columns) > 1 and columns[-1] == key:
        columns.pop()
    return f"{found.group(1)} ({', '.join(columns)})"


def _swap(bind: sa.Connection, table: str, new: str, key: str, partitioned: bool) -> None:
    """Copy every row into ``new``, hand over the id sequence, replace the table by ``new``
    and make its keys, constraints and indexes again under their own names."""
    constraints, indexes = _definitions(bind, table)
    op.execute(f"INSERT INTO {new} SELECT * FROM {table}")
    sequences = bind.execute(
        sa.text(
            "SELECT a.attname, pg_get_serial_sequence(:t, a.attname) FROM pg_attribute a "
            "WHERE a.attrelid = CAST(:t AS regclass) AND a.attnum > 0 AND NOT a.attisdropped "
            "AND pg_get_serial_sequence(:t, a.attname) IS NOT NULL"
        ),
        {"t": table},
    ).all()
    for column, sequence in sequences:
        op.execute(f"ALTER SEQUENCE {sequence} OWNED BY {new}.{column}")
    op.execute(f"DROP TABLE {table}")
    op.execute(f"ALTER TABLE {new} RENAME TO {table}")
    # keys first: a foreign key of another table may need them
    for name, kind, definition in constraints:
        if kind in ("p", "u"):
            shaped = _with_key(definition, key) if partitioned else _without_key(definition, key)
            op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {shaped}")
    for name, kind, definition in constraints:
        if kind == "f":
            op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
    for statement in indexes:
        statement = re.sub(r" ON (ONLY )?\S+ USING ", f" ON {table} USING ", statement, count=1)
        if partitioned and statement.startswith("CREATE UNIQUE INDEX") and key not in statement:
            statement = re.sub(r"\)$", f", {key})", statement)
        op.execute(statement)


def _partition(bind: sa.Connection, table: str, key: str) -> None:
    if (
        bind.execute(
            sa.text("SELECT CAST(relkind AS text) FROM pg_class WHERE oid = CAST(:t AS regclass)"),
            {"t": table},
        ).scalar_one()
        == "p"
    ):
        return  # already partitioned
    timestamp = _is_timestamp(bind, table, key)
    month_of = (
        f"date_trunc('month', {key} AT TIME ZONE 'UTC')"
        if timestamp
        else (f"date_trunc('month', {key})")
    )
    present = {
        row[0].date() if hasattr(row[0], "date") else row[0]
        for row in bind.execute(sa.text(f"SELECT DISTINCT {month_of} FROM {table}"))
    }
    today = bind.execute(sa.text("SELECT CAST(now() AT TIME ZONE 'UTC' AS date)")).scalar_one()
    months = sorted(present | set(_months_after(today, AHEAD_MONTHS + 1)))
    new = f"{table}_partitioned"
    op.execute(
        f"CREATE TABLE {new} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
        f"INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ({key})"
    )
    for month in months:
        following = _months_after(month, 2)[1]
        op.execute(
            f"CREATE TABLE {table}_p{month:%Y%m} PARTITION OF {new} FOR VALUES FROM "
            f"({_bound(month, timestamp)}) TO ({_bound(following, timestamp)})"
        )
    op.execute(f"CREATE TABLE {table}_default PARTITION OF {new} DEFAULT")
    _swap(bind, table, new, key, partitioned=True)


def _unpartition(bind: sa.Connection, table: str, key: str) -> None:
    if (
        bind.execute(
            sa.text("SELECT CAST(relkind AS text) FROM pg_class WHERE oid = CAST(:t AS regclass)"),
            {"t": table},
        ).scalar_one()
        != "p"
    ):
        return
    new = f"{table}_plain"
    op.execute(
        f"CREATE TABLE {new} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
        f"INCLUDING STORAGE INCLUDING COMMENTS)"
    )
    _swap(bind, table, new, key, partitioned=False)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table, key in TABLES.items():
        _partition(bind, table, key)


def downgrade() -> None:
    """Rows of partitions detached by ``motcua db archive`` stay in their own tables."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table, key in TABLES.items():
        _unpartition(bind, table, key)
