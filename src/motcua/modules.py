"""Discovery of the domain modules, so each brings its own tables, routes, templates, tasks."""

import importlib
import importlib.util
import pkgutil

import motcua


def domain_modules() -> list[str]:
    """The top-level packages of motcua (core, units, catalog, ...), in name order."""
    return sorted(m.name for m in pkgutil.iter_modules(motcua.__path__) if m.ispkg)


def import_parts(part: str) -> None:
    """Import ``motcua.<module>.<part>`` wherever it exists (models for metadata, tasks for
    outbox handlers)."""
    for name in domain_modules():
        if importlib.util.find_spec(f"motcua.{name}.{part}") is not None:
            importlib.import_module(f"motcua.{name}.{part}")
