"""Old dossier codes kept as aliases of the dossiers imported under new codes."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from motcua.core.models import Base, UtcDateTime


class LegacyDossier(Base):
    """A dossier brought from a former system: its old code stays findable (a new table rather
    than a column on ``dossiers``, so the dossier aggregate does not change)."""

    __tablename__ = "legacy_dossiers"
    __table_args__ = (UniqueConstraint("old_code", name="uq_legacy_dossiers_old_code"),)

    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), primary_key=True)
    # The dossier's province, copied so its rows sit with it (docs/scaling.md section 5).
    province_code: Mapped[str] = mapped_column(String(5), server_default="")
    old_code: Mapped[str] = mapped_column(String(64))
    source_system: Mapped[str] = mapped_column(String(120))
    old_agency_code: Mapped[str | None] = mapped_column(String(64), default=None)
    old_unit_code: Mapped[str | None] = mapped_column(String(5), default=None)
    file_name: Mapped[str] = mapped_column(String(255))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime)
