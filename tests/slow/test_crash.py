"""The server killed during load, its worker killed mid-delivery, then a backup restored.

One database for the module (the expensive part is filling it): 2,000 submissions with their
Idempotency-Keys while ``motcua serve --workers 2`` is SIGKILLed three times and restarted; the
2,000 receipt notifications those submissions queued delivered by ``motcua worker`` to a real
SMTP server (aiosmtpd on loopback) while the worker is SIGKILLed three times, each time in the
middle of a delivery; then the database dumped, restored into an empty one, and compared.
"""

import asyncio
import email
import os
import subprocess
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from motcua.core.database import make_engine
from motcua.notify.models import DeliveryStatus, Notification
from tests.identity.helpers import as_citizen
from tests.served import free_port
from tests.slow.conftest import drop_database, report
from tests.slow.harness import (
    MOTCUA,
    Load,
    Server,
    Stored,
    Supervised,
    actors,
    base_env,
    prepare,
    resend_all,
    run_load,
    stored_against,
)

SUBMISSIONS = 2000
KILLS = 3
PEOPLE = 20
AN = "001084000101"  # sandbox persona: in every registry (synthetic)
READS = ("0.000001", "0.000002", "0.000021")  # procedures whose reads An's consent makes


@dataclass
class Crash:
    url: str
    server: Server
    env: dict[str, str]
    bodies: dict[str, dict[str, Any]]
    load: Load
    resent: Counter[int]
    stored: Stored
    seconds: float
    registry_reads: int


async def _read_registries(base: str) -> int:
    """Real reads through the platform (consent, confirm, fetch from the sandbox registries the
    server mounts), so the access log has records for the backup to carry."""
    me = as_citizen(AN)
    fetched = 0
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for code in READS:
            draft = await client.post(
                "/api/v1/applications", json={"procedure_code": code}, headers=me
            )
            assert draft.status_code == 201, draft.text
            reference = draft.json()["consent_reference"]
            confirmed = await client.post(
                f"/api/v1/exchange/consents/{reference}/confirm", headers=me
            )
            assert confirmed.status_code == 200, confirmed.text
            fetch = await client.post(f"/api/v1/exchange/consents/{reference}/fetch", headers=me)
            assert fetch.status_code == 200, fetch.text
            fetched += 1
    return fetched


@pytest.fixture(scope="module")
async def crash(
    database_name: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Crash]:
    folder = tmp_path_factory.mktemp("crash")
    url = database_name
    env = base_env(url, folder / "storage")
    server = Server(env, folder / "server.log")
    env["MOTCUA_EXCHANGE_REGISTRIES_URL"] = f"{server.base}/sandbox/registries"
    server.env = env
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        from motcua.core.settings import get_settings
        from motcua.exchange.config import get_exchange_settings

        get_settings.cache_clear()
        get_exchange_settings.cache_clear()
        bodies = await prepare(url, actors(PEOPLE))
        from motcua.core.database import make_sessionmaker
        from motcua.exchange import registries as exchange_registries

        engine = make_engine(url)
        async with make_sessionmaker(engine)() as session, session.begin():
            await exchange_registries.seed_registries(
                session, env["MOTCUA_EXCHANGE_REGISTRIES_URL"]
            )
        await engine.dispose()
        get_settings.cache_clear()
        get_exchange_settings.cache_clear()
    await asyncio.to_thread(server.start)
    try:
        reads = await _read_registries(server.base)
        thresholds = [SUBMISSIONS * (k + 1) // (KILLS + 1) for k in range(KILLS)]
        restarting = asyncio.Lock()

        async def kill_on_schedule(acknowledged: int) -> None:
            if not thresholds or acknowledged < thresholds[0] or restarting.locked():
                return
            async with restarting:
                thresholds.pop(0)
                await asyncio.to_thread(server.kill)  # requests in flight die with it
                await asyncio.sleep(0.5)
                await asyncio.to_thread(server.start)

        began = time.monotonic()
        load = await run_load(server.base, bodies, SUBMISSIONS, on_progress=kill_on_schedule)
        seconds = time.monotonic() - began
        resent = await resend_all(server.base, bodies, load)
        stored = await stored_against(url, load)
        yield Crash(url, server, env, bodies, load, resent, stored, seconds, reads)
    finally:
        server.stop()


def test_nothing_acknowledged_is_lost_or_duplicated_across_sigkills(crash: Crash) -> None:
    load, stored = crash.load, crash.stored
    report(
        "crash",
        {
            "submissions": len(load.acks),
            "server_starts": crash.server.starts,
            "sigkills": crash.server.starts - 1,
            "seconds": round(crash.seconds, 1),
            "answers": dict(load.statuses),
            "dropped_connections_retried": load.transport_errors,
            "acknowledged_on_a_retry_200": load.replayed,
            "resent_answers": dict(crash.resent),
            "stored_dossiers": stored.dossiers,
            "lost": len(stored.lost),
            "duplicated_or_unacknowledged": len(stored.unacknowledged),
            "code_or_secret_mismatch": len(stored.wrong) + len(load.mismatches),
        },
    )
    assert crash.server.starts == KILLS + 1  # every kill happened during the load
    assert len(load.acks) == SUBMISSIONS
    assert load.transport_errors > 0  # the kills did cut requests in flight
    assert not [s for s in load.statuses if s >= 500 and s != 503]
    assert stored.lost == [] and stored.unacknowledged == [] and stored.wrong == []
    assert load.mismatches == []
    assert stored.dossiers == SUBMISSIONS and stored.items == 4 * SUBMISSIONS
    assert crash.resent == Counter({200: SUBMISSIONS})  # every retry: the same dossier


class Inbox:
    """A real SMTP server's handler: every message kept; at the chosen counts the worker is
    SIGKILLed before the server answers 250, so the worker never learns the message arrived."""

    def __init__(self, kill_at: set[int], kill: Callable[[], None]) -> None:
        self.received: list[tuple[str, str]] = []
        self.kill_at, self.kill = set(kill_at), kill
        self.killed_during: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content)
        message_id = str(message["Message-ID"])
        self.received.append((message_id, ",".join(envelope.rcpt_tos)))
        if len(self.received) in self.kill_at:
            self.killed_during.append(message_id)
            self.kill()
        return "250 OK"


