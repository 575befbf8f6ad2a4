"""Engine settings that decide how a worker process holds its PostgreSQL connections."""

from collections.abc import Iterator

import pytest

from motcua.core.database import make_engine
from motcua.core.settings import get_settings


@pytest.fixture
def pool_size(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setenv("MOTCUA_DATABASE_POOL_SIZE", "24")
    get_settings.cache_clear()
    yield 24
    get_settings.cache_clear()


async def test_the_pool_keeps_as_many_connections_as_the_setting_says(pool_size: int) -> None:
    engine = make_engine("postgresql+asyncpg://postgres@127.0.0.1:5432/unused")
    try:
        assert engine.pool.size() == pool_size  # type: ignore[attr-defined]
    finally:
        await engine.dispose()


def test_a_pool_of_no_connections_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTCUA_DATABASE_POOL_SIZE", "0")
    get_settings.cache_clear()
    try:
        with pytest.raises(ValueError, match="database_pool_size"):
            get_settings()
    finally:
        get_settings.cache_clear()
