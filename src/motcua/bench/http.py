"""Whole journeys over HTTP (``motcua bench http``): a load generator in its own process
(locust, ``motcua.bench.load``) against ``motcua serve --workers 2`` on PostgreSQL, written to
docs/benchmarks.md.

Every scenario runs at 1, 4 and 16 clients (the citizen journey also at 64), a short timed
window after a warm-up, in ``rounds`` interleaved rounds: the figures are medians over the
rounds (throughput) and percentiles over every sample of every round. The counter submission
is measured beside pgbench sending the project's own submission SQL right after it, at the
same number of clients: the ratio of the two is the figure that holds when the machine is
busy with other work. Each step also reads how many requests each worker process answered
(the metrics files of prometheus-client's multiprocess mode), so a worker left idle shows.
"""

import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import make_url

from motcua.bench import machine, write_section
from motcua.bench.dossiers import _pgbench, agency_province
from motcua.bench.http_fixture import (
    JOURNEY_PROCEDURE,
    LATENCY_MS,
    Served,
    fixture,
    free_port,
    prepare,
    start_sandbox,
    start_server,
    worker_requests,
)

CLIENTS = (1, 4, 16)
JOURNEY_CLIENTS = (1, 4, 16, 64)
SINGLE = {
    "search": "catalog search page `GET /?q=…`",
    "procedure": "procedure page `GET /procedures/{code}`",
    "submit": "counter submission `POST /api/v1/dossiers`",
    "queue": "officer queue `GET /api/v1/workflow/queue?limit=50`",
    "dossier": "officer's dossier page `GET /can-bo/ho-so/{code}`",
}
NAMES = {"dossier": "dossier page"}  # the load generator's name of the request, when not the same
COMMUNES_MINUTES = 30  # 3,321 communes report within 30 minutes before 16:00
RUSH_REPORTERS = 16
RUSH_READERS, RUSH_READ_RATE = 4, 2.0
TARGET_RATIO, TARGET_P99_MS, TARGET_RUSH_P95_MS = 0.25, 100.0, 200.0
BALANCE_RUNS = 6
COMPARED = ("submit", "queue")  # the per-request cost cut outside the services
JOURNEY_TIMES = 3  # a journey's window is this many times a level's
# The 16-client level of a single request, whose p99 has a target, gets this many times a
# level's window: with 2-second windows one pause of a worker moved that p99 from run to run.
P99_TIMES = 3
WARM_UP, JOURNEY_WARM_UP = 0.5, 2.0  # seconds before each level's window, not counted


def journey_window(seconds: float, clients: int) -> tuple[float, float]:
    """A journey level's warm-up and window: the clients start together, so at 64 a whole
    first journey (several seconds) passes in the warm-up and the window is twice as long, to
    hold more than the first wave of ends."""
    scale = max(1.0, clients / 32)
    return JOURNEY_WARM_UP + clients / 16, JOURNEY_TIMES * seconds * scale


REGISTRY_TIMEOUT_MS = 2000  # as seeded (exchange/data/registries.yaml)
RUSH_ROUNDS = 1  # the rush's 3,242 reports in one round are samples enough for its p99


class Driver:
    """The load generator's process: one step a line in, one result a line out."""

    def __init__(self, data: dict[str, Any], log: Path) -> None:
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "motcua.bench.load"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        self._send(data)
        self._read()

    def _send(self, data: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(data) + "\n")
        self.process.stdin.flush()

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("{"):
                return dict(json.loads(line))
        raise RuntimeError(f"the load generator stopped; see {self.log.name}")

    def step(self, **step: Any) -> dict[str, Any]:
        self._send(step)
        return self._read()

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(30)
        self.log.close()


