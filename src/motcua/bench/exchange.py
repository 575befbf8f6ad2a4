"""Evidence fetch latency: 4 registries at 100 ms each, 16 applications at once.

The sandbox registries run as a real HTTP server on loopback, in their own process; each
application goes through ``exchange.service.fetch_evidence`` in its own session on a migrated
PostgreSQL database (consent prepared and confirmed beforehand, not timed). A figure is
the wall time of one application's fetch, registry calls and access-log writes included. Then
one registry is made to hang and the same fetch must return within the registry timeout.
"""

import asyncio
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import update

from motcua.bench import machine, write_section
from motcua.catalog import service as catalog
from motcua.core.database import make_engine, make_sessionmaker, recreate_postgres_database
from motcua.core.migrate import upgrade
from motcua.exchange import service
from motcua.exchange.connectors import Breakers, Fetcher, new_client
from motcua.exchange.models import Registry
from motcua.sandbox import personas
from motcua.units import service as units

PROCEDURE = "0.000003"  # population, residence, land, civil status
REGISTRIES = ("population", "residence", "land", "civil_status")
LATENCY_MS = 100
CONCURRENT = 16
TIMEOUT_MS = 2000
TARGET_P50_MS = 150.0


def _percentile(values: list[float], q: float) -> float:
    data = sorted(values)
    return data[min(len(data) - 1, round(q * (len(data) - 1)))]


def _serve() -> tuple[str, subprocess.Popen[bytes]]:
    """The registries in their own process, as they would be: no shared interpreter lock."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    process = subprocess.Popen(
        [sys.executable, "-m", "motcua.cli", "sandbox", "registries", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/_faults", timeout=1)
            return url, process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("sandbox registries did not start")


async def _bench(url: str, database_url: str, samples: int) -> tuple[list[float], list[float]]:
    from motcua.cli import essential_services

    await asyncio.to_thread(upgrade, database_url)
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    async with sessions() as session, session.begin():
        await units.load_units(session)
        await catalog.import_document(session, essential_services())
        await service.seed_registries(session, url)
        await session.execute(update(Registry).values(timeout_ms=TIMEOUT_MS))

    async def prepared() -> str:
        async with sessions() as session, session.begin():
            view = await service.prepare_consent(session, PROCEDURE, personas.COMPLETE)
            await service.confirm_consent(session, view.reference, personas.COMPLETE)
            return view.reference

    # Breakers that never open, so the hung case measures the timeout, not the breaker.
    board = Breakers(threshold=10_000, reset_s=1)

    async def one(reference: str) -> float:
        """As ``fetch_evidence`` runs in production: its own HTTP client per application (built
        and closed inside the timed span), the breakers shared by the process."""
        async with sessions() as session, session.begin():
            started = time.perf_counter()
            async with new_client() as http:
                fetcher = Fetcher(http, board=board)
                await service.fetch_evidence(session, reference, personas.COMPLETE, fetcher=fetcher)
            return (time.perf_counter() - started) * 1000

    async with httpx.AsyncClient(base_url=url) as client:
        await client.delete("/_faults")
        for code in REGISTRIES:
            await client.put(f"/_faults/{code}", json={"latency_ms": LATENCY_MS})
        normal: list[float] = []
        for round_ in range(samples + 1):
            references = [await prepared() for _ in range(CONCURRENT)]
            times = await asyncio.gather(*(one(r) for r in references))
            if round_:  # round 0 warms connections and caches
                normal.extend(times)
        await client.put("/_faults/land", json={"latency_ms": LATENCY_MS, "stall_s": 60})
        hung: list[float] = []
        for _ in range(3):
            references = [await prepared() for _ in range(CONCURRENT)]
            hung.extend(await asyncio.gather(*(one(r) for r in references)))
        await client.delete("/_faults")
    await engine.dispose()
    return normal, hung


def run_exchange_bench(samples: int, output: Path, postgres_url: str) -> str:
    url, process = _serve()
    try:
        asyncio.run(recreate_postgres_database(postgres_url))
        normal, hung = asyncio.run(_bench(url, postgres_url, samples))
    finally:
        process.kill()  # stalled requests would hold a graceful shutdown for a minute
        process.wait(10)
    p50, p95 = _percentile(normal, 0.5), _percentile(normal, 0.95)
    h50, hmax = _percentile(hung, 0.5), max(hung)
    verdict = "meets" if p50 < TARGET_P50_MS else "MISSES"
    report = "\n".join(
        [
            "## Evidence fetch (`motcua bench exchange`)",
            "",
            f"Machine: {machine()}. Procedure {PROCEDURE}: 5 evidence items from 4 registries "
            f"({', '.join(REGISTRIES)}) on the sandbox over loopback HTTP, each registry set to "
            f"{LATENCY_MS} ms latency; {CONCURRENT} applications at once, {samples} rounds "
            f"({len(normal)} samples); PostgreSQL; registry timeout {TIMEOUT_MS} ms.",
            "",
            "| case | p50 (ms) | p95 (ms) | max (ms) |",
            "|---|---|---|---|",
            f"| all registries answer | {p50:.1f} | {p95:.1f} | {max(normal):.1f} |",
            f"| land registry hung | {h50:.1f} | {_percentile(hung, 0.95):.1f} | {hmax:.1f} |",
            "",
            f"Target p50 < {TARGET_P50_MS:.0f} ms: {verdict}. With one registry hung every "
            f"application returned in at most {hmax:.0f} ms (timeout {TIMEOUT_MS} ms), "
            "the hung item `unavailable` and the others delivered.",
        ]
    )
    write_section(output, "exchange", report)
    return report
