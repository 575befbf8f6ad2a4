"""Officer accounts and the opaque tokens they sign in with (citizens need no table: their
session is a signed cookie, see ``identity.citizens``)."""

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column

from motcua.core.models import Base, UtcDateTime


class Role(enum.StrEnum):
    receiving_officer = "receiving_officer"
    handling_officer = "handling_officer"
    approver = "approver"
    agency_admin = "agency_admin"
    provincial_monitor = "provincial_monitor"
    national_viewer = "national_viewer"
    system_admin = "system_admin"
    # A member of a commune's community digital team (Tổ công nghệ số cộng đồng): files WITH a
    # citizen who is present and confirms with their own e-ID; reaches no dossier of the agency.
    community_helper = "community_helper"


class Officer(Base):
    """cán bộ: one person in one agency with one role."""

    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=32))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The officer's own 12-digit number: the actor recorded on dossiers filed at a counter.
    personal_id: Mapped[str | None] = mapped_column(String(12), default=None)
    email: Mapped[str | None] = mapped_column(String(320), default=None)


class ApiToken(Base):
    """An opaque bearer token; only its SHA-256 is stored, so a database leak reveals none."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # The session is in practice mode: the officer acts in their agency's practice twin.
    practice: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
