"""The receiving agency's province on a dossier and on every row keyed by it (the key a
distributed database places them by, docs/scaling.md section 5): set by each path that files
a dossier, copied by each that adds a row, and named by the officer's queue and by the look-up
of a dossier by its code."""

from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.applications.models import Payment
from motcua.core.errors import Conflict
from motcua.dossiers import ratings
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers.models import Dossier, DossierEvent, DossierItem, DossierRating
from motcua.legacy.models import LegacyDossier
from motcua.units.models import AdminUnit, Agency, AgencyKind, AgencyLevel, UnitLevel
from motcua.workflow import service
from motcua.workflow.models import (
    Disclosure,
    ResultDocument,
    SupplementRequest,
    WorkflowCase,
    WorkflowVisit,
)
from tests.workflow.conftest import APPLICANT, SIMPLE, Team, file_dossier
from tests.workflow.test_corrections import online_dossier
from tests.workflow.test_flow import walk_group


async def province_of(session: AsyncSession, agency: Agency) -> str:
    """The agency's province, read from the units as a person would look it up."""
    assert agency.unit_code is not None
    unit = await session.get(AdminUnit, agency.unit_code)
    assert unit is not None
    return unit.code if unit.level == UnitLevel.province else str(unit.province_code)


KEYED: tuple[Any, ...] = (
    DossierItem,
    DossierEvent,
    WorkflowCase,
    WorkflowVisit,
    DossierRating,
    SupplementRequest,
    ResultDocument,
    Disclosure,
    Payment,
    LegacyDossier,
)


async def carried(session: AsyncSession, code: str) -> dict[str, set[str]]:
    """The province codes stored on the dossier and on each table of rows keyed by it."""
    dossier = await session.scalar(select(Dossier).where(Dossier.code == code))
    assert dossier is not None
    await session.refresh(dossier)
    found = {"dossiers": {dossier.province_code}}
    for model in KEYED:
        rows = await session.scalars(
            select(model.province_code).where(model.dossier_id == dossier.id)  # type: ignore[attr-defined]
        )
        if province := set(rows):  # the tables that have rows of it
            found[model.__tablename__] = province
    return found


async def test_a_dossier_filed_at_the_counter_or_online_carries_its_agencys_province(
    session: AsyncSession, team: Team
) -> None:
    province = await province_of(session, team.commune)
    assert len(province) == 2
    at_counter = await file_dossier(session, team.commune, SIMPLE)
    online, _ = await online_dossier(session, team)
    # rows added to it later carry it too: a supplement request
    await service.request_supplement(
        session, team["c_receiving_officer"], online, ["to_khai_dang_ky_khai_sinh"]
    )
    filed = {
        "dossiers": {province},
        "dossier_items": {province},
        "dossier_events": {province},
        "workflow_cases": {province},
        "workflow_visits": {province},
    }
    assert await carried(session, at_counter) == filed
    assert await carried(session, online) == filed | {"workflow_supplements": {province}}


async def test_rows_added_along_the_way_carry_the_same_province(
    session: AsyncSession, team: Team
) -> None:
    code, _ = await walk_group(session, team)
    await ratings.rate(session, code, APPLICANT, "satisfied")
    province = await province_of(session, team.commune)
    rows = await carried(session, code)
    assert set().union(*rows.values()) == {province}
    assert {"workflow_results", "dossier_ratings"} <= set(rows)  # the signed result, the rating


async def test_the_look_up_by_code_names_the_province_its_agency_gives(
    session: AsyncSession, team: Team
) -> None:
    code = await file_dossier(session, team.commune, SIMPLE)
    province = await province_of(session, team.commune)
    assert await dossiers_repository.province_of_code(session, code) == province
    assert await dossiers_repository.province_of_code(session, "BENCH-00000001") is None
    found = await dossiers_repository.by_code(session, code)
    assert found is not None and found.province_code == province
    # A row stored under another province is not the dossier that code names.
    await session.execute(update(Dossier).where(Dossier.code == code).values(province_code="99"))
    session.expunge_all()
    assert await dossiers_repository.by_code(session, code) is None


async def test_the_queue_reads_the_officers_province_through_the_api(
    client: httpx.AsyncClient, session: AsyncSession, team: Team
) -> None:
    code = await file_dossier(session, team.commune, SIMPLE)
    await session.flush()
    response = await client.get("/api/v1/workflow/queue", headers=team.auth("c_receiving_officer"))
    assert response.status_code == 200, response.text
    assert code in {item["code"] for item in response.json()["items"]}
    # The case of another province at this agency is not in its queue (its rows would be on
    # another shard): the join and the filter name the province.
    await session.execute(
        update(WorkflowCase)
        .where(
            WorkflowCase.dossier_id
            == select(Dossier.id).where(Dossier.code == code).scalar_subquery()
        )
        .values(province_code="99")
    )
    response = await client.get("/api/v1/workflow/queue", headers=team.auth("c_receiving_officer"))
    assert code not in {item["code"] for item in response.json()["items"]}


async def test_a_dossier_is_not_forwarded_to_another_provinces_agency(
    session: AsyncSession, team: Team
) -> None:
    province = await province_of(session, team.commune)
    others = await session.scalars(
        select(Agency)
        .join(AdminUnit, AdminUnit.code == Agency.unit_code)
        .where(
            Agency.level == AgencyLevel.province,
            Agency.kind != AgencyKind.service_centre,
            AdminUnit.level == UnitLevel.province,
            AdminUnit.code != province,
            Agency.practice_of_id.is_(None),
        )
        .limit(1)
    )
    other = others.first()
    assert other is not None
    code = await file_dossier(session, team.commune)
    await service.claim(session, team["c_receiving_officer"], code)
    await service.complete(session, team["c_receiving_officer"], code)
    await service.complete(session, team["c_handling_officer"], code, "đã đăng ký khai sinh")
    with pytest.raises(Conflict) as refused:
        await service.forward(session, team["c_handling_officer"], code, other.code)
    assert refused.value.code == "other-province"
    # its own province's agency takes it
    await service.forward(session, team["c_handling_officer"], code, team.province.code)
    rows = await carried(session, code)
    assert set().union(*rows.values()) == {province}
