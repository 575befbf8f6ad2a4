"""The live sandbox registries (real HTTP, synthetic data) with an empty event feed per test."""

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import service as catalog
from motcua.catalog.formats import life_event_groups
from tests.exchange.conftest import (  # noqa: F401  (fixtures)
    LiveSandbox,
    faults,
    fetcher,
    registries,
    sandbox,
)


@pytest.fixture
def feed(sandbox: LiveSandbox) -> Iterator[None]:  # noqa: F811
    """Every test starts and ends with no event published (the sandbox lives for the run)."""
    assert sandbox.state.feed is not None
    sandbox.state.feed.deliveries.clear()
    yield
    sandbox.state.feed.deliveries.clear()


@pytest.fixture
async def control(sandbox: LiveSandbox) -> AsyncIterator[httpx.AsyncClient]:  # noqa: F811
    """The sandbox's control routes: make an event happen, repeat it, forge one."""
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        yield client


@pytest.fixture
async def life_groups(session: AsyncSession) -> None:
    """The birth and death groups in the catalog: the birth offer files the birth group."""
    await catalog.import_document(session, life_event_groups())
