"""Registries, what they serve, consents with the evidence fetched under them, the access log."""

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
)
from sqlalchemy.orm import Mapped, mapped_column

from motcua.core.models import Base, UtcDateTime


class Protocol(enum.StrEnum):
    """``direct``: HTTPS with a client credential; ``xroad``: the X-Road REST message protocol."""

    direct = "direct"
    xroad = "xroad"


class Registry(Base):
    """CSDL quốc gia / chuyên ngành: a database that serves evidence, and how to reach it."""

    __tablename__ = "exchange_registries"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    operator_agency_id: Mapped[int | None] = mapped_column(
        ForeignKey("agencies.id"), index=True, default=None
    )
    base_url: Mapped[str] = mapped_column(String(500))
    protocol: Mapped[Protocol] = mapped_column(Enum(Protocol, native_enum=False, length=16))
    # X-Road subsystem, e.g. ``VN/GOV/G01/population``; a service id appends the service code.
    xroad_subsystem: Mapped[str | None] = mapped_column(String(200), default=None)
    timeout_ms: Mapped[int] = mapped_column(Integer, default=3000)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class RegistryService(Base):
    """One data service of a registry and the evidence type it serves (one registry per type)."""

    __tablename__ = "exchange_registry_services"

    evidence_type_code: Mapped[str] = mapped_column(
        ForeignKey("evidence_types.code"), primary_key=True
    )
    registry_code: Mapped[str] = mapped_column(ForeignKey("exchange_registries.code"), index=True)
    service_code: Mapped[str] = mapped_column(String(64))
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)


class ConsentState(enum.StrEnum):
    pending = "pending"
    confirmed = "confirmed"
    closed = "closed"


class Consent(Base):
    """The person's informed go-ahead for the reads one application needs; it is the purpose."""

    __tablename__ = "exchange_consents"

    reference: Mapped[str] = mapped_column(String(36), primary_key=True)
    application_id: Mapped[str] = mapped_column(String(36), unique=True)
    procedure_code: Mapped[str] = mapped_column(String(16))
    procedure_version_id: Mapped[int] = mapped_column(ForeignKey("procedure_versions.id"))
    agency_code: Mapped[str | None] = mapped_column(String(35), default=None)
    actor_personal_id: Mapped[str] = mapped_column(String(12), index=True)
    # The actor's full name as their e-ID session gave it when the consent was prepared: a
    # person asked to confirm a read of their data learns who asks by name, not by a number.
    actor_full_name: Mapped[str | None] = mapped_column(String(200), default=None)
    subject_personal_id: Mapped[str] = mapped_column(String(12), index=True)
    legal_basis: Mapped[list[str]] = mapped_column(JSON, default=list)
    plan: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    state: Mapped[ConsentState] = mapped_column(
        Enum(ConsentState, native_enum=False, length=16), default=ConsentState.pending
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class SubjectState(enum.StrEnum):
    """``chosen``: readable now; ``pending``: waits for that person's own e-ID confirmation;
    ``declined`` or past ``expires_at``: never read."""

    chosen = "chosen"
    pending = "pending"
    confirmed = "confirmed"
    declined = "declined"


class ConsentSubject(Base):
    """Whose record a role of one application reads (the deceased, the partner, the child…).
    The applicant's own role has no row: it is the consent's subject."""

    __tablename__ = "exchange_consent_subjects"
    __table_args__ = (Index("ix_exchange_consent_subjects_person", "personal_id", "state"),)

    consent_reference: Mapped[str] = mapped_column(
        ForeignKey("exchange_consents.reference", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    personal_id: Mapped[str] = mapped_column(String(12))
    full_name: Mapped[str | None] = mapped_column(String(200), default=None)
    state: Mapped[SubjectState] = mapped_column(Enum(SubjectState, native_enum=False, length=16))
    # Why this person's data may be read: their own confirmation, or the legal ground that
    # allows reading without it (a deceased family member).
    ground: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class ItemStatus(enum.StrEnum):
    delivered = "delivered"
    not_found = "not_found"
    unavailable = "unavailable"
    needs_choice = "needs_choice"


class Decision(enum.StrEnum):
    pending = "pending"
    accepted = "accepted"
    rejected = "rejected"


class EvidenceItem(Base):
    """What one requirement got from its registry, kept only for the application it serves."""

    __tablename__ = "exchange_evidence_items"
    # One row per application and requirement: a new fetch replaces it in place.
    __table_args__ = (
        Index("ix_exchange_evidence_items_consent", "consent_reference", "key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consent_reference: Mapped[str] = mapped_column(
        ForeignKey("exchange_consents.reference", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(String(64))
    evidence_type_code: Mapped[str] = mapped_column(String(64))
    registry_code: Mapped[str | None] = mapped_column(String(64), default=None)
    status: Mapped[ItemStatus] = mapped_column(Enum(ItemStatus, native_enum=False, length=16))
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    request_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decision: Mapped[Decision] = mapped_column(
        Enum(Decision, native_enum=False, length=16), default=Decision.pending
    )
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    decision_reason: Mapped[str | None] = mapped_column(Text, default=None)


class AccessLogEntry(Base):
    """One registry read or refused read, append-only. Written without any lock with the read
    it records; sealed into the hash chain soon after, in commit order (``audit.seal``), which
    sets ``chain_seq``, ``prev_hash`` and ``hash`` once."""

    __tablename__ = "exchange_access_log"
    __table_args__ = (Index("ix_exchange_access_log_subject", "subject_personal_id", "seq"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor_personal_id: Mapped[str] = mapped_column(String(12))
    on_behalf_of: Mapped[str | None] = mapped_column(String(12), default=None)
    subject_personal_id: Mapped[str] = mapped_column(String(12))
    agency_code: Mapped[str | None] = mapped_column(String(35), default=None)
    registry_code: Mapped[str | None] = mapped_column(String(64), default=None)
    evidence_type_code: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(100))
    procedure_code: Mapped[str | None] = mapped_column(String(16), default=None)
    legal_basis: Mapped[list[str]] = mapped_column(JSON, default=list)
    consent_reference: Mapped[str | None] = mapped_column(String(36), default=None)
    outcome: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    request_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    # The fields the read asked for (field minimisation on the record the person reads).
    fields: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    chain_seq: Mapped[int | None] = mapped_column(Integer, unique=True, default=None)
    prev_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)


class AccessLogHead(Base):
    """The single row every sealing locks first, so two sealers can never fork the chain."""

    __tablename__ = "exchange_access_log_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
