"""Evidence fetch latency: 4 registries at 100 ms each, 16 applications at once.

The sandbox registries run as a real HTTP server on loopback, in their own process; each
application goes through ``exchange.service.fetch_evidence`` in its own session on a migrated
PostgreSQL database (consent prepared and confirmed beforehand, not timed). A figure is
the wall time of one application's fetch, registry calls and access-log writes included. Then
one registry is made to hang and the same fetch must return within the registry timeout.
"""

import asyncio
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.bench import machine, run_as_served, write_section
from motcua.bench.reference import reference_database
from motcua.core.database import make_engine, make_sessionmaker
from motcua.core.process import freeze_startup_heap
from motcua.exchange import access as exchange_access
from motcua.exchange import registries as exchange_registries
from motcua.exchange import service
from motcua.exchange.connectors import (
    Breakers,
    Fetcher,
    close_registry_transport,
    registry_transport,
)
from motcua.exchange.models import Registry
from motcua.exchange.schemas import ChainReport
from motcua.exchange.tasks import keep_sealing, seal_access_log
from motcua.sandbox import personas

PROCEDURE = "0.000003"  # population, residence, land, civil status
REGISTRIES = ("population", "residence", "land", "civil_status")
LATENCY_MS = 100
CONCURRENT = 16
TIMEOUT_MS = 2000
TARGET_P50_MS = 150.0
RESULT_STORE = "ket_qua"


def _percentile(values: list[float], q: float) -> float:
    data = sorted(values)
    return data[min(len(data) - 1, round(q * (len(data) - 1)))]


def _serve() -> tuple[str, subprocess.Popen[bytes]]:
    """The registries in their own process, as they would be: no shared interpreter lock; their
    fault switches in a folder of their own (not another run's sandbox's)."""
    storage = tempfile.mkdtemp(prefix="motcua-bench-exchange-")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "motcua.cli",
            "sandbox",
            "registries",
            "--port",
            str(port),
            "--no-access-log",
        ],
        env=os.environ | {"MOTCUA_STORAGE_DIR": storage},
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


async def _seed(url: str, database_url: str) -> None:
    async def registries(session: AsyncSession) -> None:
        await exchange_registries.seed_registries(session, url)
        await session.execute(update(Registry).values(timeout_ms=TIMEOUT_MS))
        # The persona has no signed results: the platform's own result store is not asked.
        await session.execute(
            update(Registry).where(Registry.code == RESULT_STORE).values(enabled=False)
        )

    await reference_database(database_url, also=registries)


async def _worker_rounds(
    database_url: str, samples: int, concurrent: int, rounds: Any, phase: Any
) -> tuple[list[float], list[float]]:
    """One worker process: ``concurrent`` applications at once per round, every worker's round
    starting together (``rounds``); between the two cases the parent switches the fault."""
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)

    async def prepared() -> str:
        async with sessions() as session, session.begin():
            view = await service.prepare_consent(session, PROCEDURE, personas.COMPLETE)
            await service.confirm_consent(session, view.reference, personas.COMPLETE)
            return view.reference

    # Breakers that never open, so the hung case measures the timeout, not the breaker.
    board = Breakers(threshold=10_000, reset_s=1)

    async def one(reference: str) -> float:
        """As ``fetch_evidence`` runs in production: the process's pooled registry client and
        breakers, one session and transaction per application (its commit is timed too)."""
        started = time.perf_counter()
        async with sessions() as session, session.begin():
            fetcher = Fetcher(registry_transport(), board=board)
            await service.fetch_evidence(session, reference, personas.COMPLETE, fetcher=fetcher)
        return (time.perf_counter() - started) * 1000

    async def run(count: int) -> list[float]:
        times: list[float] = []
        for _ in range(count):
            references = [await prepared() for _ in range(concurrent)]
            await asyncio.to_thread(rounds.wait)
            times.extend(await asyncio.gather(*(one(r) for r in references)))
        return times

    # As in the app: each process seals the access log in the background every second.
    sealing = asyncio.create_task(keep_sealing(sessions, 1.0))
    freeze_startup_heap()
    normal = (await run(samples + 1))[concurrent:]  # round 0 warms connections and caches
    await asyncio.to_thread(phase.wait)  # the parent hangs the land registry
    await asyncio.to_thread(phase.wait)
    hung = await run(3)
    sealing.cancel()
    await close_registry_transport()
    await engine.dispose()
    return normal, hung


def _worker(
    database_url: str, samples: int, concurrent: int, rounds: Any, phase: Any, results: Any
) -> None:
    try:
        results.put(run_as_served(_worker_rounds(database_url, samples, concurrent, rounds, phase)))
    except BaseException as error:  # the parent and the other workers must not wait for it
        rounds.abort()
        phase.abort()
        results.put(error)
        raise


