"""JSON routes of the statistics: dossier figures and the concentration of online filings.
Read-only and aggregate (no person's data), open like the monitoring dashboards."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import JSONResponse, Response, StreamingResponse

from motcua.core.database import RequestSession
from motcua.monitoring.exports import to_xlsx
from motcua.stats import feed, index766, quality, roadmap, service
from motcua.stats.equipped import equipped_vs_used
from motcua.stats.schemas import (
    ConcentrationOut,
    EquippedOut,
    FeedPageOut,
    IndexOut,
    PapersOut,
    RegistryQualityOut,
    RoadmapProceduresOut,
    StatsOut,
)

router = APIRouter(prefix="/api/v1/stats", tags=["stats"])
Start = Annotated[date | None, Query(description="First day received (default: month of end)")]
End = Annotated[date | None, Query(description="Last day received (default: today)")]
Unit = Annotated[
    str | None, Query(pattern=r"^\d{2}(\d{3})?$", description="Province (2) or commune (5) code")
]


@router.get("/dossiers", response_model=StatsOut)
async def dossiers(
    session: RequestSession,
    start: Start = None,
    end: End = None,
    unit: Unit = None,
    agency: Annotated[str | None, Query(max_length=35, description="Agency code")] = None,
    procedure: Annotated[str | None, Query(max_length=16, description="Procedure code")] = None,
    channel: Annotated[
        str | None, Query(description="online_full, online_partial, counter, post")
    ] = None,
    period: Annotated[str | None, Query(description="day, week or month")] = None,
    group: Annotated[
        str | None, Query(description="province, commune, agency, procedure or channel")
    ] = None,
) -> StatsOut:
    """Dossiers received in [start, end] (at most 366 days), in total and per period/group:
    received, online share, on time/late/pending, average working days, supplements,
    refusals, apologies, online payments, reuse of registry data, extra-paper violations."""
    query = service.Query(start, end, unit, agency, procedure, channel, period, group)
    return await service.statistics(session, query)


@router.get("/concentration", response_model=ConcentrationOut)
async def concentration(
    session: RequestSession, start: Start = None, end: End = None, unit: Unit = None
) -> ConcentrationOut:
    """How the online filings of the 25 essential services spread over them."""
    return await service.concentration(session, service.Query(start=start, end=end, unit=unit))


@router.get("/equipped", response_model=EquippedOut)
async def equipped(
    session: RequestSession,
    day: Annotated[
        date | None, Query(alias="date", description="Report day (default: the latest)")
    ] = None,
    province: Annotated[
        str | None, Query(pattern=r"^\d{2}$", description="Its communes instead of provinces")
    ] = None,
) -> EquippedOut:
    """Each unit's reported status beside its dossiers over the window of data/gaps.yaml, with
    the flags where they disagree and the evidence of each."""
    return await equipped_vs_used(session, day, province)


@router.get("/papers-not-cut", response_model=PapersOut)
async def papers_not_cut(
    session: RequestSession, start: Start = None, end: End = None
) -> PapersOut:
    """Per procedure, agency and channel, most first: items uploaded or handed in although an
    enabled registry serves their evidence."""
    return await quality.papers_not_cut(session, service.Query(start=start, end=end))


@router.get("/registries", response_model=RegistryQualityOut)
async def registries(
    session: RequestSession, start: Start = None, end: End = None
) -> RegistryQualityOut:
    """Per registry, least available first: reads, availability, not-found rate, reads that
    needed a choice, applicants' rejections."""
    return await quality.registry_quality(session, service.Query(start=start, end=end))


