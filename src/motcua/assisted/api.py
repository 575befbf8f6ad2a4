"""JSON route of the assisted-filing indicator, beside the other statistics: aggregate, no
person's data, open like them."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from motcua.assisted import indicator
from motcua.core.database import RequestSession

router = APIRouter(prefix="/api/v1/stats", tags=["stats"])


@router.get("/assisted-filings", response_model=indicator.AssistedOut)
async def assisted_filings(
    session: RequestSession,
    start: Annotated[date | None, Query(description="First day received")] = None,
    end: Annotated[date | None, Query(description="Last day received")] = None,
    province: Annotated[
        str | None, Query(pattern=r"^\d{2}$", description="Only this province's communes")
    ] = None,
) -> indicator.AssistedOut:
    """Dossiers filed with a community digital team member, per commune of the team, with the
    number of helpers who filed them (computed from the dossiers)."""
    return await indicator.per_commune(session, start, end, province)
