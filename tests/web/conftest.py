"""The live sandbox registries (from the exchange tests) for pages that read them."""

from tests.exchange.conftest import registries, sandbox  # noqa: F401  (fixtures)
