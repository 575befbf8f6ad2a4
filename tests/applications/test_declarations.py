"""A declaration per procedure: the form is generated from the catalog's schema, pre-filled
from what a registry delivered, and what is typed is checked with Vietnamese messages."""

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import service as catalog
from motcua.catalog.schemas import CatalogDocument, ProcedureDoc
from tests.applications.conftest import AN, start_and_fetch
from tests.identity.helpers import as_citizen

pytestmark = pytest.mark.usefixtures("registries")
ME = as_citizen(AN)
BIRTH = "1.001193"
KEY = "to_khai_dang_ky_khai_sinh"


async def test_the_birth_declaration_asks_the_childs_data_and_prefills_the_rest(
    client: httpx.AsyncClient,
) -> None:
    draft = await start_and_fetch(client, BIRTH)
    form = {i["key"]: i for i in draft["form"]}  # type: ignore[attr-defined]
    fields = {f["name"]: f for f in form[KEY]["fields"]}
    assert fields["ho_ten_tre"]["label"] == "Họ, chữ đệm và tên của trẻ"
    assert fields["ngay_sinh"]["kind"] == "date" and fields["gioi_tinh"]["options"] == [
        "Nam",
        "Nữ",
    ]
    assert "cam_doan" in fields  # the oath closes every declaration
    # Ethnicity and nationality come from the parent's population record.
    assert form[KEY]["values"]["dan_toc"] == "Kinh"
    assert form[KEY]["values"]["quoc_tich"] == "Việt Nam"


async def test_answers_the_declaration_refuses_are_named_and_nothing_is_saved(
    client: httpx.AsyncClient,
) -> None:
    draft = await start_and_fetch(client, BIRTH)
    url = f"/api/v1/applications/{draft['id']}"
    bad = {"ho_ten_tre": "Nguyễn Văn Bé", "ngay_sinh": "2099-01-01", "gioi_tinh": "Khác"}
    refused = await client.patch(url, json={"values": {KEY: bad}}, headers=ME)
    assert refused.status_code == 422
    problems = {p["field"]: p["message"] for p in refused.json()["problems"]}
    assert "không thể sau ngày hôm nay" in problems[f"values.{KEY}.ngay_sinh"]
    assert "chọn một giá trị" in problems[f"values.{KEY}.gioi_tinh"]
    again = (await client.get(url, headers=ME)).json()
    assert "ho_ten_tre" not in {i["key"]: i for i in again["form"]}[KEY]["values"]

    good = {"ho_ten_tre": "Nguyễn Văn Bé", "ngay_sinh": "2025-09-20", "gioi_tinh": "Nam"}
    saved = await client.patch(url, json={"values": {KEY: good}}, headers=ME)
    assert saved.status_code == 200, saved.text
    values = {i["key"]: i for i in saved.json()["form"]}[KEY]["values"]
    assert values["ho_ten_tre"] == "Nguyễn Văn Bé" and values["dan_toc"] == "Kinh"


@pytest.mark.parametrize(
    ("declaration", "says"),
    [
        ({"type": "object", "properties": {"x": {"type": "string"}}}, "tiêu đề"),
        ({"type": "object", "properties": {"x": {"type": "integer", "title": "X"}}}, "chỉ được"),
        ({"type": "object", "properties": {}, "required": ["y"]}, "không có trong tờ khai"),
        ({"type": "nonsense"}, "không hợp lệ"),
    ],
)
async def test_a_declaration_schema_the_form_cannot_use_is_refused_on_import(
    session: AsyncSession, declaration: dict[str, object], says: str
) -> None:
    doc = ProcedureDoc.model_validate(
        {
            "code": "9.990777",
            "name": "Thủ tục thử tờ khai (dữ liệu tổng hợp)",
            "sector": "Thử",
            "levels": ["commune"],
            "processing_days": 1,
            "online_level": "full",
            "synthetic": True,
            "requirements": [
                {"key": "to_khai", "name": "Tờ khai", "form_template": "Mẫu thử",
                 "declaration": declaration},
            ],
        }
    )  # fmt: skip
    with pytest.raises(catalog.ImportRejected) as refused:
        await catalog.import_document(session, CatalogDocument(procedures=[doc]))
    assert any(says in p.message for p in refused.value.problems)
    assert all(p.location.endswith(".declaration") for p in refused.value.problems)
