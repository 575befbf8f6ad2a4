"""Drafts of applications (resumable, server-side) and payment requests for dossier fees."""

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from motcua.core.models import Base, UtcDateTime


class ApplicationState(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"


class Application(Base):
    """A citizen's application before it is a dossier: bound to one exchange consent, owned by
    the person acting and naming the person it is for; only what no registry delivered is kept."""

    __tablename__ = "applications"
    __table_args__ = (Index("ix_applications_actor_updated", "actor_number", "updated_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    actor_number: Mapped[str] = mapped_column(String(12))
    subject_number: Mapped[str] = mapped_column(String(12))
    procedure_code: Mapped[str] = mapped_column(String(16))
    procedure_version_id: Mapped[int] = mapped_column(ForeignKey("procedure_versions.id"))
    consent_reference: Mapped[str] = mapped_column(
        ForeignKey("exchange_consents.reference"), unique=True
    )
    state: Mapped[ApplicationState] = mapped_column(
        Enum(ApplicationState, native_enum=False, length=16)
    )
    # requirement key -> field -> value typed by the person (declarations only)
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # requirement key -> upload id
    uploads: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    contact_email: Mapped[str | None] = mapped_column(String(320), default=None)
    # Identifier code of the receiving agency the applicant chose (None: the default).
    receiving_agency: Mapped[str | None] = mapped_column(String(35), default=None)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    dossier_code: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  (optimistic locking)


class PaymentStatus(enum.StrEnum):
    pending = "pending"
    paid = "paid"


class Payment(Base):
    """One payment request per dossier with a fee; confirmed once by the gateway's callback."""

    __tablename__ = "application_payments"

    reference: Mapped[str] = mapped_column(String(32), primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), unique=True)
    # The dossier's province, copied so its rows sit with it (docs/scaling.md section 5).
    province_code: Mapped[str] = mapped_column(String(5), server_default="")
    gateway: Mapped[str] = mapped_column(String(32))
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[PaymentStatus] = mapped_column(Enum(PaymentStatus, native_enum=False, length=16))
    qr_payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    transaction_id: Mapped[str | None] = mapped_column(String(100), unique=True, default=None)
