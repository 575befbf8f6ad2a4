"""The 2,500-procedure roadmap: which procedures are "seamless from top to bottom", per
ministry and sector, over time against the 1/2026 milestone, and who answers for each gap.

A procedure is seamless on a day when every criterion of ``data/roadmap.yaml`` holds for its
version in force that day: published and in force (a procedure with only a draft or a future
version is counted, short of this); an internal process written for it (a shipped process file,
or one stored for it that is not the platform's generic default, for every agency or for an
agency of each level the procedure is carried out at); offered full-process online; and no
paper asked whose data a database holds (catalog readiness: neither a paper the connected
registries could replace nor one whose registry is not connected). The first three are read
from the catalog's and the workflow's history, so the series over past days is what was true
then; the registries' connections keep no history, so the data criterion is today's on every
day of the series (the page says so).
"""

import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import readiness
from motcua.catalog.models import OnlineLevel, Procedure, ProcedureVersion, VersionStatus
from motcua.core import clock
from motcua.units.models import Agency, AgencyLevel
from motcua.workflow import definitions
from motcua.workflow.models import ProcessDefinition

CRITERIA = ("published", "process", "online", "data")


@cache
def settings() -> dict[str, Any]:
    text = resources.files("motcua.stats").joinpath("data/roadmap.yaml").read_text("utf-8")
    return dict(yaml.safe_load(text))


class Gap(BaseModel):
    criterion: str
    name: str
    responsible: str


class ProcedureRoadmap(BaseModel):
    code: str
    name: str
    synthetic: bool
    ministry: str
    sector: str
    levels: list[str]
    data_share: float | None
    seamless: bool
    gaps: list[Gap]


class GroupRoadmap(BaseModel):
    key: str
    name: str
    total: int
    seamless: int
    share: float | None
    gaps: dict[str, int]


class Point(BaseModel):
    day: date
    total: int
    seamless: int


class RoadmapOut(BaseModel):
    on: date
    target: int
    milestone: date
    days_to_milestone: int
    total: int
    synthetic: int
    seamless: int
    share_of_target: float
    gaps: dict[str, int]
    criteria: dict[str, str]
    by_ministry: list[GroupRoadmap]
    by_sector: list[GroupRoadmap]
    series: list[Point]


@dataclass
class _Version:
    code: str
    name: str
    synthetic: bool
    status: VersionStatus
    effective_from: date | None
    effective_to: date | None
    published_at: datetime | None
    online: bool
    levels: tuple[str, ...]
    ministry: str
    sector: str

    def in_force(self, on: date) -> bool:
        return (
            self.status == VersionStatus.published
            and self.effective_from is not None
            and self.effective_from <= on
            and (self.effective_to is None or self.effective_to > on)
        )


