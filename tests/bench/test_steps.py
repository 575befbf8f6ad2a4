"""``motcua bench all``: each step's wall time and the machine's load, as printed and written
to docs/benchmarks.md; a step that fails is named and the run says so."""

import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from motcua.bench import steps
from motcua.bench.http import Level, _most_journeys
from motcua.bench.http_fixture import start_sandbox


def test_a_failing_step_is_timed_and_named(tmp_path: Path) -> None:
    step = steps.Step("no-such-bench", ("--rounds", "1"), "motcua_bench_none", "nothing")
    timed = steps.run_step(step, "postgresql+asyncpg://postgres@127.0.0.1:5432", "_x", tmp_path)
    assert timed.status != 0 and timed.seconds > 0 and timed.loads
    body = steps.report([timed], datetime.now(UTC), None, None, (0.5, 0.4, 0.3))
    assert "`bench no-such-bench --rounds 1` **failed" in body
    assert "Failed: no-such-bench" in body
    assert "The install was not timed" in body


def test_report_totals_the_install_and_every_step() -> None:
    catalog, http = steps.STEPS[0], steps.STEPS[-1]
    timings = [
        steps.Timed(catalog, seconds=40.0, loads=[1.5, 2.5]),
        steps.Timed(http, seconds=300.0, loads=[2.0]),
    ]
    body = steps.report(
        timings, datetime(2026, 12, 6, 8, 0, tzinfo=UTC), 180.0, (3, 2, 1), (2, 2, 2)
    )
    assert "| install (" in body and "| 180 |" in body
    assert "| `bench catalog --rounds 20` | 40 | 1.5–2.5 |" in body
    assert "| `bench http --seconds 2 --rounds 2` | 300 | 2.0 |" in body
    assert "**520**" in body and "8.7 min: under 20 minutes" in body
    assert "Failed" not in body


def test_load_is_watched_while_a_step_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(steps, "LOAD_EVERY", 0.05)
    with steps.LoadWatch() as watch:
        time.sleep(0.3)
    assert len(watch.seen) >= 3 and all(v >= 0 for v in watch.seen)


def test_every_step_names_its_own_database() -> None:
    names = [s.database for s in steps.STEPS]
    assert len(set(names)) == len(names)
    url = steps.database_url("postgresql+asyncpg://h:5432/", steps.STEPS[1], "_mine")
    assert url == "postgresql+asyncpg://h:5432/motcua_bench_exchange_mine"


def test_the_sandbox_answers_from_its_own_process(tmp_path: Path) -> None:
    sandbox = start_sandbox(tmp_path, "http://127.0.0.1:9")
    try:
        faults = f"{sandbox.registries}/_faults"
        answer = httpx.put(f"{faults}/land", json={"latency_ms": 100}, timeout=10)
        assert answer.status_code == 200
        assert httpx.get(faults, timeout=10).json()["land"]["latency_ms"] == 100
        issuer = f"{sandbox.base}/sandbox/oidc"
        found = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
        assert found["issuer"] == issuer
    finally:
        sandbox.stop()
    assert sandbox.process.poll() is not None


def test_journeys_at_64_say_where_they_stopped() -> None:
    levels: dict[tuple[str, int], Level] = defaultdict(Level)
    assert "none ended" in _most_journeys(levels)
    level = levels[("journey", 64)]
    level.samples = [9000.0, 9500.0]
    assert _most_journeys(levels).endswith("all 2 that ended in the windows completed.")
    level.messages = {"journey: journey 8 submit": 3, "journey 8 submit: 422: missing": 3}
    level.parts["journey 6 fetch"] = [2100.0, 2300.0, 2500.0]
    line = _most_journeys(levels)
    assert "3 of 5 failed (3 at submit)" in line
    assert "2300 ms at the median and 2500 ms at p95" in line
