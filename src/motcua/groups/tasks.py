"""Outbox work of the groups: the hand-over between members (groups.handover)."""

from motcua.groups.handover import HANDOVER, handover

__all__ = ["HANDOVER", "handover"]