@dataclass
class _World:
    """Everything the roadmap reads, loaded once: versions, process definitions, readiness."""

    versions: dict[str, list[_Version]]
    default_process: dict[str, datetime]  # procedure -> first default definition
    level_process: dict[tuple[str, str], datetime]  # (procedure, level) -> first definition
    data_gaps: dict[str, tuple[float | None, list[str]]]  # code -> share, holders of the gaps

    def version(self, code: str, on: date) -> _Version | None:
        """The version in force; else the newest not yet in force (a draft, a future date);
        None once the procedure is abolished."""
        versions = self.versions[code]
        found = next((v for v in versions if v.in_force(on)), None)
        if found is not None:
            return found
        pending = versions[0]  # newest first
        if pending.effective_to is not None and pending.effective_to <= on:
            return None  # abolished
        return pending

    def gaps(self, version: _Version, on: date) -> list[str]:
        end = datetime.combine(on, time.max, tzinfo=UTC)
        missing = []
        if not version.in_force(on):
            missing.append("published")
        if not self._process(version, end):
            missing.append("process")
        if not version.online:
            missing.append("online")
        if self.data_gaps.get(version.code, (None, []))[1]:
            missing.append("data")
        return missing

    def _process(self, version: _Version, end: datetime) -> bool:
        default = self.default_process.get(version.code)
        if default is not None and _aware(default) <= end:
            return True
        return all(
            (at := self.level_process.get((version.code, level))) is not None and _aware(at) <= end
            for level in version.levels
        ) and bool(version.levels)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def _load(session: AsyncSession) -> _World:
    rows = await session.execute(
        select(ProcedureVersion, Procedure.code, Procedure.synthetic, Agency.name)
        .join(Procedure, Procedure.id == ProcedureVersion.procedure_id)
        .outerjoin(Agency, Agency.id == ProcedureVersion.managing_agency_id)
        .order_by(Procedure.code, ProcedureVersion.version.desc())
    )
    versions: dict[str, list[_Version]] = defaultdict(list)
    for version, code, synthetic, ministry in rows.all():
        levels = tuple(
            level
            for level, flag in (
                ("ministry", version.at_ministry),
                ("province", version.at_province),
                ("commune", version.at_commune),
            )
            if flag
        )
        versions[code].append(
            _Version(
                code=code, name=version.name, synthetic=synthetic, status=version.status,
                effective_from=version.effective_from, effective_to=version.effective_to,
                published_at=version.published_at,
                online=version.online_level == OnlineLevel.full, levels=levels,
                ministry=ministry or "Chưa ghi cơ quan quản lý", sector=version.sector_name,
            )
        )  # fmt: skip
    # A shipped process file is part of the platform: written from the start.
    default_process = dict.fromkeys(definitions.bundled(), datetime.min.replace(tzinfo=UTC))
    level_process: dict[tuple[str, str], datetime] = {}
    generic = definitions.dump(definitions.DEFAULT_STEPS).strip()
    stored = await session.execute(
        select(
            ProcessDefinition.procedure_code,
            ProcessDefinition.created_at,
            ProcessDefinition.source,
            Agency.level,
        )
        .outerjoin(Agency, Agency.id == ProcessDefinition.agency_key)
        .order_by(ProcessDefinition.created_at)
    )
    for code, created, source, level in stored.all():
        if source.strip() == generic:
            continue  # the generic default written on first use: nobody wrote this one
        if level is None:
            default_process.setdefault(code, created)
        else:
            level_process.setdefault((code, _level(level)), created)
    ready = await readiness.catalog(session)
    data_gaps = {
        p.code: (p.share, [r.held_by or r.name for r in p.papers_with_data + p.not_connected])
        for p in ready.procedures
    }
    return _World(dict(versions), default_process, level_process, data_gaps)


def _level(level: AgencyLevel) -> str:
    return {"ministry": "ministry", "province": "province"}.get(level.value, "commune")


def _group(key_of: Iterable[tuple[str, bool, list[str]]]) -> list[GroupRoadmap]:
    totals: dict[str, list[Any]] = {}
    for key, seamless, gaps in key_of:
        entry = totals.setdefault(key, [0, 0, dict.fromkeys(CRITERIA, 0)])
        entry[0] += 1
        entry[1] += int(seamless)
        for gap in gaps:
            entry[2][gap] += 1
    groups = [
        GroupRoadmap(
            key=key, name=key, total=t, seamless=s, share=round(s / t, 4) if t else None, gaps=g
        )
        for key, (t, s, g) in totals.items()
    ]
    return sorted(groups, key=lambda g: (g.share or 0, -g.total, g.name))


async def roadmap(session: AsyncSession, on: date | None = None) -> RoadmapOut:
    """The roadmap's figures on a day, with the series from ``series_from`` to that day."""
    config = settings()
    on = on or clock.today()
    world = await _load(session)
    rows = []
    for code in world.versions:
        version = world.version(code, on)
        if version is not None:
            rows.append((version, world.gaps(version, on)))
    gaps = dict.fromkeys(CRITERIA, 0)
    for _, missing in rows:
        for gap in missing:
            gaps[gap] += 1
    seamless = sum(1 for _, missing in rows if not missing)
    milestone: date = config["milestone"]
    return RoadmapOut(
        on=on,
        target=config["target"],
        milestone=milestone,
        days_to_milestone=(milestone - on).days,
        total=len(rows),
        synthetic=sum(1 for v, _ in rows if v.synthetic),
        seamless=seamless,
        share_of_target=round(seamless / config["target"], 4),
        gaps=gaps,
        criteria={name: spec["name"] for name, spec in config["criteria"].items()},
        by_ministry=_group((v.ministry, not m, m) for v, m in rows),
        by_sector=_group((v.sector, not m, m) for v, m in rows),
        series=_series(world, config["series_from"], on, config["series_every_days"]),
    )


