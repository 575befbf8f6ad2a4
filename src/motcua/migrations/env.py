"""Alembic environment: runs migrations over the same async engine the application uses."""

import asyncio
import re

from alembic import context
from sqlalchemy.engine import Connection

from motcua.core.database import make_engine
from motcua.core.models import Base
from motcua.core.settings import get_settings
from motcua.modules import import_parts

import_parts("models")
target_metadata = Base.metadata


def _url() -> str:
    return context.config.attributes.get("database_url") or get_settings().database_url


# Search structures made by hand in migrations, not mapped on the models.
UNMAPPED = ("procedure_versions_fts", "search_vector", "ix_procedure_versions_search")


# Monthly partitions (core.partitions) and months detached by the archive: tables of their own
# that the models do not map. On PostgreSQL the partitioned tables' keys and unique
# constraints also carry the partition key, which the models (shared with SQLite) do not.
PARTITION = re.compile(
    r"^(dossier_events|exchange_access_log|monitoring_reports)_(p\d{6}|default)$"
)
PARTITIONED = ("dossier_events", "exchange_access_log", "monitoring_reports")


def _include(obj: object, name: str | None, kind: str, reflected: bool, other: object) -> bool:
    if reflected and name is not None and name.startswith(UNMAPPED):
        return False
    if kind == "table" and name is not None and PARTITION.match(name):
        return False
    table = getattr(getattr(obj, "table", None), "name", None)
    postgres = context.get_context().dialect.name == "postgresql"
    return not (postgres and kind == "unique_constraint" and table in PARTITIONED)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_include,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = make_engine(_url())
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_async())
