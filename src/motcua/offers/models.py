"""Events received from the registries' feeds, the feeds' cursors, and the offers they made."""

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from motcua.core.models import Base, UtcDateTime


class RegistryEvent(Base):
    """One event a registry published, accepted once: its id is unique per registry, so a
    repeated delivery finds the row and offers nothing more."""

    __tablename__ = "offer_events"
    __table_args__ = (UniqueConstraint("registry_code", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registry_code: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    subject_personal_id: Mapped[str] = mapped_column(String(12), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    deliveries: Mapped[int] = mapped_column(Integer, default=1)


class FeedCursor(Base):
    """How far the platform has read one registry's feed (shared by every worker process)."""

    __tablename__ = "offer_feed_cursors"

    registry_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The feed the position is in; a registry that starts a new feed is read from its start.
    epoch: Mapped[str | None] = mapped_column(String(64), default=None)
    polled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class OfferState(enum.StrEnum):
    """``pending``: waits for the person; ``paused``: confirmed, a registry did not answer, the
    filing is retried by itself; ``waiting``: confirmed, waiting for the other parent to confirm
    the read of their data (filed by itself when they answer); ``filed``: the dossier exists;
    ``declined``: the person said no."""

    pending = "pending"
    paused = "paused"
    waiting = "waiting"
    filed = "filed"
    declined = "declined"


class Offer(Base):
    """A service offered to one person because of one event, pre-filled from it."""

    __tablename__ = "offers"
    __table_args__ = (
        UniqueConstraint("event_row_id", "person_personal_id"),
        Index("ix_offers_person", "person_personal_id", "state"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_row_id: Mapped[int] = mapped_column(ForeignKey("offer_events.id"))
    kind: Mapped[str] = mapped_column(String(32))
    procedure_code: Mapped[str] = mapped_column(String(16))
    person_personal_id: Mapped[str] = mapped_column(String(12))
    # Whose record the service is about when it is not the person's own (the deceased, the
    # child), and the role the procedure reads it under.
    concerns_personal_id: Mapped[str | None] = mapped_column(String(12), default=None)
    concerns_role: Mapped[str | None] = mapped_column(String(16), default=None)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prefill: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[OfferState] = mapped_column(
        Enum(OfferState, native_enum=False, length=16), default=OfferState.pending
    )
    message: Mapped[str | None] = mapped_column(Text, default=None)
    application_id: Mapped[str | None] = mapped_column(String(32), default=None)
    # For a service filed as a group (the birth group): the combination the person chose.
    combination: Mapped[str | None] = mapped_column(String(40), default=None)
    dossier_code: Mapped[str | None] = mapped_column(String(64), default=None)
    # A birth offer the mother chose to file without the other parent's confirmation: the
    # certificate leaves that parent blank.
    without_other_parent: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
