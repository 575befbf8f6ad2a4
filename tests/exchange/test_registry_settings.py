"""Where registry reads go follows the settings: re-seeding (``motcua seed``, which ``make run``
runs every time) moves every registry, the e-result store included, to the configured address,
so a changed setting never leaves personal numbers going to the old server."""

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.exchange import registries as exchange_registries
from motcua.exchange.config import get_exchange_settings
from motcua.exchange.models import Registry


@pytest.fixture
def fresh_exchange_settings() -> Iterator[None]:
    get_exchange_settings.cache_clear()
    yield
    get_exchange_settings.cache_clear()


async def _addresses(session: AsyncSession) -> dict[str, str]:
    return {r.code: r.base_url for r in await session.scalars(select(Registry))}


async def test_a_changed_setting_moves_every_registry(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch, fresh_exchange_settings: None
) -> None:
    monkeypatch.setenv("MOTCUA_EXCHANGE_REGISTRIES_URL", "http://127.0.0.1:8100/sandbox/registries")
    monkeypatch.setenv("MOTCUA_EXCHANGE_RESULTS_URL", "http://127.0.0.1:8100/ket-qua")
    await exchange_registries.seed_registries(session)
    before = await _addresses(session)
    assert before.pop("ket_qua") == "http://127.0.0.1:8100/ket-qua"
    assert set(before.values()) == {"http://127.0.0.1:8100/sandbox/registries"}

    monkeypatch.setenv("MOTCUA_EXCHANGE_REGISTRIES_URL", "https://xroad.example.gov.vn")
    monkeypatch.setenv("MOTCUA_EXCHANGE_RESULTS_URL", "https://motcua.example.gov.vn/kho")
    get_exchange_settings.cache_clear()
    await exchange_registries.seed_registries(session)
    after = await _addresses(session)
    assert after.pop("ket_qua") == "https://motcua.example.gov.vn/kho"
    assert set(after.values()) == {"https://xroad.example.gov.vn"}
    assert after.keys() == before.keys()
