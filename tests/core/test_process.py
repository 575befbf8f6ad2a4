"""A worker's heap: what survives its first full collections is frozen, a bounded number of
times, so later full collections scan only what requests create."""

import gc
from collections.abc import Iterator

import pytest

from motcua.core.process import freeze_warm_heap


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


class Cache:
    """Something a worker builds on its first requests and keeps."""

    def __init__(self) -> None:
        self.me = self  # tracked by the collector, as caches' entries are


def test_survivors_of_the_first_full_collections_are_frozen_then_no_more(unfrozen: None) -> None:
    freezer = freeze_warm_heap(times=2)
    try:
        kept = [Cache() for _ in range(1000)]
        gc.collect()
        first = gc.get_freeze_count()
        assert first >= 1000  # the cache built after start-up is out of later passes

        more = [Cache() for _ in range(1000)]
        gc.collect()
        second = gc.get_freeze_count()
        assert second >= first + 1000

        later = [Cache() for _ in range(1000)]
        gc.collect()
        assert gc.get_freeze_count() == second  # two times only: the third pass froze nothing

        # What becomes garbage after the last freeze is still collected, cycles included.
        del later
        assert gc.collect() >= 1000
        gc.collect()
        assert gc.get_freeze_count() == second
        assert kept and more
    finally:
        gc.callbacks.remove(freezer)


def test_young_collections_freeze_nothing(unfrozen: None) -> None:
    freezer = freeze_warm_heap(times=1)
    try:
        kept = [Cache() for _ in range(100)]
        gc.collect(0)
        gc.collect(1)
        assert gc.get_freeze_count() == 0
        gc.collect()
        assert gc.get_freeze_count() >= 100
        assert kept
    finally:
        gc.callbacks.remove(freezer)
