"""``motcua bench rollup``: does the statistics worker keep up with 500 dossier events a second?

The real worker runs as its own process (``motcua worker``) on a PostgreSQL database of
synthetic dossiers, each filed (one ``submitted`` event) and already counted. For a bounded
time a generator writes dossier history the way the workflow does, at a steady rate: each
batch, one transaction, appends the next step of a few dozen dossiers (in progress, payment,
supplement asked and answered, apology, result, returned or refused) and moves their state. A
watcher asks every quarter second which events a stored fact has seen, which gives each
event's lag from its commit to the roll-up, and the backlog. After the rounds the roll-up the
worker kept incrementally is compared with a rebuild from scratch.
"""

import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import asyncpg
from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.bench import bulk, machine, write_section
from motcua.bench.reference import reference_database
from motcua.core.database import make_engine
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.stats import repository, service, synthetic
from motcua.stats.facts import SYNTHETIC_PREFIX

BATCHES_PER_SECOND = 10
WATCH_EVERY = 0.25  # seconds between the watcher's looks
ACTIVE = 2_000  # dossiers being worked on at once (each batch takes distinct ones)


def _path(rng: random.Random) -> list[tuple[str, str]]:
    """The steps a filed dossier goes through, as (event kind, state after)."""
    steps = [("step-completed", "in_progress")]
    if rng.random() < 0.3:
        steps.append(("payment-confirmed", "in_progress"))
    if rng.random() < 0.12:
        steps += [("supplement-requested", "supplement_requested"),
                  ("supplement-answered", "in_progress")]  # fmt: skip
    if rng.random() < 0.1:
        steps.append(("delay-apology", "in_progress"))
    if rng.random() < 0.04:
        return [*steps, ("refused", "refused")]
    return [*steps, ("result-signed", "result_ready"), ("returned", "returned")]


async def _file(url: str, count: int, seed: int) -> list[int]:
    """``count`` filed dossiers received over the last ten days, counted by a rebuild."""
    await reference_database(url)
    engine = make_engine(url)
    rng = random.Random(seed)
    now = datetime.now(UTC)
    async with AsyncSession(engine) as session, session.begin():
        procedures = await synthetic._procedures(session)
        communes = [
            (agency_id, province)
            for province, pool in (await synthetic._communes(session)).items()
            for agency_id, _ in pool
        ]
        ids: list[int] = []
        for start in range(0, count, 2_000):
            rows = []
            for number in range(start, min(count, start + 2_000)):
                procedure = rng.choice(procedures)
                agency_id, province = rng.choice(communes)
                received = now - timedelta(days=rng.uniform(0.5, 10))
                code = f"{SYNTHETIC_PREFIX}BENCH-{number:07d}"
                plan = synthetic._Plan(
                    due_at=received + timedelta(days=rng.uniform(1, 20)),
                    events=[("submitted", None, "received", received)],
                    paid=False,
                    violation=False,
                )
                channel = rng.choice(["online", "online", "counter", "post"])
                rows.append(
                    synthetic._dossier(
                        code, procedure, agency_id, province, channel, received, plan
                    )
                )
            table = cast(Table, Dossier.__table__)
            returned = await session.execute(insert(table).returning(table.c.id), rows)
            new = [int(i) for (i,) in returned]
            await session.execute(
                insert(DossierEvent.__table__),  # type: ignore[arg-type]
                [
                    {"dossier_id": i, "province_code": r["province_code"], "seq": 1,
                     "at": r["received_at"], "actor_number": synthetic.ACTOR, "kind": "submitted",
                     "from_state": None, "to_state": "received", "data": {"synthetic": True}}
                    for i, r in zip(new, rows, strict=True)
                ],
            )  # fmt: skip
            ids += new
        await service.rebuild(session)
    async with engine.connect() as c:
        await c.exec_driver_sql("ANALYZE")
    await engine.dispose()
    return ids


@dataclass
class Round:
    seconds: float
    rate: int
    written: int = 0
    generated_for: float = 0.0
    lags: list[float] = field(default_factory=list)
    backlog: list[int] = field(default_factory=list)  # at each look while generating
    backlog_at_end: int = 0
    drained_after: float | None = None  # seconds after the last event

    def row(self) -> dict[str, float]:
        lags = sorted(self.lags)
        return {
            "offered": self.written / self.generated_for,
            "processed": len(lags) / (self.generated_for + (self.drained_after or 0.0)),
            "lag_median": statistics.median(lags),
            "lag_p95": statistics.quantiles(lags, n=20)[-1],
            "lag_max": lags[-1],
            "backlog_max": max(self.backlog),
            "backlog_end": self.backlog_at_end,
            "drained": self.drained_after if self.drained_after is not None else float("nan"),
        }


