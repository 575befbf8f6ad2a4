"""Unit and agency shapes for the API."""

from pydantic import BaseModel, ConfigDict

from motcua.units.models import AgencyKind, AgencyLevel, CodeStatus, UnitLevel


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class AgencyKey(Out, frozen=True):
    """An agency as a record that points at it needs it: its row and its identifier code."""

    id: int
    code: str


class ProvinceOut(Out):
    code: str
    name: str
    division_type: str
    codename: str
    commune_count: int


class CommuneOut(Out):
    code: str
    name: str
    division_type: str
    codename: str
    province_code: str


class SuccessionOut(Out):
    old_code: str
    old_level: UnitLevel
    old_name: str
    old_district: str | None
    source: str


class UnitOut(Out):
    code: str
    name: str
    level: UnitLevel
    division_type: str
    province_code: str | None
    succeeded: SuccessionOut | None = None


class AgencyOut(Out):
    code: str
    code_status: CodeStatus
    name: str
    short_name: str | None
    level: AgencyLevel
    kind: AgencyKind
    unit_code: str | None