@dataclass
class Level:
    """One scenario at one number of clients, over the rounds."""

    rates: list[float] = field(default_factory=list)
    samples: list[float] = field(default_factory=list)
    requests: int = 0
    errors: int = 0
    messages: dict[str, int] = field(default_factory=dict)
    shares: list[list[int]] = field(default_factory=list)
    pgbench: list[float | None] = field(default_factory=list)
    parts: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    cpu: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # s, by process kind
    answered: int = 0  # answers the CPU above was spent on (every request of the windows)

    def add(self, out: dict[str, Any], name: str | None, share: list[int]) -> None:
        samples = [(n, ms, bad) for n, ms, bad in out["samples"] if name is None or n == name]
        self.rates.append(sum(not bad for _, _, bad in samples) / out["seconds"])
        self.samples.extend(ms for _, ms, bad in samples if not bad)
        self.requests += len(samples)
        self.errors += sum(bad for _, _, bad in out["samples"])
        for message, count in out["errors"].items():
            self.messages[message] = self.messages.get(message, 0) + count
        for part, ms, bad in out["samples"]:
            if part != name and not bad:
                self.parts[part].append(ms)
        self.shares.append(share)

    def pct(self, q: float) -> float:
        return percentile(self.samples, q)

    def ratios(self) -> list[float]:
        return [r / p for r, p in zip(self.rates, self.pgbench, strict=False) if p]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _share(before: dict[int, int], after: dict[int, int]) -> list[int]:
    """Requests each worker answered during a step, largest first."""
    return sorted((after[pid] - before.get(pid, 0) for pid in after), reverse=True)


def _processes(served: Served, driver: Driver) -> dict[str, list[psutil.Process]]:
    """The processes whose CPU a window spends: the server's workers, the PostgreSQL backends
    serving its database (their title names it), the load generator."""
    database = make_url(served.url).database or ""
    backends = []
    for process in psutil.process_iter(["name", "cmdline"]):
        title = " ".join(process.info["cmdline"] or ())
        if (process.info["name"] or "").startswith("postgres") and f" {database} " in title:
            backends.append(process)
    return {
        "workers": psutil.Process(served.process.pid).children(recursive=True),
        "PostgreSQL": backends,
        "load generator": [psutil.Process(driver.process.pid)],
    }


def _cpu_seconds(processes: list[psutil.Process]) -> dict[int, float]:
    spent = {}
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:  # ended in the window (an overflow connection closed)
            continue
        spent[process.pid] = times.user + times.system
    return spent


def _measured(
    driver: Driver, served: Served, level: Level, name: str | None, **step: Any
) -> dict[str, Any]:
    before = worker_requests(served)
    processes = _processes(served, driver)
    started = {kind: _cpu_seconds(found) for kind, found in processes.items()}
    out = driver.step(**step)
    for kind, found in processes.items():
        ended = _cpu_seconds(found)
        level.cpu[kind] += sum(ended[pid] - started[kind].get(pid, ended[pid]) for pid in ended)
    level.answered += out["answered"]  # the CPU above was spent on these, warm-up included
    level.add(out, name, _share(before, worker_requests(served)))
    return out


def _balance(
    served: Served, folder: Path, seconds: float, baseline: Path | None = None
) -> dict[str, list[list[int]]]:
    """4 keep-alive connections, procedure pages read as fast as they go: each worker's share of
    the requests with the workers balancing at accept (``motcua serve``'s way: the server the
    rounds load), with uvicorn's own way (one socket, the first worker to wake accepts) and,
    with ``baseline``, the earlier version's way; ``BALANCE_RUNS`` runs each, alternating."""
    url = served.url
    servers = {
        "balanced at accept": served,
        "first to wake": start_server(url, folder / "shared", 2, balance=False),
    }
    if baseline is not None:
        servers[f"earlier version (`{baseline.name}`)"] = start_server(
            url, folder / "earlier", 2, source=baseline
        )
    shares: dict[str, list[list[int]]] = {mode: [] for mode in servers}
    drivers = {}
    try:
        for mode, server in servers.items():
            pages = {"base": server.base, "procedures": ["1.001193", "0.000003"]}
            drivers[mode] = Driver(pages, folder / "load.log")
        for _ in range(BALANCE_RUNS):
            for mode, server in servers.items():
                level = Level()
                _measured(
                    drivers[mode],
                    server,
                    level,
                    None,
                    scenario="procedure",
                    users=4,
                    seconds=seconds,
                    warmup=0.5,
                )
                shares[mode].append(level.shares[0])
    finally:
        for driver in drivers.values():
            driver.close()
        for server in servers.values():
            if server is not served:
                server.stop()
    return shares


def _database_limit(
    url: str, ids: tuple[int, int, str], clients: int, seconds: float
) -> float | None:
    """pgbench's tps for the submission SQL; tried twice (on a shared server a run can fail,
    e.g. out of connections), else none for this round (the round has no ratio)."""
    for _ in range(2):
        try:
            return _pgbench(url, *ids, clients, max(1, round(seconds)), False)
        except subprocess.CalledProcessError as failed:
            print(f"pgbench failed: {str(failed.stderr)[-300:]}", file=sys.stderr)
    return None


