"""JSON routes for administrative units and agencies."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from motcua.core.database import RequestSession
from motcua.units import repository, service
from motcua.units.models import AgencyKind, AgencyLevel
from motcua.units.schemas import AgencyOut, CommuneOut, ProvinceOut, SuccessionOut, UnitOut

router = APIRouter(prefix="/api/v1", tags=["units"])
UnitCode = Annotated[str, Path(pattern=r"^\d{2}(\d{3})?$", description="GSO code: 2 or 5 digits")]


@router.get("/units/provinces", response_model=list[ProvinceOut])
async def provinces(session: RequestSession) -> list[ProvinceOut]:
    return [
        ProvinceOut(
            code=p.code,
            name=p.name,
            division_type=p.division_type,
            codename=p.codename,
            commune_count=n,
        )
        for p, n in await service.provinces(session)
    ]


@router.get("/units/provinces/{code}/communes", response_model=list[CommuneOut])
async def communes(code: UnitCode, session: RequestSession) -> list[CommuneOut]:
    return [CommuneOut.model_validate(c) for c in await service.communes_of(session, code)]


@router.get("/units/{code}", response_model=UnitOut)
async def unit(
    code: UnitCode,
    session: RequestSession,
    former: Annotated[bool, Query(description="read a 5-digit code as a pre-2025 commune")] = False,
) -> UnitOut:
    """A current unit, or for a pre-2025 code the unit that succeeded it (``succeeded`` set);
    a former commune split between several 2025 communes answers 409 naming them."""
    resolved = await service.resolve(session, code, former=former)
    out = UnitOut.model_validate(resolved.unit)
    if resolved.via is not None:
        out.succeeded = SuccessionOut.model_validate(resolved.via)
    return out


@router.get("/agencies", response_model=list[AgencyOut])
async def agencies(
    session: RequestSession,
    level: AgencyLevel | None = None,
    kind: AgencyKind | None = None,
    unit: Annotated[str | None, Query(pattern=r"^\d{2}(\d{3})?$")] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> list[AgencyOut]:
    rows = await repository.agencies(
        session, level=level, kind=kind, unit_code=unit, limit=100, offset=(page - 1) * 100
    )
    return [AgencyOut.model_validate(a) for a in rows]
