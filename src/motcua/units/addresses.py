"""Old addresses (province, district, commune before 1 July 2025) read as the 2025 units.

The old text is never replaced: a normalised address carries the old form beside the new one,
so a record imported from a former system still shows what was written at the time.
"""

import asyncio
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.errors import Conflict, NotFound
from motcua.units import service
from motcua.units.models import AdminUnit


@dataclass(frozen=True)
class NormalisedAddress:
    old_text: str
    street: str | None
    old_commune_code: str | None
    old_commune: str | None
    old_district: str | None
    old_province: str | None
    commune: AdminUnit | None
    # False when the former commune was split and the street decides which part it is in:
    # ``commune`` is then the one that took most of it and ``candidates`` lists every part.
    certain: bool
    candidates: tuple[str, ...]

    @property
    def new_text(self) -> str | None:
        """The address as written with the 2025 units (street, commune, province)."""
        if self.commune is None:
            return None
        return ", ".join(p for p in (self.street, service.unit_name(self.commune.code)) if p)


def _parse(text: str) -> Any:
    from vietnamadminunits import ParseMode, parse_address

    return parse_address(text, mode=ParseMode.LEGACY, keep_street=True, level=3)


async def normalise_address(session: AsyncSession, text: str) -> NormalisedAddress:
    """Read an old address text; an unknown or partial one keeps its text and no commune."""
    parsed = await asyncio.to_thread(_parse, text) if text.strip() else None
    code = getattr(parsed, "ward_code", None)
    found = NormalisedAddress(
        old_text=text,
        street=getattr(parsed, "street", None),
        old_commune_code=code,
        old_commune=getattr(parsed, "ward", None),
        old_district=getattr(parsed, "district", None),
        old_province=getattr(parsed, "province", None),
        commune=None,
        certain=False,
        candidates=(),
    )
    if code is None:
        return found
    try:
        resolved = await service.resolve_former(session, code)
    except NotFound:
        return found
    except Conflict as several:
        preferred = await session.get(AdminUnit, several.details["preferred"])
        return replace(found, commune=preferred, candidates=tuple(several.details["successors"]))
    return replace(found, commune=resolved.unit, certain=True, candidates=(resolved.unit.code,))
