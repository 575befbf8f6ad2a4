"""The monitoring indicator "assisted filings per commune": counted from the dossiers filed
with a community helper (never typed by anyone), per commune of the helping team."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.assisted import repository
from motcua.core.errors import Invalid
from motcua.core.settings import get_settings


class CommuneAssisted(BaseModel):
    commune_code: str
    commune_name: str | None
    province_code: str | None
    assisted_filings: int
    helpers: int


class AssistedOut(BaseModel):
    start: date | None
    end: date | None
    province: str | None
    total: int
    communes: list[CommuneAssisted]


def _moment(day: date | None) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(get_settings().timezone))


async def per_commune(
    session: AsyncSession, start: date | None, end: date | None, province: str | None
) -> AssistedOut:
    """Dossiers received in [start, end] (local days; open ends count everything)."""
    if start is not None and end is not None and start > end:
        raise Invalid(
            "Ngày bắt đầu phải trước hoặc bằng ngày kết thúc.",
            code="invalid-range",
            parameter="end",
        )
    until = _moment(end + timedelta(days=1)) if end is not None else None
    rows = await repository.per_commune(session, _moment(start), until, province)
    communes = [
        CommuneAssisted(
            commune_code=code,
            commune_name=name,
            province_code=province_code,
            assisted_filings=int(count),
            helpers=int(helpers),
        )
        for code, name, province_code, count, helpers in rows
    ]
    return AssistedOut(
        start=start,
        end=end,
        province=province,
        total=sum(c.assisted_filings for c in communes),
        communes=communes,
    )
