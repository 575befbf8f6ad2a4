"""Apply Alembic migrations from code (CLI, demo and tests share this path)."""

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Every module keeps its own migration branch from the foundation; apply all heads."""
    command.upgrade(alembic_config(database_url), revision)
