"""Routes of the data-readiness report (``catalog.readiness``): JSON and one public page."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from motcua.catalog import readiness
from motcua.core.database import RequestSession
from motcua.web.templating import render

api = APIRouter(tags=["catalog"])  # included by catalog.api under /api/v1
pages = APIRouter(include_in_schema=False)
Code = Annotated[str, Path(pattern=r"^\d\.\d{6}$", description="National code D.DDDDDD")]


@api.get("/catalog/readiness", response_model=readiness.CatalogReadiness)
async def catalog_readiness(
    session: RequestSession,
    essential_only: Annotated[
        bool, Query(description="Only the real procedures (the 25), not the synthetic ones")
    ] = False,
) -> readiness.CatalogReadiness:
    """Per procedure in force: each requirement's state and the share of its mandatory
    requirements a connected, enabled registry satisfies today."""
    return await readiness.catalog(session, essential_only=essential_only)


@api.get("/catalog/readiness/{code}", response_model=readiness.ProcedureReadiness)
async def procedure_readiness(code: Code, session: RequestSession) -> readiness.ProcedureReadiness:
    return await readiness.procedure(session, code)


@pages.get("/san-sang-du-lieu", response_class=HTMLResponse)
async def readiness_page(
    request: Request, session: RequestSession, tat_ca: Annotated[str, Query(max_length=8)] = ""
) -> HTMLResponse:
    """Which procedures still ask for papers whose data exists, and which wait for a database."""
    everything = tat_ca == "1"
    report = await readiness.catalog(session, essential_only=not everything)
    by_code = {p.code: p for p in report.procedures}
    return render(
        request,
        "catalog/readiness.html",
        {
            "report": report,
            "everything": everything,
            "papers_with_data": [by_code[c] for c in report.paper_data_exists],
            "not_connected": [by_code[c] for c in report.not_connected],
            "ranked": sorted(report.procedures, key=lambda p: (p.share is None, p.share or 0)),
        },
    )