async def _pending(url: str) -> int:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return int(
                await connection.scalar(
                    select(func.count())
                    .select_from(Notification)
                    .where(Notification.status != DeliveryStatus.sent)
                )
                or 0
            )
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
async def delivered(crash: Crash, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("worker")
    port = free_port()
    env = crash.env | {"MOTCUA_SMTP_HOST": "127.0.0.1", "MOTCUA_SMTP_PORT": str(port)}
    worker = Supervised([MOTCUA, "worker", "--idle-seconds", "0.2"], env, folder / "worker.log")
    total = await _pending(crash.url)
    inbox = Inbox({total * k // (KILLS + 1) for k in range(1, KILLS + 1)}, worker.kill)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    began = time.monotonic()
    try:
        while await _pending(crash.url) and time.monotonic() - began < 600:
            if not worker.alive():
                worker.start()  # a supervisor bringing it back
            await asyncio.sleep(0.5)
    finally:
        worker.stop()
        controller.stop()
    engine = make_engine(crash.url)
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                select(Notification.id, Notification.recipient, Notification.status)
            )
        ).all()
    await engine.dispose()
    return {
        "notifications": rows,
        "total": total,
        "inbox": inbox,
        "starts": worker.starts,
        "seconds": time.monotonic() - began,
    }


def test_each_notification_delivered_once_after_dedupe_when_the_worker_is_killed(
    delivered: dict[str, Any],
) -> None:
    inbox: Inbox = delivered["inbox"]
    rows = delivered["notifications"]
    copies = Counter(message_id for message_id, _ in inbox.received)
    expected = {f"<notification-{row.id}@motcua.localhost>": row.recipient for row in rows}
    twice = sorted(m for m, n in copies.items() if n > 1)
    report(
        "worker",
        {
            "notifications": len(rows),
            "worker_starts": delivered["starts"],
            "sigkills_mid_delivery": len(inbox.killed_during),
            "smtp_messages_received": len(inbox.received),
            "distinct_message_ids": len(copies),
            "received_twice": len(twice),
            "seconds": round(delivered["seconds"], 1),
        },
    )
    assert delivered["total"] == len(rows) == SUBMISSIONS  # one receipt notice per dossier
    assert all(row.status == DeliveryStatus.sent for row in rows)
    assert len(inbox.killed_during) == KILLS and delivered["starts"] >= KILLS + 1
    # Every notification arrived, none was lost; by Message-ID, each exactly once.
    assert set(copies) == set(expected)
    assert all(expected[m] == to for m, to in inbox.received)
    # The only copies are the messages the worker was killed on before the server's 250:
    # sent again after the restart with the same Message-ID, for the receiver to drop.
    assert twice == sorted(inbox.killed_during)
    assert all(copies[m] == 2 for m in twice)


def _pg(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool, *args], capture_output=True, text=True, check=True, timeout=600)