def _baseline_round(
    driver: Driver, served: Served, levels: dict[tuple[str, int], Level], seconds: float
) -> None:
    """The scenarios the cuts aim at, on the earlier version's server, at 16 clients."""
    for scenario in COMPARED:
        _measured(
            driver,
            served,
            levels[(f"before {scenario}", 16)],
            scenario,
            scenario=scenario,
            users=16,
            seconds=seconds,
            warmup=WARM_UP,
        )


def _rounds(
    url: str,
    served: Served,
    seconds: float,
    rounds: int,
    scale: float,
    ids: tuple[int, int, str],  # version, agency, its province
    baseline: Served | None = None,
) -> tuple[dict[tuple[str, int], Level], dict[str, Any]]:
    levels: dict[tuple[str, int], Level] = defaultdict(Level)
    rush_seconds = COMMUNES_MINUTES * 60 / scale
    rush_rate = len(served.fixture["communes"]) / rush_seconds
    driver = Driver(served.fixture, served.log.parent / "load.log")
    before = None
    if baseline is not None:
        baseline.fixture = served.fixture | {"base": baseline.base}
        before = Driver(baseline.fixture, served.log.parent / "load.log")
    day = served.fixture["rush_day"]
    try:
        for round_ in range(rounds):
            if before is not None and baseline is not None:
                _baseline_round(before, baseline, levels, seconds)
            for scenario in SINGLE:
                for clients in CLIENTS:
                    level = levels[(scenario, clients)]
                    _measured(
                        driver,
                        served,
                        level,
                        NAMES.get(scenario, scenario),
                        scenario=scenario,
                        users=clients,
                        seconds=seconds * (P99_TIMES if clients == 16 else 1),
                        warmup=WARM_UP,
                    )
                    if scenario == "submit":
                        level.pgbench.append(_database_limit(url, ids, clients, seconds))
            for clients in JOURNEY_CLIENTS:
                warmup, window = journey_window(seconds, clients)
                _measured(
                    driver,
                    served,
                    levels[("journey", clients)],
                    "journey",
                    scenario="journey",
                    users=clients,
                    seconds=window,
                    warmup=warmup,
                )
            if round_ >= RUSH_ROUNDS:
                continue
            _measured(
                driver,
                served,
                levels[("rush", RUSH_REPORTERS)],
                "daily report",
                scenario="rush",
                users=RUSH_REPORTERS,
                readers=RUSH_READERS,
                rate=rush_rate,
                read_rate=RUSH_READ_RATE,
                seconds=rush_seconds,
                warmup=0.0,
            )
    finally:
        driver.close()
        if before is not None:
            before.close()
    return levels, {"seconds": rush_seconds, "rate": rush_rate, "day": day}


def _fmt_share(shares: list[list[int]]) -> str:
    parts = []
    for share in shares:
        total = sum(share) or 1
        parts.append("/".join(f"{100 * n / total:.0f}" for n in share) if len(share) > 1 else "100")
    return ", ".join(parts)


CPU_KINDS = ("workers", "PostgreSQL", "load generator")


def _cpu_rows(levels: dict[tuple[str, int], Level]) -> list[str]:
    """CPU per answer at 16 clients, by process, and what it allows on this machine's cores:
    with 16 clients always waiting the mean answer is 16 divided by the rate, and the rate is
    at most the cores' time divided by the CPU one answer takes."""
    cores = os.cpu_count() or 1
    rows = []
    for scenario, title in SINGLE.items():
        level = levels[(scenario, 16)]
        if not level.answered:
            continue
        spent = [1000 * level.cpu[kind] / level.answered for kind in CPU_KINDS]
        total = sum(spent)
        rate = statistics.median(level.rates) if level.rates else 0.0
        rows.append(
            f"| {title} | {' | '.join(f'{ms:.2f}' for ms in spent)} | {total:.2f} | "
            f"{1000 * cores / total:.0f} | {rate:.1f} | {1000 * 16 / rate if rate else 0:.1f} |"
        )
    return rows


def _row(name: str, clients: int, level: Level, extra: str = "") -> str:
    rate = statistics.median(level.rates) if level.rates else 0.0
    return (
        f"| {name} | {clients} | {rate:.1f} | {level.pct(0.5):.1f} | {level.pct(0.95):.1f} | "
        f"{level.pct(0.99):.1f} | {level.errors} of {level.requests} | "
        f"{_fmt_share(level.shares)} |{extra}"
    )


