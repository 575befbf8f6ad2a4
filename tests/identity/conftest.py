"""A live sandbox e-ID provider (uvicorn on a loopback port, in a thread), motcua configured
to use it, and the live registries of the exchange tests (for the representation check)."""

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from motcua.core.settings import get_settings
from motcua.sandbox.oidc import Client, ProviderState, create_oidc_app
from tests.exchange.conftest import registries, sandbox  # noqa: F401  (shared fixtures)

CLIENT_ID = "motcua-test"
CLIENT_SECRET = "test-client-secret-0123456789"
CALLBACK = "http://motcua.test/dang-nhap/callback"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveProvider:
    def __init__(self, url: str, state: ProviderState) -> None:
        self.url = url
        self.state = state


@pytest.fixture(scope="session")
def live_provider() -> Iterator[LiveProvider]:
    app = create_oidc_app({CLIENT_ID: Client(CLIENT_SECRET, (CALLBACK,))})
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("sandbox e-ID provider did not start")
        time.sleep(0.02)
    yield LiveProvider(f"http://127.0.0.1:{port}", app.state.oidc)
    server.should_exit = True
    thread.join(5)


@pytest.fixture
def provider(
    live_provider: LiveProvider, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LiveProvider]:
    """motcua pointed at the live provider for one test."""
    monkeypatch.setenv("MOTCUA_EID_ISSUER", live_provider.url)
    monkeypatch.setenv("MOTCUA_EID_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("MOTCUA_EID_CLIENT_SECRET", CLIENT_SECRET)
    get_settings.cache_clear()
    yield live_provider
    get_settings.cache_clear()