class Generator:
    """Writes the next step of distinct dossiers, ``rate`` events a second, in batches."""

    def __init__(self, dossiers: list[int], seed: int) -> None:
        self.rng = random.Random(seed)
        self.waiting = list(reversed(dossiers))
        self.active: dict[int, tuple[int, list[tuple[str, str]]]] = {}  # id → (seq, steps)
        self.state: dict[int, str] = {}

    def _pick(self, size: int) -> list[tuple[int, int, str, str, str]]:
        while len(self.active) < ACTIVE and self.waiting:
            self.active[self.waiting.pop()] = (1, _path(self.rng))
        chosen = self.rng.sample(sorted(self.active), min(size, len(self.active)))
        batch = []
        for dossier_id in chosen:
            seq, steps = self.active[dossier_id]
            kind, after = steps[0]
            before = self.state.get(dossier_id, "received")
            batch.append((dossier_id, seq + 1, kind, before, after))
            self.state[dossier_id] = after
            if len(steps) == 1:
                del self.active[dossier_id]
            else:
                self.active[dossier_id] = (seq + 1, steps[1:])
        return batch

    async def write(self, connection: asyncpg.Connection, size: int) -> list[int]:
        batch = self._pick(size)
        at = datetime.now(UTC)
        async with connection.transaction():
            ids = await connection.fetch(
                "INSERT INTO dossier_events (dossier_id, province_code, seq, at, actor_number, "
                "kind, from_state, to_state, data) "
                "SELECT u.d, x.province_code, s, $6, $7, k, f, t, '{}'::json "
                "FROM unnest($1::int[], $2::int[], $3::text[], $4::text[], $5::text[]) "
                "AS u(d, s, k, f, t) JOIN dossiers x ON x.id = u.d RETURNING id",
                [b[0] for b in batch], [b[1] for b in batch], [b[2] for b in batch],
                [b[3] for b in batch], [b[4] for b in batch], at, synthetic.ACTOR,
            )  # fmt: skip
            await connection.execute(
                "UPDATE dossiers AS d SET state = u.t, version = d.version + 1, "
                "payment_state = CASE WHEN u.k = 'payment-confirmed' THEN 'paid' "
                "ELSE d.payment_state END "
                "FROM unnest($1::int[], $2::text[], $3::text[]) AS u(i, k, t) WHERE d.id = u.i",
                [b[0] for b in batch], [b[2] for b in batch], [b[4] for b in batch],
            )  # fmt: skip
        return [int(r["id"]) for r in ids]


SEEN = (
    "SELECT e.id FROM dossier_events e JOIN stats_dossier_facts f ON f.dossier_id = e.dossier_id "
    "WHERE e.id = ANY($1::int[]) AND f.last_event_id >= e.id"
)


async def _round(url: str, generator: Generator, seconds: float, rate: int) -> Round:
    result = Round(seconds, rate)
    writer = await bulk.connect(url)
    watcher = await bulk.connect(url)
    committed: dict[int, float] = {}  # event id → when its transaction committed
    done = asyncio.Event()

    async def watch() -> None:
        while True:
            waiting = list(committed)
            seen_at = time.monotonic()
            if waiting:
                for row in await watcher.fetch(SEEN, waiting):
                    result.lags.append(seen_at - committed.pop(int(row["id"])))
            if not done.is_set():
                result.backlog.append(len(committed))
            elif not committed:
                return
            await asyncio.sleep(WATCH_EVERY)

    watching = asyncio.create_task(watch())
    size = rate // BATCHES_PER_SECOND
    started = time.monotonic()
    batches = 0
    while time.monotonic() - started < seconds:
        due = started + batches / BATCHES_PER_SECOND
        if due > time.monotonic():
            await asyncio.sleep(due - time.monotonic())
        ids = await generator.write(writer, size)
        stamp = time.monotonic()
        committed.update(dict.fromkeys(ids, stamp))
        result.written += len(ids)
        batches += 1
    stopped = time.monotonic()
    result.generated_for = stopped - started
    result.backlog_at_end = len(committed)
    done.set()
    await asyncio.wait_for(watching, timeout=120)
    result.drained_after = time.monotonic() - stopped
    await writer.close()
    await watcher.close()
    return result


