"""Which unit a code names, and who may report for it: the reporting scope shared by
reports, the report form, roll-ups and reminders."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.errors import NotFound
from motcua.identity.models import Role
from motcua.identity.service import Subject
from motcua.monitoring import repository
from motcua.monitoring.repository import Scope
from motcua.monitoring.schemas import (
    UnitRef,
)
from motcua.units.models import Agency

REPORTING_ROLES = {
    Role.receiving_officer,
    Role.handling_officer,
    Role.approver,
    Role.agency_admin,
}


async def find_unit(session: AsyncSession, unit: str) -> tuple[Agency, str | None, str]:
    found = await repository.reporting_agency(session, unit.strip())
    if found is None:
        raise NotFound(
            f"Không có đơn vị {unit!r}. Dùng mã xã (5 chữ số), mã tỉnh (2 chữ số) "
            "hoặc mã định danh của bộ.",
            code="unknown-unit",
        )
    return found


def may_report(subject: Subject | None, agency: Agency, province_code: str | None) -> bool:
    """Who may report for a unit: its own officers; a provincial monitor for the province
    and its communes; a system administrator for anyone. ``None`` is the system itself."""
    if subject is None or subject.role == Role.system_admin:
        return True
    if subject.role == Role.provincial_monitor:
        return subject.agency_level.value == "province" and province_code == subject.unit_code
    if subject.role not in REPORTING_ROLES:
        return False
    if agency.unit_code is None:  # a ministry reports through its own officers
        return subject.agency_id == agency.id
    return subject.unit_code == agency.unit_code and subject.agency_level == agency.level


@dataclass(frozen=True)
class ResolvedScope:
    scope: Scope
    ref: UnitRef
    agency_id: int | None


async def resolve_scope(session: AsyncSession, unit: str | None) -> ResolvedScope:
    if not unit:
        return ResolvedScope(Scope(), UnitRef(code="VN", name="Toàn quốc", level="national"), None)
    agency, province, code = await find_unit(session, unit)
    if agency.level.value == "province":
        scope = Scope(province_code=province)
    else:
        scope = Scope(agency_id=agency.id)
    return ResolvedScope(scope, UnitRef(code=code, name=agency.name, level=agency.level), agency.id)
