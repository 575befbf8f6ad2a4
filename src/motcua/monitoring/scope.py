"""Which unit a code names, and who may report for it: the reporting scope shared by
reports, the report form, roll-ups and reminders; and the dashboards' kind filter."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.errors import Invalid, NotFound
from motcua.identity.models import Role
from motcua.identity.service import Subject
from motcua.monitoring import organisations, repository, unit_queries
from motcua.monitoring.repository import Scope
from motcua.monitoring.schemas import UnitRef
from motcua.units.models import (
    BLOC_OF_KIND,
    ORGANISATION_KINDS,
    Agency,
    AgencyKind,
    Bloc,
    CodeStatus,
)

REPORTING_ROLES = {
    Role.receiving_officer,
    Role.handling_officer,
    Role.approver,
    Role.agency_admin,
}

# The dashboards' and the API's ``kind`` filter -> the blocs it covers (None: every bloc).
KINDS: dict[str, tuple[str, ...] | None] = {
    "government": (Bloc.government.value,),
    "party": (Bloc.party.value,),
    "front": (Bloc.front.value,),
    "all": None,
}
DEFAULT_KIND = "government"


def kinds_of(blocs: tuple[str, ...] | None) -> list[AgencyKind]:
    """The kinds of agency that report in the given blocs (None: every bloc)."""
    return [k for k, b in BLOC_OF_KIND.items() if blocs is None or b.value in blocs]


def blocs_of(kind: str) -> tuple[str, ...] | None:
    if kind not in KINDS:
        raise Invalid(
            f"Khối {kind!r} không có. Chọn một trong: {', '.join(KINDS)}.", code="unknown-kind"
        )
    return KINDS[kind]


async def lookup_unit(session: AsyncSession, unit: str) -> tuple[Agency, str | None, str] | None:
    """The unit a public code names: a commune or province code (its People's Committee), a
    ministry's agency code, or an organisation's code. A code shaped like an organisation's
    but malformed is refused (``bad-unit-code``) rather than reported as unknown."""
    unit = unit.strip()
    if organisations.is_organisation_code(unit):
        problem = organisations.code_problem(unit)
        if problem is not None:
            raise Invalid(problem, code="bad-unit-code")
        return await unit_queries.organisation_agency(session, unit)
    return await repository.reporting_agency(session, unit)


async def find_unit(session: AsyncSession, unit: str) -> tuple[Agency, str | None, str]:
    found = await lookup_unit(session, unit)
    if found is None:
        raise NotFound(
            f"Không có đơn vị {unit!r}. Dùng mã xã (5 chữ số), mã tỉnh (2 chữ số), "
            "mã định danh của bộ hoặc mã của tổ chức (ví dụ DU.01, MT.01.00004).",
            code="unknown-unit",
        )
    return found


def may_report(subject: Subject | None, agency: Agency, province_code: str | None) -> bool:
    """Who may report for a unit: its own officers; a provincial monitor for the province's
    People's Committee and its communes'; a system administrator for anyone. An organisation
    (Party committee, Front, mass organisation) reports only through its own officers, and
    its officers only for it. ``None`` is the system itself."""
    if subject is None or subject.role == Role.system_admin:
        return True
    organisation = agency.kind in ORGANISATION_KINDS
    if subject.role == Role.provincial_monitor:
        return (
            not organisation
            and subject.agency_level.value == "province"
            and province_code == subject.unit_code
        )
    if subject.role not in REPORTING_ROLES:
        return False
    if subject.agency_id == agency.id:
        return True
    if (
        organisation
        or agency.unit_code is None
        or organisations.is_organisation_code(subject.agency_code)
    ):
        return False  # a ministry, an organisation: its own officers only
    return subject.unit_code == agency.unit_code and subject.agency_level == agency.level


@dataclass(frozen=True)
class ResolvedScope:
    scope: Scope
    ref: UnitRef
    agency_id: int | None


async def resolve_scope(
    session: AsyncSession, unit: str | None, kind: str = DEFAULT_KIND
) -> ResolvedScope:
    """The units a figure covers: the country or a province (with its communes) in the blocs
    ``kind`` names; one unit; or a province-level organisation with its bloc in the province."""
    blocs = blocs_of(kind)
    if not unit:
        ref = UnitRef(code="VN", name="Toàn quốc", level="national")
        return ResolvedScope(Scope(blocs=blocs), ref, None)
    agency, province, code = await find_unit(session, unit)
    if agency.level.value == "province":
        if agency.kind in ORGANISATION_KINDS:
            blocs = (BLOC_OF_KIND[agency.kind].value,)
        scope = Scope(province_code=province, blocs=blocs)
    else:
        scope = Scope(agency_id=agency.id, blocs=None)
    ref = UnitRef(
        code=code,
        name=agency.name,
        level=agency.level,
        kind=agency.kind.value,
        code_provisional=(
            agency.kind in ORGANISATION_KINDS and agency.code_status == CodeStatus.provisional
        ),
    )
    return ResolvedScope(scope, ref, agency.id)
