"""Platform-wide routes: the working-day calendar; liveness, readiness and metrics
(``core.health``)."""

from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel

from motcua.core import health
from motcua.core.calendar import get_calendar

calendar_router = APIRouter(prefix="/api/v1/calendar", tags=["calendar"])


class DueDate(BaseModel):
    received_at: datetime
    working_days: int
    same_day_cutoff: bool
    day_zero: str
    due_at: datetime


@calendar_router.get("/due", response_model=DueDate)
async def due(
    received_at: datetime = Query(description="ISO 8601; without an offset it is Vietnam time."),
    working_days: int = Query(ge=0, le=365),
    same_day_cutoff: bool = Query(
        default=False,
        description="The procedure's rules set the receipt cut-off (15:00): a receipt after it "
        "counts from the next working day. Otherwise, after the close of office hours.",
    ),
) -> DueDate:
    calendar = get_calendar()
    due_at = calendar.due_at(received_at, working_days, cutoff=same_day_cutoff)
    return DueDate(
        received_at=calendar.localise(received_at),
        working_days=working_days,
        same_day_cutoff=same_day_cutoff,
        day_zero=calendar.day_zero(received_at, cutoff=same_day_cutoff).isoformat(),
        due_at=due_at,
    )


router = APIRouter()
router.include_router(calendar_router)
router.include_router(health.router)
