"""PostgreSQL restarted under load: the server answers 503 with Retry-After at once (no 500, no
hang), serves again by itself once the database is back, and loses nothing it acknowledged.

The database is a throwaway cluster of this test's own (``tests/cluster.py``), restarted
twice while clients submit: once cleanly (``pg_ctl stop -m fast``: every connection cut), once as
a crash (``-m immediate``: recovery from the write-ahead log). The server is never restarted, nor
is ``motcua worker``, which delivers the receipts to a real SMTP server (aiosmtpd) throughout.
"""

import asyncio
import email
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller

from tests.cluster import Cluster
from tests.served import free_port
from tests.slow.conftest import report
from tests.slow.harness import (
    MOTCUA,
    Server,
    Supervised,
    actors,
    base_env,
    prepare,
    resend_all,
    run_load,
    stored_against,
)

SUBMISSIONS = 800
PEOPLE = 8
DOWN_S = 4.0
RESTARTS = ("fast", "immediate")
PROBES = ("/api/v1/me/dossiers", "/ca-nhan", "/", "/api/v1/procedures?q=khai+sinh")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    owned = Cluster()
    owned.start()
    yield owned
    owned.remove()


async def test_a_restarted_database_gives_503_then_recovers_and_loses_nothing(
    cluster: Cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = base_env(cluster.url, tmp_path / "storage")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    from motcua.core.settings import get_settings

    get_settings.cache_clear()
    bodies = await prepare(cluster.url, actors(PEOPLE))
    server = Server(env, tmp_path / "server.log")
    await asyncio.to_thread(server.start)
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    mail = {"MOTCUA_SMTP_HOST": "127.0.0.1", "MOTCUA_SMTP_PORT": str(smtp.port)}
    worker = Supervised(
        [MOTCUA, "worker", "--idle-seconds", "0.2"], env | mail, tmp_path / "worker.log"
    )
    worker.start()
    thresholds = [SUBMISSIONS * (k + 1) // (len(RESTARTS) + 1) for k in range(len(RESTARTS))]
    modes = list(RESTARTS)
    restarting = asyncio.Lock()
    probes: Counter[str] = Counter()
    probe_slowest = 0.0
    recovered_in: list[float] = []

    async def probe_while_down(stop: asyncio.Event) -> None:
        """Other requests during the outage, pages and API, each must answer 503 quickly."""
        nonlocal probe_slowest
        async with httpx.AsyncClient(base_url=server.base, timeout=30) as client:
            while not stop.is_set():
                for path in PROBES:
                    began = time.monotonic()
                    answer = await client.get(path, headers={"Cookie": _cookie(bodies)})
                    probe_slowest = max(probe_slowest, time.monotonic() - began)
                    retry = "retry-after" in answer.headers
                    probes[f"{path} {answer.status_code}{' Retry-After' if retry else ''}"] += 1
                await asyncio.sleep(0.2)

    async def restart_on_schedule(acknowledged: int) -> None:
        if not thresholds or acknowledged < thresholds[0] or restarting.locked():
            return
        async with restarting:
            thresholds.pop(0)
            await asyncio.to_thread(cluster.stop, modes.pop(0))
            stop = asyncio.Event()
            prober = asyncio.create_task(probe_while_down(stop))
            await asyncio.sleep(DOWN_S)
            stop.set()
            await prober
            await asyncio.to_thread(cluster.start)
            cluster.restarts += 1
            began = time.monotonic()
            recovered_in.append(round(await _until_served(server.base) - began, 2))

    try:
        began = time.monotonic()
        load = await run_load(
            server.base, bodies, SUBMISSIONS, clients=8, on_progress=restart_on_schedule
        )
        seconds = time.monotonic() - began
        resent = await resend_all(server.base, bodies, load)
        stored = await stored_against(cluster.url, load)
        server_alive = server.alive()
        delivered = await _until_delivered(inbox, SUBMISSIONS, worker)
        worker_alive = worker.alive()
    finally:
        worker.stop()
        smtp.stop()
        server.stop()
    report(
        "database-restart",
        {
            "submissions": len(load.acks),
            "restarts": list(RESTARTS),
            "down_s_each": DOWN_S,
            "seconds": round(seconds, 1),
            "answers": dict(load.statuses),
            "503_without_retry_after": load.without_retry_after,
            "slowest_answer_s": round(load.slowest_s, 2),
            "probes_while_down": dict(probes),
            "slowest_probe_s": round(probe_slowest, 2),
            "recovered_in_s": recovered_in,
            "lost": len(stored.lost),
            "duplicated_or_unacknowledged": len(stored.unacknowledged),
            "mismatch": len(stored.wrong) + len(load.mismatches),
            "worker_starts": worker.starts,
            "notifications_delivered_distinct": delivered,
            "smtp_messages_received": len(inbox.received),
        },
    )
    # The worker lived through both outages and delivered every receipt (at least once; a
    # repeat would carry the same Message-ID).
    assert worker_alive and worker.starts == 1
    assert delivered == SUBMISSIONS
    assert cluster.restarts == len(RESTARTS)
    assert server_alive and server.starts == 1  # the platform recovered by itself
    assert load.statuses[503] > 0 and load.without_retry_after == 0
    assert not [s for s in load.statuses if s >= 500 and s != 503]
    assert all(" 503 Retry-After" in k for k in probes) and probes
    assert load.slowest_s < 15 and probe_slowest < 10  # no hang
    assert len(load.acks) == SUBMISSIONS and load.mismatches == []
    assert stored.lost == [] and stored.unacknowledged == [] and stored.wrong == []
    assert stored.dossiers == SUBMISSIONS
    assert resent == Counter({200: SUBMISSIONS})


def _cookie(bodies: dict[str, object]) -> str:
    from tests.identity.helpers import SESSION_COOKIE, citizen_cookie

    return f"{SESSION_COOKIE}={citizen_cookie(next(iter(bodies)))}"


async def _until_served(base: str) -> float:
    """When a request that reads the database answered 200 again; the server untouched."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        for _ in range(600):
            if (await client.get("/api/v1/procedures?q=khai+sinh")).status_code == 200:
                return time.monotonic()
            await asyncio.sleep(0.1)
    raise AssertionError("the server did not serve again within a minute")


class Inbox:
    def __init__(self) -> None:
        self.received: list[str] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        content = envelope.content  # type: ignore[attr-defined]
        self.received.append(str(email.message_from_bytes(content)["Message-ID"]))
        return "250 OK"


async def _until_delivered(inbox: Inbox, expected: int, worker: Supervised) -> int:
    """Distinct Message-IDs received once the worker has caught up (or after three minutes)."""
    for _ in range(1800):
        if len(set(inbox.received)) >= expected or not worker.alive():
            break
        await asyncio.sleep(0.1)
    return len(set(inbox.received))
