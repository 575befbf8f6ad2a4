"""The migrations build exactly the tables the models describe, on both databases."""

from alembic import command
from sqlalchemy.ext.asyncio import AsyncEngine

from motcua.core.migrate import alembic_config


def test_models_and_migrations_agree(engine: AsyncEngine, database_url: str) -> None:
    command.check(alembic_config(database_url))  # raises if an upgrade operation is missing