@router.get("/index", response_model=IndexOut)
async def service_index(
    session: RequestSession,
    month: Annotated[
        str | None,
        # Years 1900-2099: `0000-01` passed a plain \d{4} and was a 500 (found by fuzzing).
        Query(pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$", description="YYYY-MM (default: latest)"),
    ] = None,
    province: Annotated[
        str | None, Query(pattern=r"^\d{2}$", description="Its communes instead of provinces")
    ] = None,
) -> IndexOut:
    """Decision 766's service index per province (or commune) for a month: each
    sub-indicator's rate and points where computable, group points, total out of 100."""
    chosen = date.fromisoformat(f"{month}-01") if month else None
    return await index766.service_index(session, chosen, province)


@router.get("/roadmap", response_model=roadmap.RoadmapOut)
async def roadmap_summary(
    session: RequestSession,
    day: Annotated[date | None, Query(alias="date", description="Default: today")] = None,
) -> roadmap.RoadmapOut:
    """The procedures seamless from top to bottom against the target and the 1/2026 milestone,
    per criterion, ministry and sector, and over time."""
    return await roadmap.roadmap(session, day)


@router.get("/roadmap/procedures", response_model=RoadmapProceduresOut)
async def roadmap_procedures(
    session: RequestSession,
    day: Annotated[date | None, Query(alias="date", description="Default: today")] = None,
    gap: Annotated[
        str | None, Query(pattern="^(published|process|online|data)$", description="A criterion")
    ] = None,
    ministry: Annotated[str | None, Query(max_length=200, description="Ministry's name")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> RoadmapProceduresOut:
    """Procedures in force, those with a gap first, each gap with who answers for it."""
    total, found = await roadmap.procedures(
        session, day, gap=gap, ministry=ministry, limit=limit, offset=offset
    )
    return RoadmapProceduresOut(total=total, procedures=found)


# --- the feed for operations centres (stats.feed; a client token per province) --------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Authorization = Annotated[str | None, Header(description="Bearer <feed client token>")]
Province = Annotated[
    str | None, Query(pattern=r"^\d{2}$", description="Province; a provincial client's own")
]
Cursor = Annotated[
    str | None, Query(max_length=600, description="From the previous page; none: from the start")
]
Limit = Annotated[int, Query(ge=1, le=feed.MAX_PAGE)]


@router.get("/feed/statistics", response_model=FeedPageOut)
async def feed_statistics(
    session: RequestSession,
    authorization: Authorization = None,
    province: Province = None,
    cursor: Cursor = None,
    limit: Limit = 1000,
) -> FeedPageOut:
    """The province's daily roll-up rows changed since the cursor, oldest change first. Keep
    asking with the returned cursor; a row comes again only when it changed again. 410 after
    a rebuild: load the export again and start without a cursor."""
    client = await feed.authenticate(session, authorization)
    page = await feed.statistics_changes(session, client, province, cursor, limit)
    return FeedPageOut(**page)


@router.get("/feed/monitoring", response_model=FeedPageOut)
async def feed_monitoring(
    session: RequestSession,
    authorization: Authorization = None,
    province: Province = None,
    cursor: Cursor = None,
    limit: Limit = 1000,
) -> FeedPageOut:
    """The province's units' day snapshots (status, on time, task colours) changed since the
    cursor, in report order; a report passes once it is a minute old."""
    client = await feed.authenticate(session, authorization)
    page = await feed.monitoring_changes(session, client, province, cursor, limit)
    return FeedPageOut(**page)


@router.get("/feed/flags", response_model=EquippedOut)
async def feed_flags(
    session: RequestSession,
    authorization: Authorization = None,
    province: Province = None,
    day: Annotated[date | None, Query(alias="date", description="Default: the latest")] = None,
) -> EquippedOut:
    """The province's communes, reported beside computed, with the equipped-vs-used flags."""
    client = await feed.authenticate(session, authorization)
    return await equipped_vs_used(session, day, feed.scope(client, province))


@router.get("/feed/export.{fmt}", response_model=None)
async def feed_export(
    session: RequestSession,
    fmt: Annotated[str, Path(pattern="^(csv|json|xlsx)$", description="csv, json or xlsx")],
    authorization: Authorization = None,
    province: Province = None,
    start: Start = None,
    end: End = None,
) -> Response:
    """The province's roll-up rows received in [start, end] (at most 366 days), whole: the
    first load of a centre's copy, or a file for people. CSV streams."""
    client = await feed.authenticate(session, authorization)
    chosen = feed.scope(client, province)
    where, _ = await service.resolve(session, service.Query(start=start, end=end))
    rows = await feed.export_rows(session, chosen, where.start, where.end)
    name = f"thong-ke-{chosen}-{where.start.isoformat()}-{where.end.isoformat()}"
    if fmt == "json":
        return JSONResponse([dict(zip(feed.EXPORT_COLUMNS, r, strict=True)) for r in rows])
    if fmt == "xlsx":
        return Response(
            to_xlsx((list(feed.EXPORT_COLUMNS), rows), "thong-ke"),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    return StreamingResponse(
        feed.csv_lines(feed.EXPORT_COLUMNS, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )
