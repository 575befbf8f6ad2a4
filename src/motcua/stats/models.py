"""Per-dossier facts and the daily roll-up the statistics are read from.

A dossier's fact is a pure function of its history (and the violations recorded against it);
the roll-up is the sum of the facts per day, unit, agency, procedure and channel. The worker
keeps both current by recomputing the facts of dossiers whose history grew and moving the
difference into the roll-up; ``motcua stats rebuild`` makes both again from nothing.
"""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from motcua.core.models import Base, UtcDateTime

# The counters a fact contributes to its roll-up row, in one place for facts, roll-ups and the
# recomputation the tests compare them with.
COUNTERS: tuple[str, ...] = (
    "received",
    "online",
    "online_full",
    "on_time",
    "late",
    "pending",
    "refused",
    "withdrawn",
    "processing_days",
    "with_fee",
    "paid_online",
    "supplements",
    "apologies",
    "items_registry",
    "items_upload",
    "items_counter",
    "reused",
    "violations",
    "synthetic",
)


class _Counters:
    received: Mapped[int] = mapped_column(Integer, default=0)
    online: Mapped[int] = mapped_column(Integer, default=0)
    online_full: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[int] = mapped_column(Integer, default=0)
    pending: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)
    withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    processing_days: Mapped[int] = mapped_column(Integer, default=0)
    with_fee: Mapped[int] = mapped_column(Integer, default=0)
    paid_online: Mapped[int] = mapped_column(Integer, default=0)
    supplements: Mapped[int] = mapped_column(Integer, default=0)
    apologies: Mapped[int] = mapped_column(Integer, default=0)
    items_registry: Mapped[int] = mapped_column(Integer, default=0)
    items_upload: Mapped[int] = mapped_column(Integer, default=0)
    items_counter: Mapped[int] = mapped_column(Integer, default=0)
    reused: Mapped[int] = mapped_column(Integer, default=0)  # ≥ 1 item from a registry
    violations: Mapped[int] = mapped_column(Integer, default=0)
    synthetic: Mapped[int] = mapped_column(Integer, default=0)  # 1 for a demo dossier


class DossierFact(_Counters, Base):
    """What one dossier counts for, as its history says up to ``last_event_id``."""

    __tablename__ = "stats_dossier_facts"
    __table_args__ = (
        Index("ix_stats_dossier_facts_day", "day"),
        # The pending dossiers of a range, with what "overdue" needs, in the index itself:
        # counting them reads a few thousand index entries, not every fact of the range.
        Index(
            "ix_stats_dossier_facts_pending",
            "day",
            postgresql_include=["province_code", "commune_code", "due_at"],
            postgresql_where=text("pending = 1"),
            sqlite_where=text("pending = 1"),
        ),
    )

    dossier_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_event_id: Mapped[int] = mapped_column(Integer)
    last_violation_id: Mapped[int] = mapped_column(Integer, default=0)
    day: Mapped[date] = mapped_column(Date)
    week: Mapped[date] = mapped_column(Date)
    month: Mapped[date] = mapped_column(Date)
    province_code: Mapped[str] = mapped_column(String(5))
    commune_code: Mapped[str] = mapped_column(String(5))
    agency_id: Mapped[int] = mapped_column(Integer)
    procedure_code: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    essential: Mapped[bool] = mapped_column(Boolean)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DailyRollup(_Counters, Base):
    """The sum of the facts of the dossiers received on one local day, per agency, procedure
    and channel; ``week`` (its Monday) and ``month`` (its first day) let a period be one GROUP
    BY. ``province_code``/``commune_code`` are "" for agencies above provinces."""

    __tablename__ = "stats_daily"
    __table_args__ = (
        Index("ix_stats_daily_province_day", "province_code", "day"),
        Index("ix_stats_daily_commune_day", "commune_code", "day"),
        Index("ix_stats_daily_procedure_day", "procedure_code", "day"),
        Index("ix_stats_daily_feed", "revision", "day", "agency_id", "procedure_code", "channel"),
    )

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    agency_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    procedure_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    week: Mapped[date] = mapped_column(Date)
    month: Mapped[date] = mapped_column(Date)
    province_code: Mapped[str] = mapped_column(String(5))
    commune_code: Mapped[str] = mapped_column(String(5))
    essential: Mapped[bool] = mapped_column(Boolean)
    # The refresh that last changed this row (stats.feed): operations centres read the rows
    # changed since the revision they hold.
    revision: Mapped[int] = mapped_column(Integer, default=0)


class MonthlyRollup(_Counters, Base):
    """The daily roll-up summed per month, province, procedure and channel: a request for whole
    months that filters and groups by nothing finer reads a few thousand of these rows instead
    of hundreds of thousands of daily ones (stats.monthly). Kept in the same transaction as the
    daily rows it sums."""

    __tablename__ = "stats_monthly"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    province_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    procedure_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    essential: Mapped[bool] = mapped_column(Boolean)


class Cursor(Base):
    """How far the worker has read an append-only table (dossier events, violations)."""

    __tablename__ = "stats_cursors"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class FeedClient(Base):
    """An operations centre (IOC) allowed to read the feed: one province, or the whole country
    when ``province_code`` is empty. Only the token's SHA-256 is kept."""

    __tablename__ = "stats_feed_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    province_code: Mapped[str] = mapped_column(String(2))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