def _report(
    levels: dict[tuple[str, int], Level],
    balance: dict[str, list[list[int]]],
    rush: dict[str, Any],
    seconds: float,
    rounds: int,
    scale: float,
    began: datetime,
    load: str,
) -> str:
    rows = []
    for scenario, title in SINGLE.items():
        for clients in CLIENTS:
            level = levels[(scenario, clients)]
            extra = ""
            if scenario == "submit":
                found = [p for p in level.pgbench if p]
                ratios = level.ratios()
                extra = (
                    f" {statistics.median(found):.0f} | {statistics.median(ratios):.2f} |"
                    if found and ratios
                    else " n/a | n/a |"
                )
            else:
                extra = " | |"
            rows.append(_row(title, clients, level, extra))
    journeys = [
        _row("citizen journey (whole)", c, levels[("journey", c)], " | |") for c in JOURNEY_CLIENTS
    ]
    rush_level = levels[("rush", RUSH_REPORTERS)]
    dashboard = rush_level.parts.get("national dashboard", [])
    submit16 = levels[("submit", 16)]
    ratios16 = submit16.ratios()
    ratio16 = statistics.median(ratios16) if ratios16 else 0.0
    p99s = {t: levels[(s, 16)].pct(0.99) for s, t in SINGLE.items()}
    misses = [f"{t}: {v:.1f} ms" for t, v in p99s.items() if not v < TARGET_P99_MS]
    journey16 = levels[("journey", 16)]
    steps = sorted(journey16.parts)
    step_rows = [
        f"| {s.split(' ', 2)[2]} | {percentile(journey16.parts[s], 0.5):.1f} | "
        f"{percentile(journey16.parts[s], 0.95):.1f} |"
        for s in steps
        if s.startswith("journey ")
    ]
    rush_p95 = rush_level.pct(0.95)
    rush_rounds = min(rounds, RUSH_ROUNDS)
    sent = rush_level.requests / max(1, rush_rounds)
    lines = [
        "## Whole journeys over HTTP (`motcua bench http`)",
        "",
        f"- Measured: {began:%Y-%m-%d %H:%M} UTC on {machine()}; {load}",
        "- Server: `motcua serve --workers 2` (uvicorn, uvloop, httptools; the workers share "
        "one socket and balance their connections at accept) on PostgreSQL, its own database "
        "seeded as the demo is (3,321 communes, 2,525 procedures, Plan 02 for every unit; "
        "synthetic data); the sandbox e-ID provider and registries (these answering in "
        f"{LATENCY_MS} ms) served by a process of their own (`motcua.bench.sandbox`: the "
        "real ones are other systems, so the platform's workers serve only the platform); "
        "rate limits off (every client is 127.0.0.1). "
        "Outbox worker not running (its work is not in these paths).",
        "- Client: locust (FastHttpUser, headless through its Python API) in a process of its "
        "own on the same machine, each client one keep-alive connection sending its next "
        f"request as soon as the answer arrives. {rounds} interleaved rounds; each level "
        f"{seconds:.0f} s timed after a warm-up of {WARM_UP} s (at 16 clients "
        f"{P99_TIMES * seconds:.0f} s, for the p99); journeys "
        f"{JOURNEY_TIMES * seconds:.0f} s after {journey_window(seconds, 1)[0]:.0f} s to "
        f"{journey_window(seconds, 16)[0]:.0f} s, at 64 clients "
        f"{journey_window(seconds, 64)[1]:.0f} s after {journey_window(seconds, 64)[0]:.0f} s, "
        "a journey counted when it ends in the window; *per second* is "
        "the median over the rounds, p50/p95/p99 over every answer of every round (ms), "
        "*workers* each worker process's share of the requests in each round (%).",
        "- Counter submission: a receiving officer's bearer token, a birth registration typed "
        "at the counter (4 items), a fresh Idempotency-Key each time, at one commune service "
        "centre (one counter row, the worst case). pgbench runs the project's own submission "
        "SQL (`motcua.bench.dossiers`) right after each level at the same number of clients: "
        "*ratio* is HTTP per second over pgbench's tps, the median of the rounds' ratios.",
        f"- Citizen journey ({JOURNEY_PROCEDURE}, permanent residence): e-ID sign-in through "
        "the sandbox OpenID provider (redirect, the provider's form, callback), the draft with "
        f"its consent, consent confirmed, the fetch from 4 registries at {LATENCY_MS} ms each, "
        "the form saved, the submission, the receipt page: 9 requests; *per second* counts "
        "whole journeys.",
        "",
        "| scenario | clients | per second | p50 | p95 | p99 | errors | workers | "
        "pgbench tps | ratio |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        *journeys,
        "",
        "Journey steps at 16 clients (ms):",
        "",
        "| step | p50 | p95 |",
        "|---|---|---|",
        *step_rows,
        "",
        "### CPU per answer at 16 clients",
        "",
        "The CPU time (user and system) each kind of process spent in the 16-client windows "
        "of a scenario, warm-ups included, divided by the answers in them (ms): the "
        "platform's worker processes, the PostgreSQL backends serving its database, the load "
        f"generator. *Ceiling*: the answers a second {os.cpu_count()} cores allow at that "
        "cost, all of it; *mean answer*: 16 clients always waiting, 16 divided by the rate "
        "measured (ms). A p99 under 100 ms needs a mean answer well under it, so a rate near "
        "the ceiling only when the CPU per answer is small.",
        "",
        "| scenario | workers | PostgreSQL | load generator | all | ceiling per second | "
        "per second | mean answer |",
        "|---|---|---|---|---|---|---|---|",
        *_cpu_rows(levels),
        "",
        "### The 16:00 rush",
        "",
        f"3,321 communes report within {COMMUNES_MINUTES} minutes; compressed {scale:.0f} times: "
        f"{rush['seconds']:.0f} s at {rush['rate']:.0f} reports per second in all, arriving as "
        f"independent senders do (a Poisson process, open loop) over {RUSH_REPORTERS} clients, "
        "each commune's report (every commune task "
        "of the day answered) sent with its province monitor's token; meanwhile "
        f"{RUSH_READERS} people open the national dashboard page (`/monitoring`), "
        f"{RUSH_READ_RATE:.0f} page loads per second in all, in "
        + (
            "the first round only."
            if rush_rounds == 1
            else f"the first {rush_rounds} rounds, each filing the day again (a new version "
            "of each report)."
        ),
        "",
        "| request | answered | per second | p50 | p95 | p99 | errors |",
        "|---|---|---|---|---|---|---|",
        f"| daily report | {len(rush_level.samples)} (sent {sent:.0f} a round) | "
        f"{statistics.median(rush_level.rates):.1f} | {rush_level.pct(0.5):.1f} | "
        f"{rush_p95:.1f} | {rush_level.pct(0.99):.1f} | {rush_level.errors} |",
        f"| national dashboard | {len(dashboard)} | | {percentile(dashboard, 0.5):.1f} | "
        f"{percentile(dashboard, 0.95):.1f} | {percentile(dashboard, 0.99):.1f} | |",
        "",
        "### Every core",
        "",
        "4 keep-alive connections reading procedure pages as fast as they go, "
        f"{BALANCE_RUNS} runs of {seconds:.0f} s with each way of listening, alternating; "
        "each worker's share of the requests per run (%):",
        "",
        "| listening | shares per run | runs with a worker idle |",
        "|---|---|---|",
        *(
            f"| {mode} | {_fmt_share(runs)} | "
            f"{sum(len(r) < 2 or min(r) == 0 for r in runs)} of {len(runs)} |"
            for mode, runs in balance.items()
        ),
        "",
        "### Targets",
        "",
        f"- HTTP submission at 16 clients ≥ {TARGET_RATIO} of pgbench in the same spell: "
        f"{ratio16:.2f} (rounds {', '.join(f'{r:.2f}' for r in ratios16)}): "
        f"{'met' if ratio16 >= TARGET_RATIO else 'not met'}.",
        f"- p99 < {TARGET_P99_MS:.0f} ms for every single-request scenario at 16 clients: "
        + ("met." if not misses else f"not met ({'; '.join(misses)})."),
        f"- 16:00 rush p95 < {TARGET_RUSH_P95_MS:.0f} ms (daily report): {rush_p95:.1f} ms, "
        f"{'met' if rush_p95 < TARGET_RUSH_P95_MS else 'not met'}; the dashboard page beside "
        f"it: p95 {percentile(dashboard, 0.95):.1f} ms.",
    ]
    lines.append(_most_journeys(levels))
    errors = {m: n for lv in levels.values() for m, n in lv.messages.items()}
    if errors:
        lines += ["", "Errors seen:", ""]
        lines += [f"- {n} × {m}" for m, n in sorted(errors.items(), key=lambda e: -e[1])[:8]]
    return "\n".join(lines)


