"""Alembic environment: runs migrations over the same async engine the application uses."""

import asyncio

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


def _include(obj: object, name: str | None, kind: str, reflected: bool, other: object) -> bool:
    return not (reflected and name is not None and name.startswith(UNMAPPED))


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
