"""Administrative units, agencies and the old->new unit succession."""

import enum

from sqlalchemy import Boolean, Enum, ForeignKey, Index, Integer, String, true
from sqlalchemy.orm import Mapped, mapped_column

from motcua.core.models import Base

# Decision 20/2020: at most 35 characters of dots, digits and upper-case letters.
AGENCY_CODE_PATTERN = r"^[0-9A-Z.]{1,35}$"


class UnitLevel(enum.StrEnum):
    province = "province"
    commune = "commune"


class AgencyLevel(enum.StrEnum):
    ministry = "ministry"
    province = "province"
    commune = "commune"


class AgencyKind(enum.StrEnum):
    ministry = "ministry"
    people_committee = "people_committee"
    service_centre = "service_centre"
    police = "police"  # Công an cấp xã: residence registration and its deletion
    social_insurance = "social_insurance"  # Bảo hiểm xã hội tỉnh: health cards, allowances
    # Reporting units of the monitoring system beyond the State (monitoring/organisations.py)
    party_committee = "party_committee"  # Tỉnh ủy, Đảng ủy xã; central Party bodies
    fatherland_front = "fatherland_front"  # Ủy ban MTTQ at each level
    mass_organisation = "mass_organisation"  # Đoàn TN, Hội LHPN, Hội ND, Hội CCB, Công đoàn
    national_assembly = "national_assembly"  # Văn phòng Quốc hội


class Bloc(enum.StrEnum):
    """khối: the monitoring dashboards' filter over reporting units."""

    government = "government"  # People's Committees, ministries, the National Assembly Office
    party = "party"  # Party committees and central Party bodies
    front = "front"  # the Fatherland Front and the mass organisations


BLOC_OF_KIND = {
    AgencyKind.ministry: Bloc.government,
    AgencyKind.people_committee: Bloc.government,
    AgencyKind.national_assembly: Bloc.government,
    AgencyKind.party_committee: Bloc.party,
    AgencyKind.fatherland_front: Bloc.front,
    AgencyKind.mass_organisation: Bloc.front,
}
ORGANISATION_KINDS = frozenset(
    {
        AgencyKind.party_committee,
        AgencyKind.fatherland_front,
        AgencyKind.mass_organisation,
        AgencyKind.national_assembly,
    }
)


class CodeStatus(enum.StrEnum):
    official = "official"
    provisional = "provisional"


class AdminUnit(Base):
    """đơn vị hành chính: a province or a commune/ward/special zone, by its GSO code."""

    __tablename__ = "admin_units"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[UnitLevel] = mapped_column(Enum(UnitLevel, native_enum=False, length=16))
    division_type: Mapped[str] = mapped_column(String(32))
    codename: Mapped[str] = mapped_column(String(120))
    province_code: Mapped[str | None] = mapped_column(
        ForeignKey("admin_units.code"), index=True, default=None
    )


class UnitSuccession(Base):
    """A pre-2025 unit and a unit that succeeded it, so old references still resolve.

    A merged unit has one row; a former commune split between several 2025 communes has one
    row per successor, and ``preferred`` marks the one that took most of it.
    """

    __tablename__ = "unit_successions"

    old_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    old_level: Mapped[UnitLevel] = mapped_column(
        Enum(UnitLevel, native_enum=False, length=16), primary_key=True
    )
    successor_code: Mapped[str] = mapped_column(
        ForeignKey("admin_units.code"), primary_key=True, index=True
    )
    old_name: Mapped[str] = mapped_column(String(120))
    # The former district (huyện/quận) of a former commune, and its former province's name.
    old_district: Mapped[str | None] = mapped_column(String(120), default=None)
    preferred: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    source: Mapped[str] = mapped_column(String(200))


class Agency(Base):
    """cơ quan, đơn vị: an agency with its electronic identifier code (Decision 20/2020)."""

    __tablename__ = "agencies"
    __table_args__ = (
        Index("ix_agencies_level_kind", "level", "kind"),
        Index("ux_agencies_practice_of", "practice_of_id", unique=True),  # one twin per agency
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(35), unique=True)
    code_status: Mapped[CodeStatus] = mapped_column(Enum(CodeStatus, native_enum=False, length=16))
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str | None] = mapped_column(String(20), default=None)
    level: Mapped[AgencyLevel] = mapped_column(Enum(AgencyLevel, native_enum=False, length=16))
    kind: Mapped[AgencyKind] = mapped_column(Enum(AgencyKind, native_enum=False, length=24))
    unit_code: Mapped[str | None] = mapped_column(
        ForeignKey("admin_units.code"), index=True, default=None
    )
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), default=None)
    # A practice twin (Chế độ thực hành) names the real agency it mirrors; real agencies: None.
    practice_of_id: Mapped[int | None] = mapped_column(Integer, default=None)
