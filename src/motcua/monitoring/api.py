"""JSON routes: plans, reports (single and CSV), and one route per roll-up figure."""

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, UploadFile

from motcua.core import clock
from motcua.core.database import RequestSession
from motcua.core.errors import Invalid
from motcua.identity.auth import CurrentOfficer
from motcua.monitoring import progress, service
from motcua.monitoring.models import TaskLevel
from motcua.monitoring.schemas import (
    BulkOut,
    GroupFigures,
    Milestone,
    NonReporter,
    PlanOut,
    ProvinceRow,
    Readiness,
    ReportIn,
    ReportOut,
    Summary,
    TaskHistoryRow,
    Trend,
    UnitRow,
)

router = APIRouter(prefix="/api/v1/monitoring", tags=["monitoring"])
UNIT_PATTERN = r"^[0-9A-Z.]{1,35}$"
Unit = Annotated[
    str | None,
    Query(pattern=UNIT_PATTERN, description="Province/commune code or ministry agency code"),
]
Kind = Annotated[
    Literal["government", "party", "front", "all"],
    Query(
        description="Units counted: government (People's Committees, ministries, the National "
        "Assembly Office; the default), party (Party committees), front (the Fatherland Front "
        "and mass organisations) or all"
    ),
]
Day = Annotated[date | None, Query(alias="date", description="Day (default: today)")]
MAX_UPLOAD = 5 * 1024 * 1024


@router.get("/plans", response_model=list[PlanOut])
async def plans(session: RequestSession) -> list[PlanOut]:
    return await service.plans(session)


@router.post("/reports", response_model=ReportOut, status_code=201)
async def submit(body: ReportIn, session: RequestSession, officer: CurrentOfficer) -> ReportOut:
    """A new version of a unit's report for a day; late if at or after the cut-off."""
    return await service.submit_report(
        session,
        subject=officer,
        unit=body.unit,
        day=body.day,
        values=body.values,
        note=body.note,
        submitted_at=clock.now(),
    )


@router.post("/reports/bulk", response_model=BulkOut, status_code=201)
async def submit_bulk(
    file: UploadFile, session: RequestSession, officer: CurrentOfficer
) -> BulkOut:
    """CSV ``unit,day,task,value``: every row is stored, or none and every bad row listed."""
    content = await file.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        raise Invalid("Tệp quá lớn (tối đa 5 MB).", code="file-too-large")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("Tệp phải là CSV mã hoá UTF-8.", code="invalid-csv") from None
    return await service.submit_csv(
        session, subject=officer, content=text, submitted_at=clock.now()
    )


@router.get("/reports/{unit}", response_model=list[TaskHistoryRow])
async def report_history(
    unit: Annotated[str, Path(pattern=UNIT_PATTERN)],
    session: RequestSession,
    start: date,
    end: date,
) -> list[TaskHistoryRow]:
    """Every version a unit submitted between two days, with task statuses."""
    return await service.report_versions(session, unit, start, end)


@router.get("/summary", response_model=Summary)
async def summary(
    session: RequestSession, day: Day = None, unit: Unit = None, kind: Kind = "government"
) -> Summary:
    return await service.summary(session, day or clock.today(), unit, kind)


@router.get("/provinces", response_model=list[ProvinceRow])
async def provinces(
    session: RequestSession, day: Day = None, kind: Kind = "government"
) -> list[ProvinceRow]:
    return await service.province_grid(session, day or clock.today(), kind)


@router.get("/provinces/{code}/communes", response_model=list[UnitRow])
async def communes(
    code: Annotated[str, Path(pattern=r"^\d{2}$")],
    session: RequestSession,
    day: Day = None,
    kind: Kind = "government",
) -> list[UnitRow]:
    return await service.communes(session, code, day or clock.today(), kind)


@router.get("/non-reporters", response_model=list[NonReporter])
async def non_reporters(
    session: RequestSession,
    day: Day = None,
    unit: Unit = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    never: Annotated[bool, Query(description="Only units that never reported")] = False,
    kind: Kind = "government",
) -> list[NonReporter]:
    return await service.non_reporters(
        session, day or clock.today(), unit, limit, never=never, kind=kind
    )


@router.get("/readiness", response_model=list[Readiness])
async def readiness(
    session: RequestSession, day: Day = None, kind: Kind = "government"
) -> list[Readiness]:
    """Checklist tasks (the commune centre's basic conditions) of the units of ``kind``:
    national and per province."""
    return await progress.readiness(session, day or clock.today(), kind)


@router.get("/groups", response_model=list[GroupFigures])
async def groups(
    session: RequestSession, day: Day = None, unit: Unit = None, kind: Kind = "government"
) -> list[GroupFigures]:
    """Completion per task group and level: tasks green over active assignments."""
    return await progress.groups(session, day or clock.today(), unit, kind)


@router.get("/milestones", response_model=list[Milestone])
async def milestones(
    session: RequestSession, start: date, end: date, unit: Unit = None, kind: Kind = "government"
) -> list[Milestone]:
    """Milestone tasks day by day: units that met them at the cut-off."""
    return await progress.milestones(session, start, end, unit, kind)


@router.get("/trend", response_model=Trend)
async def trend(
    session: RequestSession,
    start: date,
    end: date,
    unit: Unit = None,
    level: TaskLevel | None = None,
    kind: Kind = "government",
) -> Trend:
    return await service.trend(session, unit, start, end, level, kind)
