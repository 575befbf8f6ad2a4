"""A live sandbox (uvicorn on a free loopback port, in a thread) and registries pointing at it."""

import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.exchange import registries as exchange_registries
from motcua.exchange.connectors import Breakers, Fetcher, breakers, new_registry_transport
from motcua.exchange.models import Registry
from motcua.sandbox.population import Population, generate
from motcua.sandbox.registries import SandboxState, create_sandbox_app

PEOPLE = 400


@dataclass
class LiveSandbox:
    url: str
    population: Population
    state: SandboxState


def app_state(sandbox: LiveSandbox) -> SandboxState:
    return sandbox.state


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSandbox]:
    population = generate(PEOPLE, seed=1)
    port = _free_port()
    switches = tmp_path_factory.mktemp("sandbox") / "faults.sqlite3"
    app = create_sandbox_app(population, switches=switches)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="critical",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("sandbox did not start")
        time.sleep(0.02)
    yield LiveSandbox(f"http://127.0.0.1:{port}", population, app.state.sandbox)
    server.should_exit = True
    thread.join(5)


@pytest.fixture
async def faults(sandbox: LiveSandbox) -> AsyncIterator[httpx.AsyncClient]:
    """Client for the fault switches; every test starts and ends with none set."""
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        await client.delete("/_faults")
        yield client
        await client.delete("/_faults")


@pytest.fixture
async def registries(session: AsyncSession, sandbox: LiveSandbox) -> AsyncIterator[None]:
    """Registries seeded in the test's transaction, pointing at the live sandbox, short timeouts;
    the app's circuit breakers start closed (an earlier test's outage does not carry over)."""
    breakers.by_registry.clear()
    await exchange_registries.seed_registries(session, sandbox.url)
    await session.execute(update(Registry).values(base_url=sandbox.url, timeout_ms=1500))
    yield
    breakers.by_registry.clear()


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    """A fetcher with its own breakers, so one test's outage does not open another's circuit."""
    transport = new_registry_transport()  # as production reads, not shared between tests
    yield Fetcher(transport, board=Breakers(threshold=50, reset_s=30))
    await transport.aclose()
