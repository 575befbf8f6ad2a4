"""Legacy tests use the workflow team (officers of every role at a commune)."""

from tests.workflow.conftest import storage, team

__all__ = ["storage", "team"]
