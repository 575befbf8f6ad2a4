"""One assisted filing: a community helper, a citizen who confirms with their own e-ID, and,
once filed, the dossier. The dossier itself stays the citizen's; this row is what records who
assisted, where, and how the citizen confirmed."""

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from motcua.core.models import Base, UtcDateTime


class AssistState(enum.StrEnum):
    waiting = "waiting"  # started by the helper, the citizen has not confirmed yet
    confirmed = "confirmed"  # the citizen confirmed; the filing may go ahead
    filed = "filed"  # the dossier is filed: the confirmation is spent
    closed = "closed"  # ended without a dossier


class ConfirmMethod(enum.StrEnum):
    vneid = "vneid"  # the citizen signed in with their own e-ID on the helper's device


class AssistedFiling(Base):
    __tablename__ = "assisted_filings"
    __table_args__ = (Index("ix_assisted_filings_commune_filed", "commune_code", "filed_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    helper_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    commune_code: Mapped[str] = mapped_column(String(5))
    citizen_number: Mapped[str] = mapped_column(String(12))
    state: Mapped[AssistState] = mapped_column(Enum(AssistState, native_enum=False, length=16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    confirm_by: Mapped[datetime] = mapped_column(UtcDateTime)
    method: Mapped[ConfirmMethod | None] = mapped_column(
        Enum(ConfirmMethod, native_enum=False, length=16), default=None
    )
    citizen_name: Mapped[str | None] = mapped_column(String(200), default=None)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    file_by: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    dossier_id: Mapped[int | None] = mapped_column(
        ForeignKey("dossiers.id"), unique=True, default=None
    )
    filed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    # A group of procedures filed at once (hồ sơ liên thông): its code; ``dossier_id`` is then
    # its first member's dossier.
    group_code: Mapped[str | None] = mapped_column(String(64), default=None)
