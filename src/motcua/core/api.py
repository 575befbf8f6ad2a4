"""Platform-wide JSON routes: the working-day calendar."""

from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel

from motcua.core.calendar import get_calendar

router = APIRouter(prefix="/api/v1/calendar", tags=["calendar"])


class DueDate(BaseModel):
    received_at: datetime
    working_days: int
    day_zero: str
    due_at: datetime


@router.get("/due", response_model=DueDate)
async def due(
    received_at: datetime = Query(description="ISO 8601; without an offset it is Vietnam time."),
    working_days: int = Query(ge=0, le=365),
) -> DueDate:
    calendar = get_calendar()
    due_at = calendar.due_at(received_at, working_days)
    return DueDate(
        received_at=calendar.localise(received_at),
        working_days=working_days,
        day_zero=calendar.day_zero(received_at).isoformat(),
        due_at=due_at,
    )
