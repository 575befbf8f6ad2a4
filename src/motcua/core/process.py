"""What a long-running process (app worker, ``motcua worker``) does once it has started."""

import gc
from typing import Any, Generic, TypeVar

from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession

K = TypeVar("K")
V = TypeVar("V")

# Full collections after start-up whose survivors are frozen as well (``freeze_warm_heap``).
WARM_FREEZES = 3


def freeze_startup_heap() -> None:
    """Keep what start-up left alive (modules, mappers, compiled statements, settings) out of
    the garbage collector's full passes: otherwise each one rescans those hundreds of thousands
    of objects, though only what requests create can become garbage. Measured on the evidence
    fetch: about half of its collection time, one tenth of its CPU."""
    gc.collect()
    gc.freeze()


class _WarmFreezer:
    """A ``gc.callbacks`` entry: after each of the first ``times`` full collections, what
    survived it is frozen too."""

    def __init__(self, times: int) -> None:
        self.left = times

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if self.left > 0 and phase == "stop" and info["generation"] == 2:
            self.left -= 1
            gc.freeze()


def freeze_warm_heap(times: int = WARM_FREEZES) -> _WarmFreezer:
    """What a worker builds on its first requests and keeps (the statement and template
    caches, modules imported on first use) is not there at start-up, so each later full
    collection scanned it again: a pause of every request the worker holds, measured at
    several hundred milliseconds on the 2 loaded cores of the HTTP bench, once every 15 to 25
    seconds of load. Freezing the survivors of the first few full collections leaves those
    passes only what requests create. A bounded number of times: an object frozen is never
    collected as part of a cycle, so the requests in flight at those moments may leave a
    little garbage behind, once."""
    freezer = _WarmFreezer(times)
    gc.callbacks.append(freezer)
    return freezer


class KeptForGood(Generic[K, V]):
    """Rows that never change once written (a published version's terms, a process definition),
    kept by this process after their first read, at most ``most`` of them, the oldest read
    going first. On PostgreSQL an id is never given out twice (sequences do not roll back), so
    the database and the key name one value for good; SQLite gives a rolled-back row's id out
    again, so there nothing is kept and rows are read every time."""

    def __init__(self, most: int = 4096) -> None:
        self.most = most
        self._kept: dict[tuple[URL, K], V] = {}

    def get(self, session: AsyncSession, key: K) -> V | None:
        return self._kept.get((session.get_bind().engine.url, key))

    def keep(self, session: AsyncSession, key: K, value: V) -> None:
        bind = session.get_bind()
        if bind.dialect.name != "postgresql":
            return
        if len(self._kept) >= self.most:
            del self._kept[next(iter(self._kept))]  # the oldest read
        self._kept[(bind.engine.url, key)] = value
