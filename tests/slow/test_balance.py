"""The long variant of tests/core/test_serving.py: ``motcua serve --workers 2`` balancing at
accept over many rounds of keep-alive connections, 4 and 16 at a time, and again after one
worker was SIGKILLed and replaced (its slot in the shared counts is freed and taken again)."""

import os
import signal
import time
from pathlib import Path

from tests.core.test_serving import rounds_served, served_by, two_workers
from tests.slow.conftest import report


def _answered(shares: list[list[int]]) -> list[int]:
    """How many workers answered in each round."""
    return [sum(n > 0 for n in share) for share in shares]


def test_connections_spread_over_both_workers_in_every_round_and_after_a_worker_dies(
    tmp_path: Path,
) -> None:
    metrics = tmp_path / "storage" / "metrics"
    with two_workers(tmp_path) as base:
        four = rounds_served(base, metrics, rounds=50, connections=4)
        sixteen = rounds_served(base, metrics, rounds=20, connections=16)
        victim = max(served_by(metrics))
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 180
        while len(served_by(metrics)) < 3:  # the supervisor started a worker in its place
            assert time.monotonic() < deadline, "no worker replaced the one killed"
            rounds_served(base, metrics, rounds=1, connections=2)
            time.sleep(0.5)
        after = rounds_served(base, metrics, rounds=20, connections=4)
    report(
        "balance",
        {
            "rounds of 4 with both workers": f"{_answered(four).count(2)} of {len(four)}",
            "rounds of 16 with both workers": f"{_answered(sixteen).count(2)} of {len(sixteen)}",
            "after a worker was killed": f"{_answered(after).count(2)} of {len(after)}",
            "shares of 16": [s[:2] for s in sixteen],
        },
    )
    assert _answered(four) == [2] * len(four), four
    assert _answered(sixteen) == [2] * len(sixteen), sixteen
    # 16 connections, 5 requests each: 8 connections a worker is 40 requests each
    assert all(abs(s[0] - s[1]) <= 10 for s in (sorted(x, reverse=True)[:2] for x in sixteen))
    assert _answered(after) == [2] * len(after), after
