"""Dossiers with hand-written histories, written the way the dossier and workflow modules
write them (rows of dossiers, items, events; violations), for the statistics to count."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.dossiers.models import Dossier, DossierEvent, DossierItem
from motcua.identity.models import Officer, Role
from motcua.stats import service
from motcua.units.models import AdminUnit, Agency, AgencyKind, AgencyLevel
from motcua.workflow.models import Violation

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
ESSENTIAL = "0.000001"  # one of the 25 (full-process online)
ACTOR = "001084000123"


def local(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, tzinfo=ZONE)


@dataclass
class Place:
    agency_id: int
    agency_code: str
    commune: str
    province: str
    province_name: str
    commune_name: str


@dataclass
class World:
    session: AsyncSession
    places: list[Place]
    version_id: int
    officer_id: int
    states: dict[int, str] = field(default_factory=dict)
    seqs: dict[int, int] = field(default_factory=dict)
    codes: dict[int, str] = field(default_factory=dict)
    made: int = 0

    async def file(
        self,
        place: Place,
        *,
        received: datetime,
        due: datetime,
        channel: str = "online",
        payment: str = "not_required",
        items: tuple[str, ...] = (),
        keys: tuple[str, ...] = (),
        code: str | None = None,
    ) -> int:
        self.made += 1
        code = code or f"{place.agency_code}-T{self.made:06d}"
        table = cast(Table, Dossier.__table__)
        dossier_id = await self.session.scalar(
            insert(table)
            .values(
                code=code, tracking_salt="s", secret_hash="h", procedure_version_id=self.version_id,
                procedure_code=ESSENTIAL, procedure_name="Thủ tục thử",
                receiving_agency_id=place.agency_id,
                applicant_number=ACTOR, actor_number=ACTOR, on_behalf=False, channel=channel,
                state="received", received_at=received, due_at=due, fee_vnd=None,
                payment_state=payment, contact_email=None, idempotency_key=code, request_hash="r",
                version=1,
            )
            .returning(table.c.id)
        )  # fmt: skip
        assert dossier_id is not None
        for position, source in enumerate(items, start=1):
            await self.session.execute(
                insert(DossierItem).values(
                    dossier_id=dossier_id, position=position,
                    requirement_key=keys[position - 1] if keys else f"k{position}",
                    source=source,
                )
            )  # fmt: skip
        self.states[dossier_id], self.seqs[dossier_id], self.codes[dossier_id] = "", 0, code
        await self.event(dossier_id, "submitted", "received", received)
        return int(dossier_id)

    async def event(self, dossier_id: int, kind: str, to_state: str, at: datetime) -> None:
        self.seqs[dossier_id] += 1
        await self.session.execute(
            insert(DossierEvent).values(
                dossier_id=dossier_id, seq=self.seqs[dossier_id], at=at, actor_number=ACTOR,
                kind=kind, from_state=self.states[dossier_id] or None, to_state=to_state, data={},
            )
        )  # fmt: skip
        self.states[dossier_id] = to_state
        await self.session.execute(
            Dossier.__table__.update()  # type: ignore[attr-defined]
            .where(Dossier.id == dossier_id)
            .values(state=to_state, version=self.seqs[dossier_id])
        )

    async def violation(self, dossier_id: int, at: datetime) -> None:
        await self.session.execute(
            insert(Violation).values(
                at=at, code="requirement-not-in-procedure", officer_id=self.officer_id,
                agency_id=self.places[0].agency_id, dossier_code=self.codes[dossier_id],
                asked="Giấy xác nhận",
            )
        )  # fmt: skip


@pytest.fixture
async def world(session: AsyncSession) -> World:
    rows = (
        await session.execute(
            select(Agency.id, Agency.code, AdminUnit.code, AdminUnit.province_code, AdminUnit.name)
            .join(AdminUnit, AdminUnit.code == Agency.unit_code)
            .where(Agency.level == AgencyLevel.commune, Agency.kind == AgencyKind.people_committee)
            .order_by(AdminUnit.province_code, Agency.id)
        )
    ).all()
    firsts: dict[str, Any] = {}
    for row in rows:
        firsts.setdefault(row[3], []).append(row)
    provinces = sorted(firsts)[:2]
    named = select(AdminUnit.code, AdminUnit.name).where(AdminUnit.code.in_(provinces))
    names = {code: name for code, name in await session.execute(named)}
    places = [Place(r[0], r[1], r[2], p, names[p], r[4]) for p in provinces for r in firsts[p][:2]]
    version_id = await session.scalar(
        select(ProcedureVersion.id)
        .join(Procedure, Procedure.id == ProcedureVersion.procedure_id)
        .where(Procedure.code == ESSENTIAL)
    )
    assert version_id is not None
    officer = Officer(
        username="stats_test_officer", full_name="Cán bộ thử", agency_id=places[0].agency_id,
        role=Role.handling_officer, password_hash="-", active=True, created_at=local(2025, 1, 1),
    )  # fmt: skip
    session.add(officer)
    await session.flush()
    return World(session, places, version_id, officer.id)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


@pytest.fixture
async def filed(world: World) -> World:
    """Province A: an online dossier resolved on time (2 registry items, 1 upload), an online
    one late with a supplement, a counter one pending; province B: a refused post dossier with
    a violation. All received 1-3/12/2025 (Mon-Wed)."""
    a1, a2, b = world.places[0], world.places[1], world.places[2]
    r = local(2025, 12, 1)
    items = ("registry", "registry", "upload")
    one = await world.file(a1, received=r, due=r + hours(96), items=items)
    await world.event(one, "step-completed", "in_progress", r + hours(1))
    await world.event(one, "result-signed", "result_ready", r + hours(24))  # Tuesday: 1 day
    r2 = local(2025, 12, 2)
    two = await world.file(a2, received=r2, due=r2 + hours(24), items=("upload",))
    await world.event(two, "step-completed", "in_progress", r2 + hours(1))
    await world.event(two, "supplement-requested", "supplement_requested", r2 + hours(2))
    await world.event(two, "supplement-answered", "in_progress", r2 + hours(3))
    await world.event(two, "result-signed", "result_ready", r2 + hours(72))  # Friday: 3 days
    await world.file(a1, received=local(2025, 12, 3), due=local(2026, 1, 3), channel="counter")
    r4 = local(2025, 12, 3)
    four = await world.file(b, received=r4, due=r4 + hours(96), channel="post")
    await world.event(four, "refused", "refused", r4 + hours(2))
    await world.violation(four, r4 + hours(1))
    await service.refresh(world.session)
    await world.session.commit()  # a request that fails rolls back only its own work
    return world