def _worker(url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MOTCUA_DATABASE_URL": url}
    with log.open("wb") as out:
        return subprocess.Popen(
            [str(Path(sys.executable).parent / "motcua"), "worker"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


async def _compare(url: str) -> tuple[int, bool]:
    """The incremental roll-up's rows, and whether a rebuild from scratch gives the same."""
    engine = make_engine(url)
    async with AsyncSession(engine) as session, session.begin():
        kept = await repository.rollup_rows(session)
        await service.rebuild(session)
        rebuilt = await repository.rollup_rows(session)
    await engine.dispose()
    return len(kept), kept == rebuilt


def run_rollup_bench(
    url: str, dossiers: int, rate: int, seconds: float, rounds: int, output: Path
) -> str:
    ids = asyncio.run(_file(url, dossiers, seed=11))
    generator = Generator(ids, seed=13)
    log = Path("/tmp") / f"motcua-bench-rollup-worker-{os.getpid()}.log"
    worker = _worker(url, log)
    before = os.getloadavg()[0]
    results: list[Round] = []
    try:
        time.sleep(8)  # the worker's start-up and first (empty) refresh
        for _ in range(rounds):
            results.append(asyncio.run(_round(url, generator, seconds, rate)))
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    load = (before, os.getloadavg()[0])
    rows, equal = asyncio.run(_compare(url))
    report = _report(results, dossiers, rate, seconds, rows, equal, load)
    write_section(output, "rollup", report)
    if not equal:
        raise SystemExit("the incremental roll-up differs from the rebuild:\n" + report)
    return report


def _report(
    results: list[Round],
    dossiers: int,
    rate: int,
    seconds: float,
    rows: int,
    equal: bool,
    load: tuple[float, float],
) -> str:
    from motcua.stats.tasks import EVERY

    table = [r.row() for r in results]
    columns: list[tuple[str, str, str]] = [
        ("offered", "events/s written", "{:.0f}"),
        ("processed", "events/s rolled up (to the last)", "{:.0f}"),
        ("lag_median", "lag median s", "{:.2f}"),
        ("lag_p95", "lag p95 s", "{:.2f}"),
        ("lag_max", "lag max s", "{:.2f}"),
        ("backlog_max", "backlog max", "{:.0f}"),
        ("backlog_end", "backlog at stop", "{:.0f}"),
        ("drained", "drained after s", "{:.1f}"),
    ]
    lines = [
        "## Roll-up worker throughput (`motcua bench rollup`)",
        "",
        f"- Measured: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}; PostgreSQL; the "
        f"worker, the generator and PostgreSQL share the machine; load average {load[0]:.1f} "
        f"before and {load[1]:.1f} after the rounds (above 2, other work was running on the "
        "machine at the same time).",
        f"- Target (issue): the roll-up worker keeps up with {rate} dossier events per second.",
        f"- Setup: {dossiers:,} synthetic dossiers filed over the last ten days and counted; "
        f"the real worker (`motcua worker`, its statistics tick every {EVERY.seconds} s) runs as "
        f"its own process. Each round a generator writes {rate} events a second for "
        f"{seconds:.0f} s, in {BATCHES_PER_SECOND} transactions a second, each appending the "
        "next step of distinct dossiers to their history and moving their state.",
        f"- Lag: from an event's commit to the first look (every {WATCH_EVERY} s) that finds "
        "its dossier's fact, and so the roll-up, past it. Backlog: events committed and not "
        "yet rolled up, at each look while generating and when generation stops; drained: "
        "seconds after the stop until none is left.",
        f"- Afterwards the incremental roll-up ({rows:,} non-empty rows) "
        + ("equals" if equal else "DIFFERS FROM")
        + " a rebuild from scratch (`motcua stats rebuild`'s code).",
        "",
        "| round | " + " | ".join(title for _, title, _ in columns) + " |",
        "|---" * (len(columns) + 1) + "|",
    ]
    for number, row in enumerate(table, 1):
        cells = [fmt.format(row[key]) for key, _, fmt in columns]
        lines.append(f"| {number} | " + " | ".join(cells) + " |")
    medians = [fmt.format(statistics.median(r[key] for r in table)) for key, _, fmt in columns]
    lines.append(f"| median of {len(table)} | " + " | ".join(medians) + " |")
    return "\n".join(lines)
