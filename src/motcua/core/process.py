"""What a long-running process (app worker, ``motcua worker``) does once it has started."""

import gc
from typing import Any

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
