"""Former communes (before 1 July 2025) resolve to the 2025 commune that succeeded them."""

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from vietnam_provinces import Ward

from motcua.core.errors import Conflict, NotFound
from motcua.units import service
from motcua.units.addresses import normalise_address
from motcua.units.models import AdminUnit, UnitLevel, UnitSuccession
from motcua.units.successions import commune_successions


async def test_every_successor_is_one_of_the_3321_loaded_communes(session: AsyncSession) -> None:
    loaded = set(
        (
            await session.scalars(
                select(AdminUnit.code).where(AdminUnit.level == UnitLevel.commune)
            )
        ).all()
    )
    assert len(loaded) == 3321
    assert loaded == {f"{int(w.code):05d}" for w in Ward.iter_all()}
    rows = list(commune_successions())
    assert {r.successor_code for r in rows} <= loaded
    former = {r.old.code for r in rows}
    assert len(former) > 10_000
    # Every former commune has exactly one preferred successor.
    preferred = [r.old.code for r in rows if r.preferred]
    assert sorted(set(preferred)) == sorted(former)
    # Communes with no former commune: the special zones made of whole island districts.
    without = loaded - {r.successor_code for r in rows}
    assert len(without) < 150
    stored = await session.scalar(
        select(func.count(func.distinct(UnitSuccession.old_code))).where(
            UnitSuccession.old_level == UnitLevel.commune
        )
    )
    assert stored == len(former)


async def test_merged_commune_resolves_to_its_successor(session: AsyncSession) -> None:
    resolved = await service.resolve(session, "00064")  # Phường Hàng Gai, Quận Hoàn Kiếm
    assert resolved.unit.name == "Phường Hoàn Kiếm" and resolved.unit.province_code == "01"
    assert resolved.via is not None
    assert resolved.via.old_name == "Phường Hàng Gai"
    assert resolved.via.old_district == "Quận Hoàn Kiếm, Thành phố Hà Nội"


async def test_code_kept_by_a_2025_commune_is_read_as_current_unless_former(
    session: AsyncSession,
) -> None:
    current = await service.resolve(session, "00004")
    assert current.unit.name == "Phường Ba Đình" and current.via is None
    former = await service.resolve(session, "00004", former=True)
    assert former.via is not None and former.via.old_name == "Phường Trúc Bạch"
    assert former.unit.code == "00004"


async def test_split_commune_is_refused_naming_every_successor(session: AsyncSession) -> None:
    with pytest.raises(Conflict) as refused:
        await service.resolve(session, "00028")  # Phường Kim Mã, split in three
    names = {(await session.get(AdminUnit, c)).name for c in refused.value.details["successors"]}  # type: ignore[union-attr]
    assert names == {"Phường Ba Đình", "Phường Giảng Võ", "Phường Ngọc Hà"}
    assert "Phường Kim Mã" in refused.value.message and "Giảng Võ" in refused.value.message


async def test_unknown_former_code(session: AsyncSession) -> None:
    with pytest.raises(NotFound):
        await service.resolve(session, "99999")


async def test_api_answers_former_communes(client: httpx.AsyncClient) -> None:
    merged = await client.get("/api/v1/units/00064")
    assert merged.status_code == 200
    body = merged.json()
    assert body["name"] == "Phường Hoàn Kiếm"
    assert body["succeeded"]["old_name"] == "Phường Hàng Gai"
    assert body["succeeded"]["old_level"] == "commune"
    split = await client.get("/api/v1/units/00028")
    assert split.status_code == 409
    assert split.json()["code"] == "several-successors"
    assert len(split.json()["successors"]) == 3
    former = await client.get("/api/v1/units/00004", params={"former": "true"})
    assert (
        former.status_code == 200 and former.json()["succeeded"]["old_name"] == "Phường Trúc Bạch"
    )
    unknown = await client.get("/api/v1/units/99999")
    assert unknown.status_code == 404 and "99999" in unknown.json()["message"]


async def test_old_address_keeps_the_old_form_beside_the_new(session: AsyncSession) -> None:
    found = await normalise_address(
        session, "12 Hàng Bông, Phường Hàng Gai, Quận Hoàn Kiếm, Thành phố Hà Nội"
    )
    assert found.old_text == "12 Hàng Bông, Phường Hàng Gai, Quận Hoàn Kiếm, Thành phố Hà Nội"
    assert found.old_commune == "Phường Hàng Gai" and found.old_district == "Quận Hoàn Kiếm"
    assert found.certain and found.commune is not None
    assert found.new_text == "12 Hàng Bông, Phường Hoàn Kiếm, Thành phố Hà Nội"


async def test_old_address_in_a_split_commune_is_marked_uncertain(session: AsyncSession) -> None:
    found = await normalise_address(session, "Phường Kim Mã, Quận Ba Đình, Hà Nội")
    assert not found.certain and len(found.candidates) == 3
    assert found.commune is not None and found.commune.code in found.candidates


async def test_unreadable_address_keeps_its_text(session: AsyncSession) -> None:
    found = await normalise_address(session, "xóm Không Tên, huyện Ảo")
    assert found.commune is None and found.new_text is None
    assert found.old_text == "xóm Không Tên, huyện Ảo"
