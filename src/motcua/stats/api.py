"""JSON routes of the statistics: dossier figures and the concentration of online filings.
Read-only and aggregate (no person's data), open like the monitoring dashboards."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from motcua.core.database import RequestSession
from motcua.stats import index766, quality, service
from motcua.stats.equipped import equipped_vs_used
from motcua.stats.schemas import (
    ConcentrationOut,
    EquippedOut,
    IndexOut,
    PapersOut,
    RegistryQualityOut,
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
