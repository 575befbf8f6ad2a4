"""The app in its own process on loopback, as a person's browser reaches it (the page tests)."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(env: dict[str, str], port: int | None = None) -> Iterator[str]:
    """uvicorn serving the app with these settings added to the environment; its base URL."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "motcua.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=os.environ | env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/static/motcua.css", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the app did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
