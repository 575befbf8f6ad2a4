"""Groups as catalog data: the import checks every reference of a group, all or nothing, with
its location; the export carries the groups, and importing it again changes nothing."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import groups as catalog_groups
from motcua.catalog import service as catalog
from motcua.catalog.formats import life_event_groups
from motcua.catalog.schemas import CatalogDocument


async def test_the_groups_round_trip_through_the_export(session: AsyncSession) -> None:
    report = await catalog.import_document(session, life_event_groups())
    assert report.groups == 2
    birth = await catalog_groups.get(session, "khai-sinh")
    assert birth is not None and [m.key for m in birth.members] == [
        "khai_sinh",
        "thuong_tru",
        "the_bhyt",
    ]
    assert birth.working_days == 3 and birth.verification_days == 5 and birth.same_day_cutoff
    assert {m.key: m.working_days for m in birth.members} == {
        "khai_sinh": 0,
        "thuong_tru": 2,
        "the_bhyt": 2,
    }
    exported = await catalog.export_document(session)
    assert [g.code for g in exported.groups] == ["khai-sinh", "khai-tu"]
    again = await catalog.import_document(session, exported)
    assert again.created == [] and again.groups == 2


async def test_a_group_with_wrong_references_is_refused_with_every_location(
    session: AsyncSession,
) -> None:
    document = life_event_groups().model_dump(mode="json")
    group = document["groups"][0]
    group["members"][1]["procedure_code"] = "8.888888"
    group["members"][2]["declaration"]["fields"]["ho_ten_tre"] = "khong_co"
    group["members"][2]["evidence"] = {"nhan_than_cha_me": "giay_chung_sinh"}
    group["combinations"][1]["members"] = ["the_bhyt", "thuong_tru"]
    with pytest.raises(catalog.ImportRejected) as refused:
        await catalog.import_document(session, CatalogDocument.model_validate(document))
    where = {p.location: p.message for p in refused.value.problems}
    assert "groups[0].members[1].procedure_code" in where
    assert "khong_co" in where["groups[0].members[2].declaration.fields"]
    assert "không cùng loại dữ liệu" in where["groups[0].members[2].evidence"]
    assert "phải chọn cùng" in where["groups[0].combinations[1].members"]
    assert await catalog_groups.get(session, "khai-sinh") is None  # nothing was written
