"""Imports every module's tables so metadata is complete for migrations and tests."""


def import_all() -> None:
    from motcua.catalog import models as catalog  # noqa: F401
    from motcua.units import models as units  # noqa: F401
