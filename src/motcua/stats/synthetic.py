"""Synthetic dossiers for the demo and the benchmark, so every figure shows something.

Every dossier written here is synthetic: its code starts with ``TH-`` ("tổng hợp"), its
applicant numbers are made up, and the pages say the figures include demo data. Each province
gets a fixed temperament from the seed: how much it files online, how well it reuses registry
data, how punctual its officers are; a few provinces report themselves well equipped but file
little online (the "equipped vs used" gap the dashboards must show). Histories follow the
dossiers' own transitions (received → in progress → supplement → result → returned, or refused
or withdrawn), written in bulk, then the roll-up is brought up to them the way the worker does.
"""

import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog.models import Procedure, ProcedureVersion, Requirement, VersionStatus
from motcua.core import clock
from motcua.core.calendar import get_calendar
from motcua.dossiers.models import Dossier, DossierEvent, DossierItem, DossierRating
from motcua.identity.models import Officer, Role
from motcua.stats.facts import SYNTHETIC_PREFIX, essential_codes
from motcua.stats.models import DossierFact
from motcua.units.models import AdminUnit, Agency, AgencyKind, AgencyLevel
from motcua.workflow.models import Violation

SYNTHETIC_OFFICER = "tonghop_thongke"
ACTOR = "099000000000"
ASKED = "Bản sao giấy tờ không có trong danh mục (dữ liệu mẫu)"
DEMO_FEE = 50_000  # VND, for synthetic dossiers only
BUSY_COMMUNES = 6


@dataclass(frozen=True)
class Temperament:
    online: float  # share filed online
    reuse: float  # share of items taken from registries
    punctual: float  # share of results on time
    busy: float  # relative volume


def temperament(seed: int, province: str) -> Temperament:
    rng = random.Random(f"{seed}:{province}")
    low_use = rng.random() < 0.2  # equipped, but little used
    return Temperament(
        online=rng.uniform(0.08, 0.25) if low_use else rng.uniform(0.45, 0.9),
        reuse=rng.uniform(0.1, 0.35) if low_use else rng.uniform(0.5, 0.95),
        punctual=rng.uniform(0.75, 0.99),
        busy=rng.uniform(0.4, 1.6),
    )


@dataclass(frozen=True)
class _Procedure:
    code: str
    version_id: int
    name: str
    days: int
    fee: int | None
    requirements: list[tuple[str, bool]]  # key, has an evidence type


async def _procedures(session: AsyncSession) -> list[_Procedure]:
    rows = (
        await session.execute(
            select(
                Procedure.code,
                ProcedureVersion.id,
                ProcedureVersion.name,
                ProcedureVersion.processing_days,
                ProcedureVersion.fees,
            )
            .join(ProcedureVersion, ProcedureVersion.procedure_id == Procedure.id)
            .where(
                Procedure.code.in_(essential_codes()),
                ProcedureVersion.status == VersionStatus.published,
            )
            .order_by(Procedure.code, ProcedureVersion.version)
        )
    ).all()
    newest = {code: (vid, name, days, fees) for code, vid, name, days, fees in rows}
    requirements: dict[int, list[tuple[str, bool]]] = defaultdict(list)
    ids = [v[0] for v in newest.values()]
    for version_id, key, evidence in await session.execute(
        select(Requirement.version_id, Requirement.key, Requirement.evidence_type_code)
        .where(Requirement.version_id.in_(ids))
        .order_by(Requirement.version_id, Requirement.position)
    ):
        requirements[version_id].append((key, evidence is not None))
    found = []
    for code, (vid, name, days, fees) in sorted(newest.items()):
        # A listed fee whose amount the catalog does not confirm gets a demo amount here.
        amounts = [int(f.get("amount_vnd") or DEMO_FEE) for f in fees or []]
        found.append(
            _Procedure(code, vid, name, max(1, days), sum(amounts) or None, requirements[vid])
        )
    return found


async def _communes(session: AsyncSession) -> dict[str, list[tuple[int, str]]]:
    """People's committees of communes, per province code."""
    rows = await session.execute(
        select(AdminUnit.province_code, Agency.id, Agency.code)
        .join(AdminUnit, AdminUnit.code == Agency.unit_code)
        .where(Agency.level == AgencyLevel.commune, Agency.kind == AgencyKind.people_committee)
        .order_by(Agency.id)
    )
    by_province: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for province, agency_id, code in rows:
        by_province[province or ""].append((agency_id, code))
    return by_province


async def exists(session: AsyncSession) -> bool:
    return bool(
        await session.scalar(
            select(func.count()).where(Dossier.code.like(f"{SYNTHETIC_PREFIX}%")).limit(1)
        )
    )


