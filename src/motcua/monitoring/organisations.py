"""Reporting units beyond the People's Committees: Party committees, the Fatherland Front and
the mass organisations at each level, and the central bodies.

They are agencies (``agencies``), like the People's Committees, so reports, snapshots and
roll-ups need nothing new but the ``bloc`` copied onto their rows. No official list of their
codes is published ("Mã số tổ chức đảng" is named among the foundation texts, but its format
was not found), so every code here is motcua's own and **provisional** (``mã tạm`` on pages):
``<organisation>.<province code>[.<commune code>]``, or ``<organisation>.TW`` for the central
body, in the character set of Decision 20/2020 (dots, digits, upper-case letters).
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.repository import conflict_insert
from motcua.units.models import (
    ORGANISATION_KINDS,
    AdminUnit,
    Agency,
    AgencyKind,
    AgencyLevel,
    CodeStatus,
    UnitLevel,
)


@dataclass(frozen=True)
class Organisation:
    """One organisation present at some levels, with how its units are named."""

    prefix: str
    kind: AgencyKind
    central: str | None  # the central body's name, if it reports
    local: str | None  # the local body's name before the unit's name; None: not local
    province_only: bool = False


ORGANISATIONS = (
    Organisation("DU", AgencyKind.party_committee, "Văn phòng Trung ương Đảng", "Đảng ủy"),
    Organisation(
        "MT",
        AgencyKind.fatherland_front,
        "Ủy ban Trung ương Mặt trận Tổ quốc Việt Nam",
        "Ủy ban Mặt trận Tổ quốc Việt Nam",
    ),
    Organisation(
        "DTN",
        AgencyKind.mass_organisation,
        "Trung ương Đoàn Thanh niên Cộng sản Hồ Chí Minh",
        "Đoàn Thanh niên Cộng sản Hồ Chí Minh",
    ),
    Organisation(
        "PN",
        AgencyKind.mass_organisation,
        "Trung ương Hội Liên hiệp Phụ nữ Việt Nam",
        "Hội Liên hiệp Phụ nữ",
    ),
    Organisation(
        "ND", AgencyKind.mass_organisation, "Trung ương Hội Nông dân Việt Nam", "Hội Nông dân"
    ),
    Organisation(
        "CCB",
        AgencyKind.mass_organisation,
        "Trung ương Hội Cựu chiến binh Việt Nam",
        "Hội Cựu chiến binh",
    ),
    Organisation(
        "CD",
        AgencyKind.mass_organisation,
        "Tổng Liên đoàn Lao động Việt Nam",
        "Liên đoàn Lao động",
        province_only=True,
    ),
    Organisation("QH", AgencyKind.national_assembly, "Văn phòng Quốc hội", None),
)
BY_PREFIX = {o.prefix: o for o in ORGANISATIONS}
CODE_PATTERN = re.compile(r"^(DU|MT|DTN|PN|ND|CCB|CD|QH)\.(TW|\d{2}|\d{2}\.\d{5})$")
# Looks like one of these codes, so a typo gets "wrong format" rather than "no such unit".
CODE_SHAPE = re.compile(r"^[A-Z]{2,3}\.")


def is_organisation_code(code: str) -> bool:
    return CODE_SHAPE.match(code) is not None


def code_problem(code: str) -> str | None:
    """Why ``code`` is not a well-formed organisation code, in words a reporter can act on."""
    if CODE_PATTERN.match(code):
        prefix, place = code.split(".", 1)
        organisation = BY_PREFIX[prefix]
        if place == "TW" and organisation.central is None:
            return f"Mã {code}: tổ chức này không có cơ quan báo cáo ở Trung ương."
        if place != "TW" and organisation.local is None:
            return f"Mã {code}: tổ chức này chỉ báo cáo ở Trung ương (dùng {prefix}.TW)."
        if "." in place and organisation.province_only:
            return f"Mã {code}: tổ chức này chỉ có ở cấp tỉnh (dùng {prefix}.<mã tỉnh>)."
        return None
    return (
        f"Mã đơn vị {code!r} sai định dạng. Mã của tổ chức là <tổ chức>.<mã tỉnh 2 số>"
        "[.<mã xã 5 số>] hoặc <tổ chức>.TW, với tổ chức là một trong "
        + ", ".join(BY_PREFIX)
        + " (ví dụ DU.01, MT.01.00004, QH.TW)."
    )


def _short_province(name: str) -> str:
    """'Thành phố Hà Nội' -> 'Thành ủy Hà Nội'; 'Tỉnh Lai Châu' -> 'Tỉnh ủy Lai Châu'."""
    if name.startswith("Thành phố "):
        return "Thành ủy " + name.removeprefix("Thành phố ")
    return "Tỉnh ủy " + name.removeprefix("Tỉnh ")


def _row(code: str, name: str, level: AgencyLevel, kind: AgencyKind, unit: str | None,
         parent: str | None) -> dict[str, Any]:  # fmt: skip
    return dict(
        code=code,
        code_status=CodeStatus.provisional,
        name=name,
        short_name=None,
        level=level,
        kind=kind,
        unit_code=unit,
        parent_code=parent,
    )


def organisation_rows(units: Sequence[AdminUnit]) -> list[dict[str, Any]]:
    """Every organisation's unit: central bodies, then those of the given provinces and
    communes, each with the code of its parent (same organisation one level up)."""
    rows = [
        _row(f"{o.prefix}.TW", o.central, AgencyLevel.ministry, o.kind, None, None)
        for o in ORGANISATIONS
        if o.central is not None
    ]
    for unit in sorted(units, key=lambda u: (u.level != UnitLevel.province, u.code)):
        for o in ORGANISATIONS:
            if o.local is None:
                continue
            if unit.level == UnitLevel.province:
                name = (
                    _short_province(unit.name)
                    if o.kind == AgencyKind.party_committee
                    else f"{o.local} {unit.name}"
                )
                parent = f"{o.prefix}.TW" if o.central else None
                rows.append(
                    _row(f"{o.prefix}.{unit.code}", name, AgencyLevel.province, o.kind,
                         unit.code, parent)
                )  # fmt: skip
            elif not o.province_only:
                rows.append(
                    _row(f"{o.prefix}.{unit.province_code}.{unit.code}", f"{o.local} {unit.name}",
                         AgencyLevel.commune, o.kind, unit.code, f"{o.prefix}.{unit.province_code}")
                )  # fmt: skip
    return rows


async def load_organisations(session: AsyncSession, provinces: Sequence[str] | None = None) -> int:
    """Create the organisations' units (all provinces, or only ``provinces`` with their
    communes); safe to re-run: existing ones stay as they are."""
    statement = select(AdminUnit)
    if provinces is not None:
        statement = statement.where(
            (AdminUnit.code.in_(provinces)) | (AdminUnit.province_code.in_(provinces))
        )
    rows = organisation_rows((await session.scalars(statement)).all())
    insert = conflict_insert(session.get_bind().dialect.name)
    await session.execute(  # executemany: one statement compiled for every row
        insert(Agency).on_conflict_do_nothing(),
        [{k: v for k, v in r.items() if k != "parent_code"} for r in rows],
    )
    ids = {
        code: id_
        for code, id_ in await session.execute(
            select(Agency.code, Agency.id).where(Agency.kind.in_(ORGANISATION_KINDS))
        )
    }
    updates = [
        {"id": ids[r["code"]], "parent_id": ids[r["parent_code"]]}
        for r in rows
        if r["parent_code"] is not None and r["parent_code"] in ids
    ]
    if updates:
        await session.execute(update(Agency), updates)
    return len(rows)
