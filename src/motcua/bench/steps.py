"""``make bench`` as one timed run (``motcua bench all``): every benchmark in turn, each in its
own process as the Makefile ran them, its wall time and the machine's load (sampled while it
runs) printed as it ends and written to docs/benchmarks.md, section ``run``, with the install
before it when the Makefile says when it began. The claim "under 20 minutes" is then a figure
of the run that wrote the other sections, not an estimate."""

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from motcua.bench import machine, write_section

MOTCUA = str(Path(sys.executable).parent / "motcua")
LOAD_EVERY = 2.0  # seconds between two looks at the load average while a step runs


@dataclass(frozen=True)
class Step:
    """One benchmark of ``make bench``: its arguments and the database it owns."""

    name: str
    args: tuple[str, ...]
    database: str
    what: str  # what it builds and what its figures rest on, for the section


STEPS = (
    Step(
        "catalog",
        ("--rounds", "20"),
        "motcua_bench",
        "SQLite and a reference copy with 2,500 synthetic procedures; 200 searches a database",
    ),
    Step(
        "exchange",
        ("--samples", "10"),
        "motcua_bench_exchange",
        "3 reference copies, the sandbox registries' process; 30 alone, 10 rounds of 16",
    ),
    Step(
        "dossiers",
        ("--seconds", "3", "--rounds", "2"),
        "motcua_bench_dossiers",
        "a reference copy; 2 rounds of 7 levels of 3 s, pgbench after each",
    ),
    Step(
        "monitoring",
        ("--rounds", "20"),
        "motcua_bench_monitoring",
        "23,543 units x 180 days (3.7 million reports); 20 samples a query",
    ),
    Step(
        "workflow",
        ("--samples", "300"),
        "motcua_bench_workflow",
        "100,000 dossiers; 300 samples a page",
    ),
    Step(
        "stats",
        ("--samples", "50"),
        "motcua_bench_stats",
        "5,000,000 dossier facts (reused when built by an earlier run); 50 samples a request",
    ),
    Step(
        "rollup",
        ("--rounds", "2", "--seconds", "30", "--dossiers", "20000"),
        "motcua_bench_rollup",
        "20,000 dossiers (72,000 steps to write, 30,000 written), the worker's process; 2 "
        "rounds of 30 s at 500 events a second",
    ),
    Step(
        "http",
        ("--seconds", "2", "--rounds", "2"),
        "motcua_bench_http",
        "the database seeded as the demo is, the servers, the registries' process; 2 rounds, "
        "levels of 2 s (6 s at 16 clients), journeys 6 s (at 64 clients 12 s), one 30 s rush",
    ),
)


@dataclass
class Timed:
    """A step's wall time and the 1-minute load average seen while it ran."""

    step: Step
    seconds: float = 0.0
    status: int = 0
    loads: list[float] = field(default_factory=list)

    def load(self) -> str:
        if not self.loads:
            return "n/a"
        low, high = min(self.loads), max(self.loads)
        return f"{low:.1f}" if round(low, 1) == round(high, 1) else f"{low:.1f}–{high:.1f}"


class LoadWatch:
    """The 1-minute load average, looked at every ``LOAD_EVERY`` seconds in a thread."""

    def __init__(self) -> None:
        self.seen: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            self.seen.append(os.getloadavg()[0])
            if self._stop.wait(LOAD_EVERY):
                return

    def __enter__(self) -> "LoadWatch":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def database_url(server: str, step: Step, suffix: str) -> str:
    return f"{server.rstrip('/')}/{step.database}{suffix}"


def run_step(step: Step, server: str, suffix: str, output: Path) -> Timed:
    """One benchmark as its own process, as the Makefile ran it."""
    args = [MOTCUA, "bench", step.name, *step.args, "--output", str(output)]
    args += ["--postgres-url", database_url(server, step, suffix)]
    timed = Timed(step)
    print(f"== bench {step.name}: {' '.join(args[2:])}", flush=True)
    started = time.monotonic()
    with LoadWatch() as watch:
        timed.status = subprocess.run(args, check=False).returncode
    timed.seconds = time.monotonic() - started
    timed.loads = watch.seen
    state = "" if timed.status == 0 else f", FAILED (exit {timed.status})"
    print(f"== bench {step.name}: {timed.seconds:.0f} s, load {timed.load()}{state}", flush=True)
    return timed


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def report(
    timings: list[Timed],
    began: datetime,
    install: float | None,
    install_load: tuple[float, float, float] | None,
    ended_load: tuple[float, float, float],
) -> str:
    cores = os.cpu_count() or 1
    steps = sum(t.seconds for t in timings)
    total = steps + (install or 0.0)
    loads = [load for t in timings for load in t.loads]
    busy = bool(loads) and max(loads) > cores + 1
    rows = []
    if install is not None and install_load is not None:
        rows.append(
            f"| install (`make install`, `pip install -e '.[bench]'`, PostgreSQL started) | "
            f"{install:.0f} | {install_load[0]:.1f} (at its end) | the virtualenv, the platform |"
        )
    for t in timings:
        state = "" if t.status == 0 else f" **failed (exit {t.status})**"
        rows.append(
            f"| `bench {t.step.name} {' '.join(t.step.args)}`{state} | {t.seconds:.0f} | "
            f"{t.load()} | {t.step.what} |"
        )
    failed = [t.step.name for t in timings if t.status]
    verdict = "under 20 minutes" if total < 20 * 60 else "NOT under 20 minutes"
    lines = [
        "## Wall time of `make bench` (`motcua bench all`)",
        "",
        f"- Run: {began:%Y-%m-%d %H:%M} UTC on {machine()}.",
        "- Load average (1 min) seen every 2 s while each step ran; "
        + (
            f"above {cores + 1} the machine was busy with other work, and the wall times are "
            "longer than an idle machine's."
            if busy
            else f"at most {max(loads, default=0):.1f} on {cores} cores (the benchmarks' own)."
        ),
        f"- Load average at the end (1, 5, 15 min): {', '.join(f'{v:.1f}' for v in ended_load)}.",
        "",
        "| step | wall (s) | load average while it ran | builds, and what its figures rest on |",
        "|---|---:|---|---|",
        *rows,
        f"| **total** | **{total:.0f}** | | **{_minutes(total)}: {verdict}** |",
    ]
    if install is None:
        lines += ["", "The install was not timed (run without `--began`)."]
    if failed:
        lines += ["", f"Failed: {', '.join(failed)} (their sections were not rewritten)."]
    return "\n".join(lines)


def run_all(
    server: str,
    suffix: str,
    output: Path,
    began: float | None,
    only: list[str] | None,
) -> tuple[str, bool]:
    """Every step in turn (or ``only`` those named); the section is written only for a whole
    run. Returns the report and whether every step passed."""
    start = datetime.fromtimestamp(began, UTC) if began is not None else datetime.now(UTC)
    install = time.time() - began if began is not None else None
    install_load = os.getloadavg() if began is not None else None
    chosen = [s for s in STEPS if only is None or s.name in only]
    timings = [run_step(step, server, suffix, output) for step in chosen]
    body = report(timings, start, install, install_load, os.getloadavg())
    if only is None:
        write_section(output, "run", body)
    return body, all(t.status == 0 for t in timings)
