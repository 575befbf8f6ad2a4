"""The dossier aggregate: dossier, items, append-only history, uploads, per-day code counters."""

import enum
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship
from sqlalchemy.sql import FromClause, Insert

from motcua.core.models import Base, UtcDateTime


class Channel(enum.StrEnum):
    """How the dossier came in: online, at a one-stop counter, or by post."""

    online = "online"
    counter = "counter"
    post = "post"


class DossierState(enum.StrEnum):
    received = "received"
    in_progress = "in_progress"
    supplement_requested = "supplement_requested"
    result_ready = "result_ready"
    returned = "returned"
    refused = "refused"
    withdrawn = "withdrawn"


class PaymentState(enum.StrEnum):
    not_required = "not_required"
    unpaid = "unpaid"
    to_confirm = "to_confirm"  # the catalog lists a fee whose amount is not confirmed
    paid = "paid"


class ItemSource(enum.StrEnum):
    registry = "registry"
    upload = "upload"
    counter = "counter"


def _enum(kind: type[enum.StrEnum], length: int = 24) -> Enum:
    return Enum(kind, native_enum=False, length=length)


class DossierCounter(Base):
    """Last sequence number given per receiving agency and local day; one row, no global lock."""

    __tablename__ = "dossier_counters"

    agency_code: Mapped[str] = mapped_column(String(35), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class Upload(Base):
    """A file a person uploaded; its bytes live in the store once per content (by sha256)."""

    __tablename__ = "dossier_uploads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_number: Mapped[str] = mapped_column(String(12), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    media_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    file_name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Dossier(Base):
    """hồ sơ: one application. ``state`` is a projection of its history (see history.replay)."""

    __tablename__ = "dossiers"
    __table_args__ = (
        UniqueConstraint("actor_number", "idempotency_key", name="uq_dossiers_idempotency"),
        Index("ix_dossiers_applicant_received", "applicant_number", "received_at"),
        Index("ix_dossiers_actor_received", "actor_number", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    # The tracking secret is derived from this random salt with the server's key, not from the
    # sequential code, so the key alone gives no secret away (dossiers filed before migration
    # 0015 have their code as salt, as their secrets were derived from it).
    tracking_salt: Mapped[str] = mapped_column(String(64))
    secret_hash: Mapped[str] = mapped_column(String(64))
    procedure_version_id: Mapped[int] = mapped_column(
        ForeignKey("procedure_versions.id"), index=True
    )
    procedure_code: Mapped[str] = mapped_column(String(16))
    procedure_name: Mapped[str] = mapped_column(String(500))
    receiving_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    # The receiving agency's province ("" for an agency above the provinces): the key a
    # distributed database places the dossier and its rows by (docs/scaling.md section 5).
    province_code: Mapped[str] = mapped_column(String(5), server_default="")
    applicant_number: Mapped[str] = mapped_column(String(12))
    actor_number: Mapped[str] = mapped_column(String(12))
    on_behalf: Mapped[bool] = mapped_column(default=False)
    channel: Mapped[Channel] = mapped_column(_enum(Channel, 16))
    state: Mapped[DossierState] = mapped_column(_enum(DossierState), index=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    fee_vnd: Mapped[int | None] = mapped_column(BigInteger, default=None)
    payment_state: Mapped[PaymentState] = mapped_column(_enum(PaymentState))
    contact_email: Mapped[str | None] = mapped_column(String(320), default=None)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    # A synthetic dossier of a practice agency: never counted, tracked or verified as real.
    practice: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    items: Mapped[list["DossierItem"]] = relationship(
        back_populates="dossier", lazy="raise", order_by="DossierItem.position"
    )
    events: Mapped[list["DossierEvent"]] = relationship(
        back_populates="dossier", lazy="raise", order_by="DossierEvent.seq"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  (optimistic locking)


class DossierItem(Base):
    """thành phần hồ sơ as filed: which requirement, where it came from, and its content hash."""

    __tablename__ = "dossier_items"
    __table_args__ = (UniqueConstraint("dossier_id", "position", name="uq_dossier_items_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    # The dossier's province, copied so its rows sit with it (docs/scaling.md section 5).
    province_code: Mapped[str] = mapped_column(String(5), server_default="")
    position: Mapped[int] = mapped_column(Integer)
    requirement_key: Mapped[str] = mapped_column(String(64))
    source: Mapped[ItemSource] = mapped_column(_enum(ItemSource, 16))
    upload_id: Mapped[str | None] = mapped_column(
        ForeignKey("dossier_uploads.id"), index=True, default=None
    )
    value: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # For a registry item: the platform's own read it was copied from (registry, time, whose
    # record, the access-log request hash); None for anything else.
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    sha256: Mapped[str | None] = mapped_column(String(64), default=None)

    dossier: Mapped[Dossier] = relationship(back_populates="items", lazy="raise")


class DossierEvent(Base):
    """One entry of the dossier's history; rows are only ever added (DESIGN invariant 4)."""

    __tablename__ = "dossier_events"
    __table_args__ = (UniqueConstraint("dossier_id", "seq", name="uq_dossier_events_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    # The dossier's province, copied so its rows sit with it (docs/scaling.md section 5).
    province_code: Mapped[str] = mapped_column(String(5), server_default="")
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor_number: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[DossierState | None] = mapped_column(_enum(DossierState), default=None)
    to_state: Mapped[DossierState] = mapped_column(_enum(DossierState))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    dossier: Mapped[Dossier] = relationship(back_populates="events", lazy="raise")


class HistoryIsAppendOnly(RuntimeError):
    pass


@event.listens_for(DossierEvent, "before_update")
@event.listens_for(DossierEvent, "before_delete")
def _refuse_rewrite(_: Mapper[DossierEvent], __: Any, target: DossierEvent) -> None:
    raise HistoryIsAppendOnly(f"dossier history event {target.id} cannot be changed")


# Rows other modules write with every new dossier, as INSERT … SELECT statements that read the
# new dossier's columns from ``new`` (its ``RETURNING`` on PostgreSQL, the stored row on SQLite),
# so they go in the submission's transaction, on PostgreSQL in the dossier's own statement.
CreatedRows = Callable[[FromClause], Sequence[Insert]]
created_rows: list[CreatedRows] = []


def on_created(rows: CreatedRows) -> CreatedRows:
    """Modules above dossiers (workflow) add rows of their own to a new dossier."""
    created_rows.append(rows)
    return rows


class DossierRating(Base):
    """đánh giá: the applicant's judgement of how their dossier was handled, given once after
    the result (or the refusal); it feeds the service index's satisfaction (Decision 766)."""

    __tablename__ = "dossier_ratings"

    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True
    )
    # The dossier's province, copied so its rows sit with it (docs/scaling.md section 5).
    province_code: Mapped[str] = mapped_column(String(5), server_default="")
    level: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class IdentityCheck(enum.StrEnum):
    """How the one-stop officer checked that the walk-in citizen is who the number says."""

    chip_card = "chip_card"  # the chip of the citizen's identity card, read at the counter
    vneid = "vneid"  # the citizen's VNeID app, its identity shown and checked at the counter


class CounterVisit(Base):
    """One walk-in citizen at a one-stop counter: who was checked and how, the consent given in
    person (the exchange consent the officer holds), and the dossier it ended in, if any. Kept
    when the filing is refused, so every read made at a counter has its visit."""

    __tablename__ = "counter_visits"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    consent_reference: Mapped[str] = mapped_column(
        ForeignKey("exchange_consents.reference"), unique=True
    )
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    officer_number: Mapped[str] = mapped_column(String(12))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    citizen_number: Mapped[str] = mapped_column(String(12), index=True)
    procedure_code: Mapped[str] = mapped_column(String(16))
    identity_check: Mapped[IdentityCheck] = mapped_column(_enum(IdentityCheck, 16))
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime)
    citizen_name: Mapped[str | None] = mapped_column(String(200), default=None)
    dossier_code: Mapped[str | None] = mapped_column(String(64), default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  (optimistic locking)


class RegistrationClaim(Base):
    """Who registers a life event: one row per identity of a child's birth or of a death, held
    by the dossier that registers it (for a group, its birth or death registration member).
    The primary key makes a second filing of the same event wait for the first and then fail,
    whatever the channel; a refused or withdrawn dossier gives its claims up
    (``dossiers.duplicates``)."""

    __tablename__ = "registration_claims"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    dossier_code: Mapped[str] = mapped_column(String(64))
    # The code the applicant knows it by: the group filing's, or the dossier's own.
    shown_code: Mapped[str] = mapped_column(String(64))
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime)