SERIES_POINTS = 26


def _series(world: _World, start: date, end: date, every: int) -> list[Point]:
    """Points every ``every`` days from ``start`` (fewer, further apart, over a long span)."""
    every = max(every, -(-(end - start).days // SERIES_POINTS))
    days, day = [], start
    while day < end:
        days.append(day)
        day += timedelta(days=every)
    points = []
    for day in [*days, end]:
        total = seamless = 0
        for code in world.versions:
            version = world.version(code, day)
            if version is None:
                continue
            total += 1
            seamless += not world.gaps(version, day)
        points.append(Point(day=day, total=total, seamless=seamless))
    return points


async def procedures(
    session: AsyncSession,
    on: date | None = None,
    *,
    gap: str | None = None,
    ministry: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[ProcedureRoadmap]]:
    """The procedures in force, those with a gap first, each gap with who answers for it."""
    config = settings()
    on = on or clock.today()
    world = await _load(session)
    found = []
    for code in sorted(world.versions):
        version = world.version(code, on)
        if version is None or (ministry is not None and version.ministry != ministry):
            continue
        missing = world.gaps(version, on)
        if gap is not None and gap not in missing:
            continue
        share, holders = world.data_gaps.get(code, (None, []))
        found.append(
            ProcedureRoadmap(
                code=code, name=version.name, synthetic=version.synthetic,
                ministry=version.ministry, sector=version.sector, levels=list(version.levels),
                data_share=share, seamless=not missing,
                gaps=[_gap(config, name, version, holders) for name in missing],
            )
        )  # fmt: skip
    found.sort(key=lambda p: (p.seamless, p.synthetic, p.code))
    return len(found), found[offset : offset + limit]


def _gap(config: dict[str, Any], name: str, version: _Version, holders: list[str]) -> Gap:
    spec = config["criteria"][name]
    responsible = spec["responsible"]
    if name in ("published", "online"):
        responsible = version.ministry
    elif name == "data" and holders:
        responsible = "Cơ quan giữ: " + ", ".join(sorted(set(holders)))
    return Gap(criterion=name, name=spec["name"], responsible=responsible)


DEMO_PROCESS_HEADER = "# Quy trình mẫu: dữ liệu tổng hợp để trình diễn lộ trình.\n"


async def seed_demo_processes(session: AsyncSession, end: date, seed: int, share: float) -> int:
    """Written internal processes for a share of the synthetic procedures, dated between the
    series' start and ``end``, so the demo's roadmap moves over time (``motcua stats demo``).
    Real procedures are left alone; a procedure that already has a stored default keeps it."""
    have = set(
        await session.scalars(
            select(ProcessDefinition.procedure_code).where(ProcessDefinition.agency_key == 0)
        )
    )
    codes = [
        c
        for c in await session.scalars(
            select(Procedure.code).where(Procedure.synthetic.is_(True)).order_by(Procedure.code)
        )
        if c not in have
    ]
    chooser = random.Random(seed)
    chosen = chooser.sample(codes, int(len(codes) * share))
    start: date = settings()["series_from"]
    span = max(1, (end - start).days)
    source = DEMO_PROCESS_HEADER + definitions.dump(definitions.DEFAULT_STEPS)
    steps = [step.model_dump(mode="json") for step in definitions.parse(source).steps]
    for code in chosen:
        # More written as the milestone nears, as plans are: a quadratic spread over the span.
        day = start + timedelta(days=int(span * chooser.random() ** 0.5))
        session.add(
            ProcessDefinition(
                procedure_code=code, agency_key=0, version=1, source=source, steps=steps,
                created_at=datetime.combine(day, time(2), tzinfo=UTC),
            )
        )  # fmt: skip
    await session.flush()
    return len(chosen)
