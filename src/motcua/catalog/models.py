"""Procedures and their frozen versions, requirements and the evidence that can replace them."""

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from motcua.core.models import Base, UtcDateTime
from motcua.units.models import Agency


class OnlineLevel(enum.StrEnum):
    """Decree 42/2022: full-process (toàn trình), partial (một phần), or not online."""

    full = "full"
    partial = "partial"
    none = "none"


class VersionStatus(enum.StrEnum):
    draft = "draft"
    published = "published"


class Level(enum.StrEnum):
    ministry = "ministry"
    province = "province"
    commune = "commune"


class SubjectRole(enum.StrEnum):
    """Whose evidence a requirement is: the fetch reads that person's record, no one else's."""

    applicant = "applicant"
    represented = "represented"
    child = "child"
    deceased = "deceased"
    spouse = "spouse"
    father = "father"
    mother = "mother"
    other_party = "other_party"


class EvidenceType(Base):
    """loại giấy tờ / dữ liệu: what a registry can hand over instead of a paper."""

    __tablename__ = "evidence_types"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    registry_code: Mapped[str] = mapped_column(String(64), index=True)
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)


class Procedure(Base):
    """thủ tục hành chính: the stable identity of a procedure across its versions."""

    __tablename__ = "procedures"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    versions: Mapped[list["ProcedureVersion"]] = relationship(
        back_populates="procedure", lazy="raise", order_by="ProcedureVersion.version"
    )


class ProcedureVersion(Base):
    """One version of a procedure; frozen once published, and dossiers point at it."""

    __tablename__ = "procedure_versions"
    __table_args__ = (
        UniqueConstraint("procedure_id", "version"),
        Index("ix_procedure_versions_current", "status", "effective_from", "effective_to"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[VersionStatus] = mapped_column(
        Enum(VersionStatus, native_enum=False, length=16), default=VersionStatus.draft
    )
    effective_from: Mapped[date | None] = mapped_column(Date, default=None)
    effective_to: Mapped[date | None] = mapped_column(Date, default=None)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)

    name: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    sector_code: Mapped[str] = mapped_column(String(64), index=True)
    sector_name: Mapped[str] = mapped_column(String(200))
    at_ministry: Mapped[bool] = mapped_column(Boolean, default=False)
    at_province: Mapped[bool] = mapped_column(Boolean, default=False)
    at_commune: Mapped[bool] = mapped_column(Boolean, default=False)
    managing_agency_id: Mapped[int | None] = mapped_column(
        ForeignKey("agencies.id"), index=True, default=None
    )
    implementing_agencies: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[list[str]] = mapped_column(JSON, default=list)
    processing_days: Mapped[int] = mapped_column(Integer)
    processing_note: Mapped[str] = mapped_column(Text, default="")
    fees: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    online_level: Mapped[OnlineLevel] = mapped_column(
        Enum(OnlineLevel, native_enum=False, length=16), index=True
    )
    result_documents: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The kind of e-result this procedure issues (an evidence type of the platform's result
    # store), so a later procedure can name it as a requirement and reuse it.
    result_evidence_type_code: Mapped[str | None] = mapped_column(
        ForeignKey("evidence_types.code"), index=True, default=None
    )
    # Where the data came from and how sure it is, for the people who keep the catalog; never
    # shown on a public page (``basis_note`` is).
    provenance: Mapped[str] = mapped_column(Text, default="")
    # "Căn cứ": which legal texts the procedure and its requirements come from, in plain
    # Vietnamese, as the public procedure page shows it.
    basis_note: Mapped[str] = mapped_column(Text, default="")
    # Where the procedure's rules set the day's receipt cut-off (15:00, same-day civil-status
    # procedures and the birth group, DOMAIN §4.2), a dossier received after it counts from the
    # next working day; elsewhere a receipt during office hours counts from the same day.
    same_day_cutoff: Mapped[bool] = mapped_column(Boolean, default=False)

    name_folded: Mapped[str] = mapped_column(String(500))
    search_text: Mapped[str] = mapped_column(Text)

    procedure: Mapped[Procedure] = relationship(back_populates="versions", lazy="raise")
    managing_agency: Mapped[Agency | None] = relationship(lazy="raise")
    requirements: Mapped[list["Requirement"]] = relationship(
        back_populates="version",
        lazy="raise",
        order_by="Requirement.position",
        cascade="all, delete-orphan",
    )

    @property
    def levels(self) -> list[Level]:
        flags = {
            Level.ministry: self.at_ministry,
            Level.province: self.at_province,
            Level.commune: self.at_commune,
        }
        return [level for level, on in flags.items() if on]


class Requirement(Base):
    """thành phần hồ sơ: one document or piece of data the procedure version may ask for."""

    __tablename__ = "requirements"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("procedure_versions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    mandatory: Mapped[bool] = mapped_column(Boolean, default=True)
    originals: Mapped[int] = mapped_column(Integer, default=1)
    copies: Mapped[int] = mapped_column(Integer, default=0)
    form_template: Mapped[str | None] = mapped_column(String(200), default=None)
    evidence_type_code: Mapped[str | None] = mapped_column(
        ForeignKey("evidence_types.code"), index=True, default=None
    )
    # Whose evidence it is, and the only fields of the evidence type this procedure may read.
    subject: Mapped[SubjectRole] = mapped_column(
        Enum(SubjectRole, native_enum=False, length=16), default=SubjectRole.applicant
    )
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The declaration (tờ khai) as a JSON Schema object: the form is generated from it and what
    # a person types is validated against it (None: the generic declaration).
    declaration: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)

    version: Mapped[ProcedureVersion] = relationship(back_populates="requirements", lazy="raise")


class ProcedureGroup(Base):
    """nhóm TTHC liên thông as the catalog document states it (``GroupDoc``), replaced whole on
    import; every group filing keeps the copy it was filed under, so a later change never
    alters a filing already made."""

    __tablename__ = "catalog_groups"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    procedure_code: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(500))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
