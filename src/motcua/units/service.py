"""Loading the official units and deriving their agencies; resolving pre-2025 codes."""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from vietnam_provinces import Province, Ward

from motcua.core.errors import Conflict, NotFound
from motcua.core.repository import insert_missing
from motcua.units import repository
from motcua.units.models import (
    AdminUnit,
    Agency,
    AgencyKind,
    AgencyLevel,
    CodeStatus,
    UnitLevel,
    UnitSuccession,
)
from motcua.units.successions import SOURCE as SUCCESSION_SOURCE
from motcua.units.successions import commune_successions

SERVICE_CENTRE_SLOT = "99"


@cache
def _data(name: str) -> dict[str, Any]:
    text = resources.files("motcua.units").joinpath("data", name).read_text("utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


@cache
def _unit_names() -> dict[str, str]:
    provinces = {province_code(int(p.code)): p.name for p in Province.iter_all()}
    names = dict(provinces)
    for ward in Ward.iter_all():
        names[commune_code(int(ward.code))] = (
            f"{ward.name}, {provinces[province_code(int(ward.province_code))]}"
        )
    return names


def unit_name(code: object) -> str:
    """What a person reads for an administrative unit code: its name (with its province)."""
    return _unit_names().get(str(code), str(code))


@cache
def _former_names() -> dict[str, str]:
    from motcua.units.successions import commune_successions

    return {
        s.old.code: f"{s.old.name}, {s.old.district}, {s.old.province}"
        for s in commune_successions()
        if s.old.code
    }


def any_unit_name(code: object) -> str:
    """A unit code a registry or an old record carries, in words: the current unit's name, or
    the former commune's (before 1 July 2025) marked as such; a code no list knows is named as
    a unit code rather than shown bare."""
    text = str(code).strip()
    if text in _unit_names():
        return _unit_names()[text]
    former = _former_names().get(text.zfill(5)) if text.isdigit() else None
    if former:
        return f"{former} (đơn vị trước ngày 01/07/2025)"
    return f"Đơn vị hành chính chưa có trong danh mục (mã {text})" if text else "—"


def province_code(value: int) -> str:
    return f"{value:02d}"


def commune_code(value: int) -> str:
    return f"{value:05d}"


def province_agency_code(code: str) -> tuple[str, CodeStatus]:
    """Level-1 code of a provincial People's Committee: the confirmed one, else provisional."""
    known = _data("agencies.yaml")["province_codes"].get(code)
    if known:
        return known["code"], CodeStatus.official
    return f"000.00.00.P{code}", CodeStatus.provisional


def _level1(agency_code: str) -> str:
    return agency_code.rsplit(".", 1)[1]


@dataclass(frozen=True)
class LoadReport:
    provinces: int
    communes: int
    agencies: int
    successions: int


async def load_units(session: AsyncSession) -> LoadReport:
    """Load the 2025 units from `vietnam-provinces` and derive every agency; safe to re-run."""
    units: list[dict[str, Any]] = []
    for province in Province.iter_all():
        units.append(
            dict(
                code=province_code(int(province.code)),
                name=province.name,
                level=UnitLevel.province,
                division_type=province.division_type.value,
                codename=province.codename,
                province_code=None,
            )
        )
    for ward in Ward.iter_all():
        units.append(
            dict(
                code=commune_code(int(ward.code)),
                name=ward.name,
                level=UnitLevel.commune,
                division_type=ward.division_type.value,
                codename=ward.codename,
                province_code=province_code(int(ward.province_code)),
            )
        )
    await insert_missing(session, AdminUnit, units)

    succession_data = _data("province_successions_2025.yaml")
    successions = [
        dict(
            old_code=old,
            old_level=UnitLevel.province,
            old_name=row["name"],
            old_district=None,
            preferred=True,
            successor_code=row["successor"],
            source=succession_data["source"],
        )
        for old, row in succession_data["successions"].items()
    ]
    successions += _commune_successions()
    await insert_missing(session, UnitSuccession, successions)

    agency_count = await _load_agencies(session, units)
    provinces = sum(1 for u in units if u["level"] == UnitLevel.province)
    return LoadReport(provinces, len(units) - provinces, agency_count, len(successions))


def _commune_successions() -> list[dict[str, Any]]:
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for found in commune_successions():
        rows[found.old.code, found.successor_code] = dict(
            old_code=found.old.code,
            old_level=UnitLevel.commune,
            old_name=found.old.name,
            old_district=f"{found.old.district}, {found.old.province}",
            successor_code=found.successor_code,
            preferred=found.preferred,
            source=SUCCESSION_SOURCE,
        )
    return list(rows.values())


async def _load_agencies(session: AsyncSession, units: Sequence[dict[str, Any]]) -> int:
    rows = _ministries() + _local_agencies(units)
    await insert_missing(
        session, Agency, [{k: v for k, v in r.items() if k != "parent_code"} for r in rows]
    )
    ids = await repository.agency_ids_by_code(session)
    await session.execute(
        update(Agency),
        [
            {"id": ids[r["code"]], "parent_id": ids[r["parent_code"]]}
            for r in rows
            if r["parent_code"] is not None
        ],
    )
    return len(rows)


def _ministries() -> list[dict[str, Any]]:
    return [
        _agency(m["code"], CodeStatus.official, m["name"], AgencyLevel.ministry, None, None)
        | {"kind": AgencyKind.ministry, "short_name": m["short"]}
        for m in _data("agencies.yaml")["ministries"]
    ]


def _local_agencies(units: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """People's Committees and service centres of every province and commune.

    Codes below level 1 are motcua's own (provisional): a commune committee is the level-2 group
    ``000.00.<commune code>.<province level 1>``; a service centre takes slot 99 one level below
    the committee it belongs to.
    """
    rows: list[dict[str, Any]] = []
    province_committee: dict[str, str] = {}
    for unit in units:
        if unit["level"] == UnitLevel.province:
            code, status = province_agency_code(unit["code"])
            province_committee[unit["code"]] = code
            rows.append(
                _agency(
                    code,
                    status,
                    f"Ủy ban nhân dân {unit['name']}",
                    AgencyLevel.province,
                    unit["code"],
                    None,
                )
            )
            centre = f"000.00.{SERVICE_CENTRE_SLOT}.{_level1(code)}"
            rows.append(_sector_agency(unit, AgencyKind.social_insurance))
        else:
            parent = province_committee[unit["province_code"]]
            code = f"000.00.{unit['code']}.{_level1(parent)}"
            rows.append(
                _agency(
                    code,
                    CodeStatus.provisional,
                    f"Ủy ban nhân dân {unit['name']}",
                    AgencyLevel.commune,
                    unit["code"],
                    parent,
                )
            )
            centre = f"000.{SERVICE_CENTRE_SLOT}.{unit['code']}.{_level1(parent)}"
            rows.append(_sector_agency(unit, AgencyKind.police))
        rows.append(
            _agency(
                centre,
                CodeStatus.provisional,
                f"Trung tâm Phục vụ hành chính công {unit['name']}",
                rows[-1]["level"],
                unit["code"],
                code,
            )
            | {"kind": AgencyKind.service_centre}
        )
    return rows


def _sector_agency(unit: dict[str, Any], kind: AgencyKind) -> dict[str, Any]:
    """The commune police (Công an cấp xã) of a commune, or the provincial social insurance
    office (Bảo hiểm xã hội tỉnh) of a province: the agencies that settle residence and
    health-insurance members of the life-event groups. No code of theirs is published, so
    motcua's own provisional codes: ``000.<province>.<commune>.G01`` under the Ministry of
    Public Security's level-1 code, and ``000.00.<province>.BHXH``."""
    if kind == AgencyKind.police:
        code = f"000.{unit['province_code']}.{unit['code']}.G01"
        name, level = f"Công an {unit['name']}", AgencyLevel.commune
    else:
        code = f"000.00.{unit['code']}.BHXH"
        name, level = f"Bảo hiểm xã hội {unit['name']}", AgencyLevel.province
    row = _agency(code, CodeStatus.provisional, name, level, unit["code"], None)
    return row | {"kind": kind}


def _agency(
    code: str,
    status: CodeStatus,
    name: str,
    level: AgencyLevel,
    unit_code: str | None,
    parent_code: str | None,
) -> dict[str, Any]:
    return dict(
        code=code,
        code_status=status,
        name=name,
        short_name=None,
        level=level,
        kind=AgencyKind.people_committee,
        unit_code=unit_code,
        parent_code=parent_code,
    )


async def provinces(session: AsyncSession) -> Sequence[tuple[AdminUnit, int]]:
    return await repository.provinces(session)


async def communes_of(session: AsyncSession, province: str) -> Sequence[AdminUnit]:
    found = await repository.unit(session, province)
    if found is None or found.level != UnitLevel.province:
        raise NotFound(f"Không có tỉnh/thành phố mã {province!r}.", code="unknown-province")
    return await repository.communes_of(session, province)


@dataclass(frozen=True)
class ResolvedUnit:
    unit: AdminUnit
    via: UnitSuccession | None
    # For a former commune split between several 2025 communes: every one of them.
    successors: tuple[AdminUnit, ...] = ()


async def resolve(session: AsyncSession, code: str, *, former: bool = False) -> ResolvedUnit:
    """A current unit by code, or, for a pre-2025 code, the unit that succeeded it.

    A 2025 commune often kept the code of one of the communes merged into it, so a five-digit
    code is read as current first; ``former`` reads it as the pre-2025 commune instead.
    """
    if not former:
        found = await repository.unit(session, code)
        if found is not None:
            return ResolvedUnit(found, None)
    return await resolve_former(session, code)


async def resolve_former(session: AsyncSession, code: str) -> ResolvedUnit:
    """The 2025 unit that succeeded a pre-2025 code; several successors are refused by name."""
    rows = await repository.successions(session, code)
    if not rows:
        raise NotFound(
            f"Không có đơn vị hành chính trước năm 2025 mang mã {code!r}.", code="unknown-unit"
        )
    units = [await repository.unit(session, row.successor_code) for row in rows]
    pairs = [(row, unit) for row, unit in zip(rows, units, strict=True) if unit is not None]
    if len(pairs) > 1:
        names = ", ".join(unit_name(unit.code) for _, unit in pairs)
        raise Conflict(
            f"{pairs[0][0].old_name} ({pairs[0][0].old_district}) đã được chia cho nhiều xã, "
            f"phường mới: {names}. Cần số nhà, đường phố để biết thuộc xã, phường nào.",
            code="several-successors",
            successors=[unit.code for _, unit in pairs],
            preferred=next(unit.code for row, unit in pairs if row.preferred),
        )
    row, successor = pairs[0]
    return ResolvedUnit(successor, row, (successor,))