async def seed_dossiers(
    session: AsyncSession, count: int, end: date, days: int = 90, seed: int = 7
) -> int:
    """``count`` synthetic dossiers received over ``days`` days ending at ``end``."""
    procedures = await _procedures(session)
    communes = await _communes(session)
    if not procedures or not communes:
        return 0
    officer_id = await _officer(session, next(iter(communes.values()))[0][0])
    rng = random.Random(seed)
    provinces = sorted(communes)
    moods = {p: temperament(seed, p) for p in provinces}
    weights = [moods[p].busy for p in provinces]
    # A few procedures carry most online filings (as the steering committee saw).
    popularity = [1.0 / (i + 1) ** 1.1 for i in range(len(procedures))]
    calendar = get_calendar()
    # Histories stop at the end of the last day, so some dossiers are still pending then.
    closing = datetime.combine(end, time(17, 0), tzinfo=calendar.timezone)
    now = min(clock.now(), closing)
    written = 0
    numbers: dict[tuple[str, date], int] = defaultdict(int)
    for start in range(0, count, 1000):
        dossiers, plans = [], []
        for _ in range(min(1000, count - start)):
            province = rng.choices(provinces, weights)[0]
            mood = moods[province]
            # Most filings go to a few busy communes of the province (its wards and towns).
            pool = communes[province]
            busy = pool[:BUSY_COMMUNES] if rng.random() < 0.8 else pool
            agency_id, agency_code = rng.choice(busy)
            procedure = rng.choices(procedures, popularity)[0]
            online = rng.random() < mood.online
            channel = "online" if online else ("post" if rng.random() < 0.05 else "counter")
            day = end - timedelta(days=rng.randrange(days))
            if not online and not calendar.is_working_day(day):
                day = calendar.next_working_day(day)
                if day > end:
                    continue
            received = datetime.combine(
                day, time(rng.randrange(7, 17), rng.randrange(60)), tzinfo=calendar.timezone
            )
            numbers[(agency_code, day)] += 1
            code = f"{SYNTHETIC_PREFIX}{agency_code}-{day:%y%m%d}-{numbers[(agency_code, day)]:04d}"
            plan = _history(rng, mood, procedure, received, online, now, calendar)
            dossiers.append(_dossier(code, procedure, agency_id, province, channel, received, plan))
            plans.append((code, agency_id, procedure, mood, online, plan))
        written += await _write(session, dossiers, plans, officer_id, rng)
    return written


@dataclass
class _Plan:
    due_at: datetime
    events: list[tuple[str, str | None, str, datetime]]  # kind, from, to, at
    paid: bool
    violation: bool


def _history(
    rng: random.Random,
    mood: Temperament,
    procedure: _Procedure,
    received: datetime,
    online: bool,
    now: datetime,
    calendar: Any,
) -> _Plan:
    due = calendar.due_at(received, procedure.days)
    events: list[tuple[str, str | None, str, datetime]] = [
        ("submitted", None, "received", received)
    ]
    state, at = "received", received

    def step(kind: str, to: str, hours: float) -> bool:
        nonlocal state, at
        moment = at + timedelta(hours=hours)
        if moment > now:
            return False
        events.append((kind, state, to, moment))
        state, at = to, moment
        return True

    paid = bool(procedure.fee) and online and rng.random() < 0.7
    if rng.random() < 0.02:
        step("withdrawn", "withdrawn", rng.uniform(2, 48))
        return _Plan(due, events, False, False)
    if rng.random() < 0.04:
        step("refused", "refused", rng.uniform(2, 30))
        return _Plan(due, events, False, rng.random() < 0.3)
    if not step("step-completed", "in_progress", rng.uniform(1, 8)):
        return _Plan(due, events, False, False)
    if paid:
        paid = step("payment-confirmed", "in_progress", 0.5)
    violation = rng.random() < (0.03 if mood.reuse > 0.4 else 0.12)
    if rng.random() < 0.12:
        if not step("supplement-requested", "supplement_requested", rng.uniform(4, 48)):
            return _Plan(due, events, paid, violation)
        pause = rng.uniform(24, 96)
        if not step("supplement-answered", "in_progress", pause):
            return _Plan(due, events, paid, violation)
        due += timedelta(hours=pause)
    span = (due - at).total_seconds() / 3600
    late = rng.random() > mood.punctual
    if late and rng.random() < 0.5:
        step("delay-apology", "in_progress", max(1.0, span * 0.8))
    hours = span * rng.uniform(1.05, 1.8) if late else max(1.0, span * rng.uniform(0.2, 0.95))
    if rng.random() < 0.1:
        hours *= 3  # still waiting for some
    if step("result-signed", "result_ready", hours):
        step("returned", "returned", rng.uniform(2, 72))
    return _Plan(due, events, paid, violation)


