"""JSON routes for the public procedure catalog."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from motcua.catalog import formats, service
from motcua.catalog.models import Level, OnlineLevel
from motcua.catalog.readiness_routes import api as readiness_api
from motcua.catalog.schemas import ProcedureDetail, ProcedurePage
from motcua.core.database import RequestSession
from motcua.units.models import AGENCY_CODE_PATTERN

router = APIRouter(prefix="/api/v1", tags=["catalog"])
router.include_router(readiness_api)  # /api/v1/catalog/readiness[/{code}]
Code = Annotated[str, Path(pattern=r"^\d\.\d{6}$", description="National code D.DDDDDD")]


@router.get("/procedures", response_model=ProcedurePage)
async def search(
    session: RequestSession,
    q: Annotated[str, Query(max_length=200, description="Words, with or without diacritics")] = "",
    level: Level | None = None,
    online_level: OnlineLevel | None = None,
    agency: Annotated[
        str | None, Query(pattern=AGENCY_CODE_PATTERN, description="Agency identifier code")
    ] = None,
    sector: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z0-9-]+$")] = None,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ProcedurePage:
    return await service.search(
        session,
        q,
        level=level,
        online_level=online_level,
        agency=agency,
        sector=sector,
        page=page,
        page_size=page_size,
    )


@router.get("/procedures/{code}", response_model=ProcedureDetail)
async def procedure(code: Code, session: RequestSession) -> ProcedureDetail:
    """The version in force today, with its requirements and the evidence that replaces them."""
    return await service.current(session, code)


@router.get("/procedures/{code}/versions/{number}", response_model=ProcedureDetail)
async def procedure_version(
    code: Code, number: Annotated[int, Path(ge=1)], session: RequestSession
) -> ProcedureDetail:
    return await service.version_detail(session, code, number)


@router.get("/catalog/export")
async def export(session: RequestSession) -> dict[str, object]:
    """The catalog in force, in the ``motcua-catalog/1`` import format."""
    return (await service.export_document(session)).model_dump(mode="json")


@router.get("/catalog/export/cpsv-ap")
async def export_cpsv(session: RequestSession, request: Request) -> dict[str, object]:
    """The catalog in force as CPSV-AP JSON-LD."""
    document = await service.export_document(session)
    return formats.to_cpsv_ap(document, str(request.base_url))


@router.get("/catalog/schema")
async def schema() -> dict[str, object]:
    """JSON Schema of the import/export document."""
    return formats.json_schema()
