"""``motcua serve --workers 2``: each worker listens on a socket of its own (SO_REUSEPORT), so
connections spread over the workers; measured from the requests each worker process counted
(the metrics files of prometheus-client's multiprocess mode, one per process)."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from motcua.core.serving import reuse_port_available, reuse_port_socket
from tests.served import free_port

MOTCUA = str(Path(sys.executable).parent / "motcua")
pytestmark = pytest.mark.skipif(not reuse_port_available(), reason="SO_REUSEPORT is Linux's")


def test_a_port_held_with_reuse_port_takes_more_listeners_and_no_stranger() -> None:
    held = reuse_port_socket("127.0.0.1", 0)
    port = held.getsockname()[1]
    listeners = [reuse_port_socket("127.0.0.1", port) for _ in range(2)]
    for listener in listeners:
        listener.listen()
    stranger = socket.socket()
    with pytest.raises(OSError):
        stranger.bind(("127.0.0.1", port))  # without SO_REUSEPORT: the port is taken
    for sock in [held, stranger, *listeners]:
        sock.close()


def _served_by(metrics: Path) -> dict[int, int]:
    from prometheus_client.mmap_dict import MmapedDict

    counts = {}
    for path in metrics.glob("histogram_*.db"):
        values = MmapedDict.read_all_values_from_file(str(path))  # type: ignore[no-untyped-call]
        counts[int(path.stem.rsplit("_", 1)[1])] = int(
            sum(v for key, v, *_ in values if "duration_seconds_bucket" in key)
        )
    return counts


def _listening(port: int) -> int:
    """Sockets listening on the port (IPv4, /proc/net/tcp: state 0A)."""
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(
        1
        for row in rows
        if (fields := row.split())[1].endswith(f":{port:04X}") and fields[3] == "0A"
    )


def test_two_workers_each_take_connections(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = os.environ | {
        "MOTCUA_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}",
        "MOTCUA_STORAGE_DIR": str(tmp_path / "storage"),
        "MOTCUA_RATE_LIMIT_ENABLED": "false",
    }
    subprocess.run([MOTCUA, "db", "upgrade"], env=env, check=True, capture_output=True)
    process = subprocess.Popen(
        [MOTCUA, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, "the server stopped"
            assert time.monotonic() < deadline, "the server did not start"
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        deadline = time.monotonic() + 60
        while _listening(port) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _listening(port) == 2  # one queue per worker, not one shared
        # New connections, one request each, until both workers have answered (a worker still
        # starting listens a moment later); once both listen, all of 40 connections landing on
        # one would be 1 in 2**39.
        counts: dict[int, int] = {}
        for _ in range(200):
            with httpx.Client(base_url=base, timeout=30) as client:
                assert client.get("/healthz").status_code == 200
            counts = _served_by(tmp_path / "storage" / "metrics")
            if len(counts) == 2 and min(counts.values()) > 0:
                break
            time.sleep(0.05)
        assert len(counts) == 2 and min(counts.values()) > 0, counts
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
