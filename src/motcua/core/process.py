"""What a long-running process (app worker, ``motcua worker``) does once it has started."""

import gc


def freeze_startup_heap() -> None:
    """Keep what start-up left alive (modules, mappers, compiled statements, settings) out of
    the garbage collector's full passes: otherwise each one rescans those hundreds of thousands
    of objects, though only what requests create can become garbage. Measured on the evidence
    fetch: about half of its collection time, one tenth of its CPU."""
    gc.collect()
    gc.freeze()
