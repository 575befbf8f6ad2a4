"""A real server as production runs it, and the clients that load it.

``motcua serve --workers 2`` on PostgreSQL, in its own process group so that a SIGKILL takes the
supervisor and both workers at once (as a machine or container dying would); ``motcua worker``
the same way. Clients are plain HTTP on 127.0.0.1: each submission carries an Idempotency-Key and
is sent again, with the same key and body, until the platform acknowledges it.
"""

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from motcua.bench.dossiers import AGENCY, PDF, PROCEDURE, READ_KEYS
from motcua.catalog import service as catalog
from motcua.catalog.formats import essential_services
from motcua.core.database import (
    dispose_autocommit_pools,
    make_engine,
    make_sessionmaker,
    recreate_postgres_database,
)
from motcua.core.migrate import upgrade
from motcua.dossiers import service as dossiers
from motcua.dossiers import uploads as dossier_uploads
from motcua.dossiers.models import Dossier, DossierItem
from motcua.exchange.synthetic import recorded_reads
from motcua.units import service as units
from tests.identity.helpers import as_citizen
from tests.served import free_port

MOTCUA = str(Path(sys.executable).parent / "motcua")
CONTACT = "nguoi.nop.{n}@motcua-thu-nghiem.test"  # synthetic addresses, loopback SMTP only


def actors(count: int) -> list[str]:
    """Synthetic personal numbers (no sandbox persona uses the 001099 block)."""
    return [f"001099{n:06d}" for n in range(count)]


async def prepare(url: str, people: list[str]) -> dict[str, dict[str, Any]]:
    """A fresh database: migrated, units and the essential services loaded, and for each person
    one uploaded declaration and recorded registry reads (synthetic values) that a birth
    registration cites; the submission body each person files."""
    await recreate_postgres_database(url)
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    async with sessions() as session, session.begin():
        await units.load_units(session)
        await catalog.import_document(session, essential_services())
    bodies = {}
    for n, actor in enumerate(people):
        async with sessions() as session, session.begin():
            upload = await dossier_uploads.upload(
                session, owner=actor, file_name="to-khai.pdf", data=PDF
            )
            reads = await recorded_reads(
                session, actor=actor, procedure_code=PROCEDURE, keys=READ_KEYS
            )
        bodies[actor] = {
            "procedure_code": PROCEDURE,
            "receiving_agency": AGENCY,
            "contact_email": CONTACT.format(n=n),
            "items": [
                {
                    "requirement_key": "to_khai_dang_ky_khai_sinh",
                    "source": "upload",
                    "upload_id": upload.id,
                },
                *(
                    {"requirement_key": k, "source": "registry", "evidence_item": reads[k]}
                    for k in READ_KEYS
                ),
            ],
        }
    await dispose_autocommit_pools()
    await engine.dispose()
    return bodies