def _dossier(
    code: str,
    procedure: _Procedure,
    agency_id: int,
    province: str,
    channel: str,
    received: datetime,
    plan: _Plan,
) -> dict[str, Any]:
    digest = hashlib.sha256(code.encode()).hexdigest()
    return {
        "code": code,
        "tracking_salt": digest[:32],
        "secret_hash": digest,
        "procedure_version_id": procedure.version_id,
        "procedure_code": procedure.code,
        "procedure_name": procedure.name,
        "receiving_agency_id": agency_id,
        "province_code": province,  # the receiving commune's
        "applicant_number": f"0990{int(digest[:8], 16) % 10**8:08d}",
        "actor_number": ACTOR,
        "on_behalf": False,
        "channel": channel,
        "state": plan.events[-1][2],
        "received_at": received,
        "due_at": plan.due_at,
        "fee_vnd": procedure.fee,
        "payment_state": (
            "not_required" if not procedure.fee else ("paid" if plan.paid else "unpaid")
        ),
        "contact_email": None,
        "idempotency_key": f"synthetic:{code}",
        "request_hash": digest,
        "version": len(plan.events),
    }


async def _write(
    session: AsyncSession,
    dossiers: list[dict[str, Any]],
    plans: list[tuple[str, int, _Procedure, Temperament, bool, _Plan]],
    officer_id: int,
    rng: random.Random,
) -> int:
    if not dossiers:
        return 0
    table = cast(Table, Dossier.__table__)
    returned = await session.execute(
        insert(table).returning(table.c.id, table.c.code, table.c.province_code),
        dossiers,
    )
    ids = {code: (dossier_id, province) for dossier_id, code, province in returned}
    items, events, violations = [], [], []
    for code, agency_id, procedure, mood, online, plan in plans:
        dossier_id, province = ids[code]
        for position, (key, from_registry) in enumerate(procedure.requirements, start=1):
            if from_registry and rng.random() < mood.reuse:
                source = "registry"
            else:
                source = "upload" if online else "counter"
            items.append({
                "dossier_id": dossier_id, "province_code": province, "position": position,
                "requirement_key": key,
                "source": source, "upload_id": None, "value": None, "sha256": None,
            })  # fmt: skip
        for seq, (kind, before, after, at) in enumerate(plan.events, start=1):
            events.append({
                "dossier_id": dossier_id, "province_code": province, "seq": seq, "at": at,
                "actor_number": ACTOR,
                "kind": kind, "from_state": before, "to_state": after,
                "data": {"synthetic": True},
            })  # fmt: skip
        if plan.violation:
            violations.append({
                "at": plan.events[-1][3], "code": "requirement-not-in-procedure",
                "officer_id": officer_id, "agency_id": agency_id,
                "dossier_code": code, "asked": ASKED,
            })  # fmt: skip
    if items:
        await session.execute(insert(DossierItem.__table__), items)  # type: ignore[arg-type]
    await session.execute(insert(DossierEvent.__table__), events)  # type: ignore[arg-type]
    if violations:
        await session.execute(insert(Violation.__table__), violations)  # type: ignore[arg-type]
    return len(ids)


async def _officer(session: AsyncSession, agency_id: int) -> int:
    """The synthetic officer the demo's violations are recorded against (cannot log in)."""
    found = await session.scalar(select(Officer.id).where(Officer.username == SYNTHETIC_OFFICER))
    if found is not None:
        return int(found)
    officer = Officer(
        username=SYNTHETIC_OFFICER,
        full_name="Cán bộ tổng hợp (dữ liệu mẫu)",
        agency_id=agency_id,
        role=Role.handling_officer,
        password_hash="-",
        active=False,
        created_at=clock.now(),
    )
    session.add(officer)
    await session.flush()
    return officer.id


async def demo_end(session: AsyncSession) -> date:
    """The last day of the monitoring reports, so dossiers and reports cover the same days."""
    from motcua.monitoring.models import Report

    last = await session.scalar(select(func.max(Report.day)))
    return last or get_calendar().localise(clock.now()).date()


async def seed_ratings(session: AsyncSession, seed: int, share: float = 0.4) -> int:
    """Ratings on a share of the synthetic dossiers that have their outcome: mostly satisfied,
    "not satisfied" far more often where the result came late, as ratings tend to be."""
    chooser = random.Random(seed)
    rows = await session.execute(
        select(
            Dossier.id,
            Dossier.province_code,
            DossierFact.late,
            DossierFact.refused,
            Dossier.received_at,
        )
        .join(DossierFact, DossierFact.dossier_id == Dossier.id)
        .where(
            Dossier.code.like(f"{SYNTHETIC_PREFIX}%"),
            (DossierFact.on_time + DossierFact.late + DossierFact.refused) > 0,
        )
        .order_by(Dossier.id)
    )
    ratings = []
    for dossier_id, province, late, refused, received_at in rows.all():
        if chooser.random() >= share:
            continue
        unhappy = 0.45 if late else 0.3 if refused else 0.04
        roll = chooser.random()
        level = (
            "dissatisfied" if roll < unhappy else "satisfied" if roll < 0.6 else "very_satisfied"
        )
        at = received_at + timedelta(days=chooser.randint(3, 12))
        ratings.append({
            "dossier_id": dossier_id, "province_code": province, "level": level, "comment": "",
            "rated_at": at,
        })  # fmt: skip
    for start in range(0, len(ratings), 5000):
        await session.execute(insert(DossierRating), ratings[start : start + 5000])
    return len(ratings)
