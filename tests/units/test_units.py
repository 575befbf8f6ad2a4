"""Units from the vietnam-provinces package, derived agencies and the pre-2025 mapping."""

import re

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.errors import NotFound
from motcua.units import repository, service
from motcua.units.models import (
    AGENCY_CODE_PATTERN,
    Agency,
    AgencyKind,
    AgencyLevel,
    CodeStatus,
    UnitLevel,
)

AGENCY_CODE = re.compile(AGENCY_CODE_PATTERN)


async def test_official_counts(session: AsyncSession) -> None:
    assert await repository.count_units(session, UnitLevel.province) == 34
    assert await repository.count_units(session, UnitLevel.commune) == 3321


async def test_loading_again_changes_nothing(session: AsyncSession) -> None:
    before = await session.scalar(select(func.count()).select_from(Agency))
    report = await service.load_units(session)
    after = await session.scalar(select(func.count()).select_from(Agency))
    assert before == after == report.agencies == 17 + 3 * 34 + 3 * 3321


async def test_every_unit_has_a_committee_and_a_service_centre(session: AsyncSession) -> None:
    rows = await session.execute(
        select(Agency.kind, Agency.level, func.count()).group_by(Agency.kind, Agency.level)
    )
    counts = {(kind, level): n for kind, level, n in rows}
    assert counts[(AgencyKind.ministry, AgencyLevel.ministry)] == 17
    assert counts[(AgencyKind.people_committee, AgencyLevel.province)] == 34
    assert counts[(AgencyKind.service_centre, AgencyLevel.province)] == 34
    assert counts[(AgencyKind.people_committee, AgencyLevel.commune)] == 3321
    assert counts[(AgencyKind.service_centre, AgencyLevel.commune)] == 3321
    # the agencies of the life-event groups: commune police and provincial social insurance
    assert counts[(AgencyKind.police, AgencyLevel.commune)] == 3321
    assert counts[(AgencyKind.social_insurance, AgencyLevel.province)] == 34


async def test_agency_codes_follow_decision_20(session: AsyncSession) -> None:
    codes = (await session.scalars(select(Agency.code))).all()
    assert all(AGENCY_CODE.match(code) for code in codes)
    hue = await repository.agency_by_code(session, "000.00.00.H57")
    assert hue is not None and hue.code_status == CodeStatus.official
    assert hue.unit_code == "46"
    public_security = await repository.agency_by_code(session, "000.00.00.G01")
    assert public_security is not None and public_security.name == "Bộ Công an"


async def test_commune_agencies_hang_under_their_province(session: AsyncSession) -> None:
    committee = await repository.agency_by_code(session, "000.00.00070.P01")
    assert committee is not None and committee.name == "Ủy ban nhân dân Phường Hoàn Kiếm"
    parent = await session.get(Agency, committee.parent_id)
    assert parent is not None and parent.code == "000.00.00.P01"
    centre = await repository.agency_by_code(session, "000.99.00070.P01")
    assert centre is not None and centre.kind == AgencyKind.service_centre
    assert centre.parent_id == committee.id


async def test_old_province_code_resolves_to_successor(session: AsyncSession) -> None:
    resolved = await service.resolve(session, "93")  # Hậu Giang, merged into Cần Thơ
    assert resolved.unit.code == "92"
    assert resolved.via is not None and resolved.via.old_name == "Tỉnh Hậu Giang"
    unchanged = await service.resolve(session, "01")
    assert unchanged.unit.name == "Thành phố Hà Nội" and unchanged.via is None


async def test_every_old_province_maps_to_a_current_one(session: AsyncSession) -> None:
    for old in service._data("province_successions_2025.yaml")["successions"]:
        resolved = await service.resolve(session, old)
        assert resolved.unit.level == UnitLevel.province


async def test_unknown_unit(session: AsyncSession) -> None:
    with pytest.raises(NotFound):
        await service.resolve(session, "99")


async def test_provinces_api(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/units/provinces")
    assert response.status_code == 200
    provinces = response.json()
    assert len(provinces) == 34
    assert sum(p["commune_count"] for p in provinces) == 3321
    hanoi = next(p for p in provinces if p["code"] == "01")
    assert hanoi["name"] == "Thành phố Hà Nội" and hanoi["commune_count"] == 126


async def test_communes_api(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/units/provinces/46/communes")
    assert response.status_code == 200
    communes = response.json()
    assert len(communes) == 40 and all(c["province_code"] == "46" for c in communes)


async def test_communes_of_unknown_province_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/units/provinces/99/communes")
    assert response.status_code == 404
    assert response.json()["code"] == "unknown-province"


async def test_malformed_unit_code_is_422(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/units/provinces/abc/communes")
    assert response.status_code == 422
    assert response.json()["errors"][0]["parameter"] == "code"


async def test_unit_api_follows_succession(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/units/02")  # Hà Giang -> Tuyên Quang
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "08" and body["succeeded"]["old_name"] == "Tỉnh Hà Giang"


async def test_agencies_api_filters(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/agencies", params={"level": "ministry"})
    assert response.status_code == 200
    assert len(response.json()) == 17
    response = await client.get("/api/v1/agencies", params={"unit": "00070"})
    kinds = sorted(a["kind"] for a in response.json())
    assert kinds == ["people_committee", "police", "service_centre"]
    response = await client.get("/api/v1/agencies", params={"level": "galaxy"})
    assert response.status_code == 422
