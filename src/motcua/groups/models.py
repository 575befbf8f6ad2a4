"""A group filing (one per family's filing), its members (one dossier each, once started) and
its own append-only history of what happened between the members."""

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from motcua.core.models import Base, UtcDateTime


def _enum(kind: type[enum.StrEnum]) -> Enum:
    return Enum(kind, native_enum=False, length=16)


class FilingState(enum.StrEnum):
    in_progress = "in_progress"
    done = "done"
    stopped = "stopped"  # a member was refused: its dependants will not start


class MemberState(enum.StrEnum):
    waiting = "waiting"  # for the e-result of the member before it
    started = "started"  # its dossier exists; its own state is the dossier's
    paused = "paused"  # the hand-over could not read the e-result; retried by itself
    stopped = "stopped"  # the member before it was refused


class GroupFiling(Base):
    """hồ sơ liên thông: one filing of a group, under its own code, with the definition it was
    filed under, the combined declaration and the registry reads it was filed with."""

    __tablename__ = "group_filings"
    __table_args__ = (
        UniqueConstraint("actor_number", "idempotency_key", name="uq_group_filings_idempotency"),
        Index("ix_group_filings_applicant", "applicant_number", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    group_code: Mapped[str] = mapped_column(String(40))
    group_name: Mapped[str] = mapped_column(String(500))
    combination: Mapped[str] = mapped_column(String(40))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    applicant_number: Mapped[str] = mapped_column(String(12))
    # Whom the group is for, so it is filed once: the child (mother, birth date, name) or the
    # deceased (personal number).
    subject_key: Mapped[str] = mapped_column(String(200), index=True)
    actor_number: Mapped[str] = mapped_column(String(12))
    channel: Mapped[str] = mapped_column(String(16))
    receiving_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    state: Mapped[FilingState] = mapped_column(_enum(FilingState))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    verification_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    declaration: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Group requirement key -> {"value", "evidence"}: the reads it was filed with, as the
    # dossiers copy them, so a member started later cites the same read.
    reads: Mapped[dict[str, Any]] = mapped_column(JSON)
    contact_email: Mapped[str | None] = mapped_column(String(320), default=None)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text, default=None)


class GroupMember(Base):
    """One chosen member: its agency, its own deadline and, once started, its dossier."""

    __tablename__ = "group_members"
    __table_args__ = (UniqueConstraint("filing_id", "key", name="uq_group_members_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("group_filings.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(64))
    procedure_code: Mapped[str] = mapped_column(String(16))
    procedure_name: Mapped[str] = mapped_column(String(500))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    after_key: Mapped[str | None] = mapped_column(String(64), default=None)
    state: Mapped[MemberState] = mapped_column(_enum(MemberState))
    dossier_id: Mapped[int | None] = mapped_column(
        ForeignKey("dossiers.id"), unique=True, default=None
    )
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class GroupEvent(Base):
    """What happened between the members (filed, handed over, paused, stopped, done); rows are
    only ever added, as a dossier's history is."""

    __tablename__ = "group_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("group_filings.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(32))
    member_key: Mapped[str | None] = mapped_column(String(64), default=None)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class GroupHistoryIsAppendOnly(RuntimeError):
    pass


@event.listens_for(GroupEvent, "before_update")
@event.listens_for(GroupEvent, "before_delete")
def _refuse_rewrite(_: Mapper[GroupEvent], __: Any, target: GroupEvent) -> None:
    raise GroupHistoryIsAppendOnly(f"group event {target.id} cannot be changed")
