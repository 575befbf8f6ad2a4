"""Imports every module's tables so metadata is complete for migrations and tests."""

import importlib.util
import pkgutil

import motcua


def domain_modules() -> list[str]:
    """The top-level packages of motcua (core, units, catalog, ...), in name order."""
    return sorted(m.name for m in pkgutil.iter_modules(motcua.__path__) if m.ispkg)


def import_all() -> None:
    for name in domain_modules():
        if importlib.util.find_spec(f"motcua.{name}.models") is not None:
            importlib.import_module(f"motcua.{name}.models")
