"""Registry reads as the platform records them, for tests that file dossiers without a fetch."""

from motcua.exchange.synthetic import recorded_reads as fetched_evidence

__all__ = ["fetched_evidence"]