def _bench(
    url: str, database_url: str, samples: int, workers: int, concurrent: int = CONCURRENT
) -> tuple[list[float], list[float]]:
    asyncio.run(_seed(url, database_url))
    faults = httpx.Client(base_url=url)
    faults.delete("/_faults")
    for code in REGISTRIES:
        faults.put(f"/_faults/{code}", json={"latency_ms": LATENCY_MS})
    context = multiprocessing.get_context("spawn")
    rounds, phase = context.Barrier(workers), context.Barrier(workers + 1)
    results = context.Queue()
    processes = [
        context.Process(
            target=_worker,
            args=(database_url, samples, concurrent // workers, rounds, phase, results),
        )
        for _ in range(workers)
    ]
    for process in processes:
        process.start()
    phase.wait()  # every worker has run the normal rounds
    faults.put("/_faults/land", json={"latency_ms": LATENCY_MS, "stall_s": 60})
    phase.wait()
    outcomes = [results.get(timeout=600) for _ in processes]
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise RuntimeError("a bench worker failed") from outcome
    for process in processes:
        process.join(30)
    faults.delete("/_faults")
    faults.close()
    normal = [t for n, _ in outcomes for t in n]
    hung = [t for _, h in outcomes for t in h]
    chain = asyncio.run(_sealed_and_verified(database_url))
    if not chain.ok or chain.records < len(normal):
        raise RuntimeError(f"the access log is not one intact chain: {chain}")
    return normal, hung


async def _sealed_and_verified(database_url: str) -> ChainReport:
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    await seal_access_log(sessions)
    async with sessions() as session:
        report = await exchange_access.verify_access_log(session)
    await engine.dispose()
    return report


def run_exchange_bench(samples: int, output: Path, postgres_url: str) -> str:
    """One application alone, then 16 at once by one worker process and by one per core (as
    ``motcua serve --workers N`` deploys it); the target is judged on the last, all are
    reported."""
    url, process = _serve()
    cores = os.cpu_count() or 1
    # (workers, applications at once) -> (normal, hung); one application alone first, to show
    # that four registries cost one registry's latency, not four.
    runs = [(1, 1)] + [(workers, CONCURRENT) for workers in sorted({1, cores})]
    figures: dict[tuple[int, int], tuple[list[float], list[float]]] = {}
    try:
        for workers, concurrent in runs:
            rounds = samples * 3 if concurrent == 1 else samples  # as many samples as can be
            figures[(workers, concurrent)] = _bench(url, postgres_url, rounds, workers, concurrent)
    finally:
        process.kill()  # stalled requests would hold a graceful shutdown for a minute
        process.wait(10)
    rows = []
    for (workers, concurrent), (normal, hung) in figures.items():
        rows.append(
            f"| {workers} | {concurrent} | all registries answer | {len(normal)} | "
            f"{_percentile(normal, 0.5):.1f} | {_percentile(normal, 0.95):.1f} | "
            f"{max(normal):.1f} |"
        )
        rows.append(
            f"| {workers} | {concurrent} | land registry hung | {len(hung)} | "
            f"{_percentile(hung, 0.5):.1f} | {_percentile(hung, 0.95):.1f} | {max(hung):.1f} |"
        )
    alone = _percentile(figures[(1, 1)][0], 0.5)
    normal, hung = figures[(cores, CONCURRENT)]
    p50, hmax = _percentile(normal, 0.5), max(max(h) for _, h in figures.values())
    verdict = "met" if p50 < TARGET_P50_MS else "MISSED"
    report = "\n".join(
        [
            "## Evidence fetch (`motcua bench exchange`)",
            "",
            f"Machine: {machine()}. Procedure {PROCEDURE}: 5 evidence items from 4 registries "
            f"({', '.join(REGISTRIES)}) on the sandbox over loopback HTTP (its own process), "
            f"each registry set to {LATENCY_MS} ms latency; the platform's e-result store is "
            "switched off (the persona has no signed results). "
            f"One application alone ({samples * 3} rounds), then {CONCURRENT} applications "
            f"at once ({samples} rounds), each after a warm-up round, the 16 "
            "spread over the worker processes (as `motcua serve --workers N`), each with its "
            "pooled registry client and its access-log sealer (every second); one session and "
            "transaction per application, commit included; PostgreSQL; registry timeout "
            f"{TIMEOUT_MS} ms. After each run the access log is sealed and verified: one "
            "intact chain holding every read.",
            "",
            "| workers | at once | case | samples | p50 (ms) | p95 (ms) | max (ms) |",
            "|---|---|---|---|---|---|---|",
            *rows,
            "",
            f"One application alone: p50 {alone:.1f} ms for 4 registries at {LATENCY_MS} ms "
            f"each (read one after another they would take {4 * LATENCY_MS} ms). "
            f"Target p50 < {TARGET_P50_MS:.0f} ms at {CONCURRENT} at once with one worker per "
            f"core ({cores}): {p50:.1f} ms, {verdict}. With one registry hung every "
            f"application returned in at most {hmax:.0f} ms (timeout {TIMEOUT_MS} ms), the "
            "hung item `unavailable` and the others delivered.",
        ]
    )
    write_section(output, "exchange", report)
    return report