def _most_journeys(levels: dict[tuple[str, int], Level]) -> str:
    """Whether the journeys at the most clients completed, and if not, where they stopped."""
    clients = max(JOURNEY_CLIENTS)
    level = levels[("journey", clients)]
    failed = {
        m.split(": ", 1)[1]: n for m, n in level.messages.items() if m.startswith("journey: ")
    }
    ended = len(level.samples) + sum(failed.values())
    head = f"- Citizen journeys at {clients} clients:"
    if not ended:
        return f"{head} none ended in the windows (a journey took longer than a window)."
    if not failed:
        return f"{head} all {ended} that ended in the windows completed."
    where = ", ".join(f"{n} at {step.split(' ', 2)[-1]}" for step, n in sorted(failed.items()))
    line = f"{head} {sum(failed.values())} of {ended} failed ({where})."
    fetch = level.parts.get("journey 6 fetch", [])
    if any("submit" in step for step in failed) and fetch:
        line += (
            " A submission refused for a missing upload is an item the fetch did not bring: "
            f"a registry read cut at the registry's timeout ({REGISTRY_TIMEOUT_MS} ms). The "
            f"registries answer in {LATENCY_MS} ms from their own process; the fetch took "
            f"{percentile(fetch, 0.5):.0f} ms at the median and {percentile(fetch, 0.95):.0f} "
            "ms at p95, the rest of the wait being the platform's workers and the machine."
        )
    return line


