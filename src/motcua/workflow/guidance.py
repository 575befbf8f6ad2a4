"""Contextual help on each officer step, as data (``data/step_help.yaml``): what the step
means, the legal forms it uses, what to check and what to do next, in Vietnamese, for officers
who learn the software while they work."""

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def all_steps() -> dict[str, dict[str, Any]]:
    text = resources.files("motcua.workflow").joinpath("data/step_help.yaml").read_text("utf-8")
    return dict(yaml.safe_load(text))


def for_step(kind: str) -> dict[str, Any] | None:
    """The help of a step kind (``receive``, ``assess``…), or None for a kind without one."""
    return all_steps().get(kind)