def _connection_args(url: str) -> list[str]:
    parsed = make_url(url)
    return ["-h", str(parsed.host), "-p", str(parsed.port or 5432), "-U", str(parsed.username)]


async def _fingerprint(url: str) -> dict[str, Any]:
    """Counts of every table, and one hash per dossier over its row, items and history, all
    computed by PostgreSQL itself."""
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            tables = (
                (
                    await connection.exec_driver_sql(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
                    )
                )
                .scalars()
                .all()
            )
            counts = {
                t: (await connection.exec_driver_sql(f'SELECT count(*) FROM "{t}"')).scalar()
                for t in tables
            }
            hashes = dict(
                (
                    await connection.exec_driver_sql(
                        """
                SELECT d.code, md5(row(d.*)::text
                  || coalesce((SELECT string_agg(row(i.*)::text, '|' ORDER BY i.id)
                               FROM dossier_items i WHERE i.dossier_id = d.id), '')
                  || coalesce((SELECT string_agg(row(e.*)::text, '|' ORDER BY e.id)
                               FROM dossier_events e WHERE e.dossier_id = d.id), ''))
                FROM dossiers d"""
                    )
                ).all()
            )
    finally:
        await engine.dispose()
    return {"counts": counts, "hashes": hashes}


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MOTCUA, *args], env=os.environ | env, capture_output=True, text=True)


async def test_a_dump_restored_into_an_empty_database_is_whole(
    crash: Crash, delivered: dict[str, Any], tmp_path: Path
) -> None:
    """pg_dump of the live database, pg_restore into an empty one, ``motcua audit verify`` on
    the restored copy, and every dossier compared."""
    sealed = await asyncio.to_thread(_cli, crash.env, "audit", "seal")
    assert sealed.returncode == 0, sealed.stderr
    name = make_url(crash.url).database or ""
    restored = crash.url.rsplit("/", 1)[0] + f"/{name}_restored"
    dump = tmp_path / "motcua.dump"
    began = time.monotonic()
    where = _connection_args(crash.url)
    await asyncio.to_thread(_pg, "pg_dump", *where, "-Fc", "-f", str(dump), name)
    await drop_database(restored)
    await asyncio.to_thread(_pg, "createdb", *_connection_args(restored), f"{name}_restored")
    try:
        await asyncio.to_thread(
            _pg, "pg_restore", *_connection_args(restored), "--exit-on-error", "--no-owner",
            "-d", f"{name}_restored", str(dump),
        )  # fmt: skip
        seconds = time.monotonic() - began
        verify = await asyncio.to_thread(
            _cli, crash.env | {"MOTCUA_DATABASE_URL": restored}, "audit", "verify"
        )
        original, copy = await _fingerprint(crash.url), await _fingerprint(restored)
    finally:
        await drop_database(restored)
    report(
        "backup",
        {
            "dump_bytes": dump.stat().st_size,
            "dump_and_restore_seconds": round(seconds, 1),
            "dossiers": len(copy["hashes"]),
            "tables": len(copy["counts"]),
            "rows": sum(copy["counts"].values()),
            "access_log_records": copy["counts"]["exchange_access_log"],
            "audit_verify": verify.stdout.strip(),
        },
    )
    assert verify.returncode == 0, verify.stderr
    assert "Access log intact" in verify.stdout
    assert copy["counts"]["exchange_access_log"] > 0
    assert copy == original
    assert len(copy["hashes"]) == SUBMISSIONS


async def test_a_fault_switch_holds_in_every_worker_process(crash: Crash) -> None:
    """Set through whichever worker answers, the switch holds for requests the other takes:
    each request on a new connection, so both workers of the server accept some."""
    base = f"{crash.server.base}/sandbox/registries"
    records = f"{base}/direct/population/person/records?subject={AN}"
    auth = {"Authorization": "Bearer sandbox-credential", "Connection": "close"}
    async with httpx.AsyncClient(timeout=30) as client:
        switched = await client.put(f"{base}/_faults/population", json={"outage": True})
        assert switched.status_code == 200
        down = Counter([(await client.get(records, headers=auth)).status_code for _ in range(40)])
        cleared = await client.delete(f"{base}/_faults", headers={"Connection": "close"})
        assert cleared.status_code == 200
        up = Counter([(await client.get(records, headers=auth)).status_code for _ in range(40)])
    report("fault-switches", {"while_switched": dict(down), "after_clearing": dict(up)})
    assert down == Counter({503: 40}) and up == Counter({200: 40})
