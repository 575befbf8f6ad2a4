"""Declarative base shared by every module (stable constraint names), and the outbox table."""

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Dialect,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A moment in time, always aware and in UTC when read back, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: give a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class OutboxMessage(Base):
    """A side effect to run after its transaction commits (see core.outbox)."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    available_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    dead_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class RateCounter(Base):
    """Requests counted against one rate limit in its current window (``core.ratelimit``): one
    row per limited key, shared by every worker process."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window: Mapped[int] = mapped_column(Integer)
    hits: Mapped[int] = mapped_column(Integer)


class ArchivedMonth(Base):
    """One month of an append-only table exported and detached by ``motcua db archive``
    (``core.partitions``): where its file is and the file's SHA-256, so a read of that month
    can say where the rows went."""

    __tablename__ = "archived_months"

    table_name: Mapped[str] = mapped_column(String(63), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    partition: Mapped[str] = mapped_column(String(63))
    rows: Mapped[int] = mapped_column(BigInteger)
    file: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    archived_at: Mapped[datetime] = mapped_column(UtcDateTime)
