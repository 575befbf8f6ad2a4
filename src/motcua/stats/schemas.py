"""API shapes of the statistics: one set of figures, and the tables made of them."""

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from motcua.stats.models import COUNTERS
from motcua.stats.roadmap import ProcedureRoadmap


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


class Figures(BaseModel):
    """The counters of a set of dossiers and the rates made from them. Rates are shares in
    [0, 1]; ``None`` when there is nothing to divide by."""

    received: int = 0
    online: int = 0
    online_full: int = 0
    on_time: int = 0
    late: int = 0
    pending: int = 0
    refused: int = 0
    withdrawn: int = 0
    processing_days: int = 0
    with_fee: int = 0
    paid_online: int = 0
    supplements: int = 0
    apologies: int = 0
    items_registry: int = 0
    items_upload: int = 0
    items_counter: int = 0
    reused: int = 0
    violations: int = 0
    synthetic: int = 0
    online_share: float | None = Field(None, description="online / received")
    online_full_share: float | None = Field(None, description="online_full / received")
    on_time_rate: float | None = Field(None, description="on_time / (on_time + late)")
    average_processing_days: float | None = Field(
        None, description="working days from day zero to the result, over results"
    )
    paid_online_share: float | None = Field(None, description="paid_online / with_fee")
    reuse_rate: float | None = Field(
        None, description="items from registries / all items (registry + upload + counter)"
    )

    @classmethod
    def of(cls, counts: dict[str, int]) -> "Figures":
        results = counts["on_time"] + counts["late"]
        items = counts["items_registry"] + counts["items_upload"] + counts["items_counter"]
        return cls(
            **{n: counts[n] for n in COUNTERS},
            online_share=_share(counts["online"], counts["received"]),
            online_full_share=_share(counts["online_full"], counts["received"]),
            on_time_rate=_share(counts["on_time"], results),
            average_processing_days=(
                None if results == 0 else round(counts["processing_days"] / results, 2)
            ),
            paid_online_share=_share(counts["paid_online"], counts["with_fee"]),
            reuse_rate=_share(counts["items_registry"], items),
        )


class StatsRow(BaseModel):
    period: date | None = Field(None, description="first day of the period (None: whole range)")
    key: str | None = Field(None, description="the group's code (None: not grouped)")
    name: str | None = None
    figures: Figures


class StatsOut(BaseModel):
    start: date
    end: date
    period: str | None
    group: str | None
    unit: str | None
    unit_name: str | None
    total: Figures
    pending_overdue: int
    rows: list[StatsRow]


class ConcentrationRow(BaseModel):
    procedure_code: str
    name: str
    online: int
    share: float | None
    cumulative_share: float | None


class ConcentrationOut(BaseModel):
    """How the online filings of the 25 essential services spread over them: the fewest
    procedures that carry 80% of them, and the share of the top three."""

    start: date
    end: date
    unit: str | None
    online_total: int
    procedures_with_filings: int
    procedures_for_80_percent: int
    top3_share: float | None
    rows: list[ConcentrationRow]


class RefreshOut(BaseModel):
    dossiers: int
    changed: int


class Evidence(BaseModel):
    """What a flag rests on: the reported value, the computed one, and the dossiers counted."""

    reported: str
    computed: str
    dossiers: int
    start: date
    end: date
    report_day: date | None


class Flag(BaseModel):
    code: str
    title: str
    evidence: Evidence


class Reported(BaseModel):
    status: str | None = Field(None, description="the unit's status at its latest report that day")
    conditions_met: bool | None = Field(
        None, description="every basic condition of the commune service centre reported met"
    )
    online_full_rate: float | None = Field(
        None, description="the online full-process rate the province typed in (share)"
    )


class UnitGap(BaseModel):
    code: str
    name: str
    reported: Reported
    figures: Figures
    flags: list[Flag]


class EquippedOut(BaseModel):
    day: date
    start: date
    end: date
    level: str
    province: str | None
    rules: list[dict[str, object]]
    units: list[UnitGap]
    flagged: int


class PaperRow(BaseModel):
    procedure_code: str
    procedure_name: str
    agency_code: str
    agency_name: str
    channel: str = Field(description="the dossier's channel: online, counter or post")
    channel_name: str
    not_cut: int = Field(description="items uploaded or handed in although a registry serves them")
    fetchable: int = Field(description="items whose evidence an enabled registry serves")
    not_cut_share: float | None


class PapersOut(BaseModel):
    start: date
    end: date
    rows: list[PaperRow]


class RegistryQuality(BaseModel):
    code: str
    name: str
    enabled: bool
    reads: int = Field(description="reads in the access log (refusals before a read excluded)")
    availability: float | None = Field(None, description="1 - unavailable / reads")
    not_found_rate: float | None = Field(None, description="not_found / reads")
    needs_choice_rate: float | None = Field(
        None, description="reads that returned several records for the person to choose from"
    )
    decided: int = Field(description="evidence items the applicant accepted or rejected")
    rejected_rate: float | None = Field(None, description="rejected / decided")
    latency_ms: float | None = Field(None, description="not recorded by the exchange yet")


class RegistryQualityOut(BaseModel):
    start: date
    end: date
    registries: list[RegistryQuality]


class IndicatorDef(BaseModel):
    code: str
    group: str
    name: str
    formula: str
    points: float
    target: float | None = None
    figure: str | None = Field(None, description="what motcua computes it from (None: not yet)")
    source: str
    reconstruction: bool


class GroupDef(BaseModel):
    key: str
    name: str
    max: float


class Score(BaseModel):
    code: str
    rate: float | None = Field(None, description="None: not computable from the data held")
    points: float | None


class UnitIndex(BaseModel):
    code: str
    name: str
    received: int
    groups: dict[str, float | None] = Field(description="points per group (None: no data)")
    total: float = Field(description="points earned, out of 100")
    attainable: float = Field(description="the points of the sub-indicators computed")
    scores: list[Score]


class IndexOut(BaseModel):
    month: date
    level: str
    province: str | None
    scoring: str
    groups: list[GroupDef]
    indicators: list[IndicatorDef]
    units: list[UnitIndex]


class FeedPageOut(BaseModel):
    """One page of a feed: the rows changed since the cursor given, and the cursor to give next
    (``more``: ask again at once, a full page came back)."""

    province: str
    items: list[dict[str, Any]]
    cursor: str
    more: bool


class RoadmapProceduresOut(BaseModel):
    total: int
    procedures: list[ProcedureRoadmap]