def _comparison(levels: dict[tuple[str, int], Level], baseline: Path) -> str:
    """Before and after the cuts, the same spell: the earlier version's server beside."""
    rows = []
    for scenario in COMPARED:
        for when, key in (("before", f"before {scenario}"), ("after", scenario)):
            level = levels[(key, 16)]
            rows.append(
                f"| {SINGLE[scenario]} | {when} | {statistics.median(level.rates):.1f} | "
                f"{level.pct(0.5):.1f} | {level.pct(0.95):.1f} | {level.pct(0.99):.1f} |"
            )
    return "\n".join(
        [
            "### Before and after the cuts (same spell)",
            "",
            f"The earlier version (source tree `{baseline.name}`) served beside this one on "
            "the same database, its steps run in every round just before this version's, "
            "16 clients:",
            "",
            "| scenario | version | per second | p50 | p95 | p99 |",
            "|---|---|---|---|---|---|",
            *rows,
        ]
    )


def _load() -> str:
    one, five, _ = os.getloadavg()
    return (
        f"load average at the start {one:.1f} (5 min: {five:.1f}) on {os.cpu_count()} cores "
        "(other work was running on the machine when this exceeds the bench's own ~2)."
    )


def run_http_bench(
    url: str,
    seconds: float,
    rounds: int,
    scale: float,
    output: Path,
    keep: bool = False,
    fresh: bool = True,
    baseline: Path | None = None,
) -> str:
    folder = Path(tempfile.mkdtemp(prefix="motcua-bench-http-"))
    began = datetime.now(UTC)
    load = _load()
    monitors, version_id, agency_id, communes = prepare(url, folder, fresh)
    port = free_port()
    sandbox = start_sandbox(folder, f"http://127.0.0.1:{port}")
    started: list[Served] = []
    try:
        served = start_server(url, folder, 2, sandbox=sandbox.base, port=port)
        started.append(served)
        if baseline is not None:  # its sign-ins come back to this version's server
            started.append(
                start_server(url, folder / "before", 2, source=baseline, sandbox=sandbox.base)
            )
        before = started[1] if baseline is not None else None
        fixture(served, monitors, communes, sandbox.registries)
        balance = _balance(served, folder, seconds, baseline)
        ids = (version_id, agency_id, asyncio.run(agency_province(url, agency_id)))
        levels, rush = _rounds(url, served, seconds, rounds, scale, ids, before)
    finally:
        for server in started:
            server.stop()
        sandbox.stop()
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)
    body = _report(levels, balance, rush, seconds, rounds, scale, began, load)
    if baseline is not None:
        body += "\n\n" + _comparison(levels, baseline)
    write_section(output, "http", body)
    return body
