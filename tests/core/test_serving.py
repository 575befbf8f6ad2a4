"""``motcua serve --workers 2``: the workers share one socket and balance at accept time, so a
few long keep-alive connections spread over both workers in every run; measured from the
requests each worker process counted (the metrics files of prometheus-client's multiprocess
mode, one per process id)."""

import http.client
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from motcua.core.serving import Loads
from tests.served import free_port

MOTCUA = str(Path(sys.executable).parent / "motcua")


def served_by(metrics: Path) -> dict[int, int]:
    """Requests answered so far by each worker process."""
    from prometheus_client.mmap_dict import MmapedDict

    counts = {}
    for path in metrics.glob("histogram_*.db"):
        values = MmapedDict.read_all_values_from_file(str(path))  # type: ignore[no-untyped-call]
        counts[int(path.stem.rsplit("_", 1)[1])] = int(
            sum(v for key, v, *_ in values if "duration_seconds_bucket" in key)
        )
    return counts


@contextmanager
def two_workers(folder: Path, *options: str) -> Iterator[str]:
    """``motcua serve --workers 2`` on SQLite, on a free port; its base URL once both workers
    answer."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = os.environ | {
        "MOTCUA_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'serve.db'}",
        "MOTCUA_STORAGE_DIR": str(folder / "storage"),
        "MOTCUA_RATE_LIMIT_ENABLED": "false",
    }
    subprocess.run([MOTCUA, "db", "upgrade"], env=env, check=True, capture_output=True)
    process = subprocess.Popen(
        [MOTCUA, "serve", "--port", str(port), "--workers", "2", *options],
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
        # Until both workers have answered (the second may still be starting).
        while len(served_by(folder / "storage" / "metrics")) < 2:
            assert time.monotonic() < deadline, "the second worker did not start"
            with httpx.Client(base_url=base, timeout=30) as client:
                for _ in range(4):
                    client.get("/healthz")
            time.sleep(0.1)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


def keep_alive_round(port: int, connections: int, requests: int) -> None:
    """``connections`` keep-alive connections open at once, ``requests`` on each in turn."""
    opened = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(connections)]
    for conn in opened:
        conn.connect()
    try:
        for _ in range(requests):
            for conn in opened:
                conn.request("GET", "/healthz")
                answer = conn.getresponse()
                answer.read()
                assert answer.status == 200
                assert answer.getheader("connection", "").lower() != "close"
    finally:
        for conn in opened:
            conn.close()


def rounds_served(base: str, metrics: Path, rounds: int, connections: int) -> list[list[int]]:
    """Each worker's requests in each round, largest first."""
    port = int(base.rsplit(":", 1)[1])
    shares = []
    for _ in range(rounds):
        before = served_by(metrics)
        keep_alive_round(port, connections, requests=5)
        after = served_by(metrics)
        shares.append(sorted((after[pid] - before.get(pid, 0) for pid in after), reverse=True))
        time.sleep(0.05)  # the workers see the connections closed
    return shares


def test_four_keep_alive_connections_keep_both_workers_busy_in_every_round(
    tmp_path: Path,
) -> None:
    with two_workers(tmp_path) as base:
        shares = rounds_served(base, tmp_path / "storage" / "metrics", rounds=10, connections=4)
    # two connections each: 10 requests per worker in every round
    assert all(len(share) == 2 and min(share) > 0 for share in shares), shares


def test_loads_pause_the_worker_ahead_and_free_a_dead_workers_slot() -> None:
    shared = multiprocessing.get_context("spawn").Array("q", 8)
    first, second = Loads(shared), Loads(shared)
    first.take_slot()
    second.take_slot()
    assert first.mine != second.mine
    first.add(1)
    assert first.ahead() and not second.ahead()
    second.add(1)
    assert not first.ahead() and not second.ahead()
    first.add(1)
    second.release()  # a worker that stops no longer holds the others back
    assert not first.ahead()
    # a slot left by a process that is gone (killed) is freed and taken again
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    values = shared.get_obj()
    values[2], values[3] = gone.pid, 0
    assert first.ahead()
    first.free_the_dead()
    assert not first.ahead()