class Supervised:
    """A command in its own process group, killed or stopped as a whole."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log = args, env, log
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.args,
                env=os.environ | self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL to every process of the group: no shutdown handler runs."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if not self.alive():
            return
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.kill()


class Server(Supervised):
    """``motcua serve --workers 2`` on 127.0.0.1."""

    def __init__(self, env: dict[str, str], log: Path, workers: int = 2) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        args = [MOTCUA, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        super().__init__([*args, "--workers", str(workers)], env, log)

    def start(self, timeout: float = 180.0) -> None:
        super().start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"the server stopped; see {self.log}")
            try:
                if httpx.get(f"{self.base}/static/motcua.css", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the server did not start; see {self.log}")


def base_env(url: str, storage: Path) -> dict[str, str]:
    """The settings a served process and this process share."""
    return {
        "MOTCUA_DATABASE_URL": url,
        "MOTCUA_STORAGE_DIR": str(storage),
        "MOTCUA_RATE_LIMIT_ENABLED": "false",  # thousands of submissions from one address
        "MOTCUA_EXCHANGE_SEAL_SECONDS": "0",
    }


@dataclass
class Ack:
    actor: str
    code: str
    secret: str


@dataclass
class Load:
    """What the clients saw: acknowledgements by key, and every answer and failure counted."""

    acks: dict[str, Ack] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)
    transport_errors: int = 0
    replayed: int = 0  # acknowledged with 200: the first attempt had committed unseen
    mismatches: list[str] = field(default_factory=list)
    slowest_s: float = 0.0
    without_retry_after: int = 0


async def submit_until_acknowledged(
    client: httpx.AsyncClient,
    base: str,
    actor: str,
    body: dict[str, Any],
    key: str,
    load: Load,
    give_up_at: float,
) -> None:
    """Send until 200/201; a dropped connection or a 503 is retried with the same key."""
    headers = as_citizen(actor) | {"Idempotency-Key": key}
    while time.monotonic() < give_up_at:
        began = time.monotonic()
        try:
            response = await client.post(f"{base}/api/v1/dossiers", json=body, headers=headers)
        except httpx.TransportError:
            load.transport_errors += 1
            await asyncio.sleep(0.2)
            continue
        finally:
            load.slowest_s = max(load.slowest_s, time.monotonic() - began)
        load.statuses[response.status_code] += 1
        if response.status_code in (200, 201):
            data = response.json()
            ack = Ack(actor, data["code"], data["tracking_secret"])
            earlier = load.acks.setdefault(key, ack)
            if earlier != ack:
                load.mismatches.append(f"{key}: {earlier} then {ack}")
            load.replayed += response.status_code == 200
            return
        if response.status_code == 503:
            if "retry-after" not in response.headers:
                load.without_retry_after += 1
            await asyncio.sleep(min(1.0, float(response.headers.get("retry-after", 1))))
            continue
        if response.status_code >= 500:  # counted; the tests assert there are none
            await asyncio.sleep(0.2)
            continue
        raise AssertionError(f"{response.status_code}: {response.text[:500]}")
    raise AssertionError(f"{key} not acknowledged in time")


async def run_load(
    base: str,
    bodies: dict[str, dict[str, Any]],
    total: int,
    *,
    clients: int = 16,
    prefix: str = "tai",
    on_progress: Callable[[int], Any] | None = None,
    seconds: float = 900.0,
) -> Load:
    """``total`` submissions spread over the people, ``clients`` at a time; ``on_progress`` is
    awaited after each acknowledgement with the number so far (to inject faults)."""
    load = Load()
    people = list(bodies)
    jobs: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    run = uuid.uuid4().hex[:8]
    for n in range(total):
        jobs.put_nowait((people[n % len(people)], f"{prefix}-{run}-{n:06d}"))
    give_up_at = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    timeout = httpx.Timeout(30.0, connect=5.0)

    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:

        async def worker() -> None:
            while not jobs.empty():
                actor, key = jobs.get_nowait()
                await submit_until_acknowledged(
                    client, base, actor, bodies[actor], key, load, give_up_at
                )
                if on_progress is not None:
                    await on_progress(len(load.acks))

        await asyncio.gather(*(worker() for _ in range(clients)))
    return load


async def resend_all(base: str, bodies: dict[str, dict[str, Any]], load: Load) -> Counter[int]:
    """Every acknowledged submission sent once more: each must answer 200 with its dossier."""
    before = dict(load.acks)
    answers: Counter[int] = Counter()
    semaphore = asyncio.Semaphore(16)
    async with httpx.AsyncClient(timeout=30) as client:

        async def again(key: str, ack: Ack) -> None:
            async with semaphore:
                headers = as_citizen(ack.actor) | {"Idempotency-Key": key}
                response = await client.post(
                    f"{base}/api/v1/dossiers", json=bodies[ack.actor], headers=headers
                )
            answers[response.status_code] += 1
            data = response.json()
            if (data.get("code"), data.get("tracking_secret")) != (ack.code, ack.secret):
                load.mismatches.append(f"resent {key}: {data}")

        await asyncio.gather(*(again(k, a) for k, a in before.items()))
    return answers


@dataclass
class Stored:
    dossiers: int
    items: int
    lost: list[str]
    unacknowledged: list[str]
    wrong: list[str]


async def stored_against(url: str, load: Load) -> Stored:
    """The database read directly: every acknowledged key holds exactly the dossier, code and
    secret the client was given; no dossier exists that no client was told of."""
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    select(
                        Dossier.actor_number,
                        Dossier.idempotency_key,
                        Dossier.code,
                        Dossier.tracking_salt,
                        Dossier.secret_hash,
                    )
                )
            ).all()
            items = len((await connection.execute(select(DossierItem.id))).all())
    finally:
        await engine.dispose()
    by_key = {row.idempotency_key: row for row in rows}
    wrong = []
    for key, ack in load.acks.items():
        row = by_key.get(key)
        if row is None:
            continue
        secret_ok = dossiers.hash_secret(row.tracking_salt, ack.secret) == row.secret_hash
        if row.code != ack.code or row.actor_number != ack.actor or not secret_ok:
            wrong.append(key)
    return Stored(
        dossiers=len(rows),
        items=items,
        lost=[k for k in load.acks if k not in by_key],
        unacknowledged=[k for k in by_key if k not in load.acks],
        wrong=wrong,
    )
