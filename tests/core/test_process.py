"""A worker's heap: what survives its first full collections is frozen, a bounded number of
times, so later full collections scan only what requests create."""

import gc
from collections.abc import Iterator

import pytest

from motcua.core.process import freeze_warm_heap


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """Nothing frozen before, and only the collections the test asks for."""
    gc.unfreeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


class Cache:
    """Something a worker builds on its first requests and keeps."""

    def __init__(self) -> None:
        self.me = self  # tracked by the collector, as caches' entries are


def frozen(objects: list[Cache]) -> bool:
    """Out of the collector's generations (``gc.get_objects`` leaves the frozen out)."""
    scanned = {id(o) for o in gc.get_objects()}
    return not any(id(o) in scanned for o in objects)


def test_survivors_of_the_first_full_collections_are_frozen_then_no_more(unfrozen: None) -> None:
    freezer = freeze_warm_heap(times=2)
    try:
        kept = [Cache() for _ in range(1000)]
        assert not frozen(kept)
        gc.collect()
        assert frozen(kept)  # the cache built after start-up is out of later passes

        more = [Cache() for _ in range(1000)]
        gc.collect()
        assert frozen(more)

        later = [Cache() for _ in range(1000)]
        gc.collect()
        assert not frozen(later)  # two times only: the third pass froze nothing

        # What becomes garbage after the last freeze is still collected, cycles included.
        del later
        assert gc.collect() >= 1000
    finally:
        gc.callbacks.remove(freezer)


def test_young_collections_freeze_nothing(unfrozen: None) -> None:
    freezer = freeze_warm_heap(times=1)
    try:
        kept = [Cache() for _ in range(100)]
        gc.collect(0)
        gc.collect(1)
        assert not frozen(kept)
        gc.collect()
        assert frozen(kept)
    finally:
        gc.callbacks.remove(freezer)
