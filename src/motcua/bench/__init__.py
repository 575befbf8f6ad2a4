"""``make bench``: each benchmark measures one thing and writes its own section of
docs/benchmarks.md (medians and percentiles over many samples, on the machine it names)."""

import asyncio
import os
import platform
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

HEADER = """# Benchmarks

Every figure here is written by `make bench`, one section per benchmark; do not edit by hand.
"""


def write_section(output: Path, name: str, body: str) -> None:
    """Replace one benchmark's section of docs/benchmarks.md, keeping the others."""
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    text = output.read_text("utf-8") if output.exists() else HEADER
    block = f"{begin}\n{body.strip()}\n{end}"
    if begin in text and end in text:
        before, rest = text.split(begin, 1)
        text = before + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, "utf-8")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def run_as_served(main: Coroutine[Any, Any, T]) -> T:
    """Run a worker process's clients on the event loop ``motcua serve`` runs on: uvicorn takes
    uvloop when it is installed, as it is with motcua (except on Windows)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)
