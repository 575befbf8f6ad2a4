"""Data readiness: per requirement whether a connected, enabled registry satisfies it, per
procedure the share of its mandatory requirements, the catalog's two lists, the page, and the
procedure page promising only what the connected registries deliver."""

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import service as catalog
from motcua.catalog.schemas import CatalogDocument, ProcedureDoc
from motcua.exchange.models import Registry
from tests.exchange.conftest import registries, sandbox  # noqa: F401  (fixtures)

FIXTURE = "9.990101"


async def _disable(session: AsyncSession, code: str) -> None:
    await session.execute(update(Registry).where(Registry.code == code).values(enabled=False))
    assert (await session.scalar(select(Registry.enabled).where(Registry.code == code))) is False


@pytest.fixture
async def fixture_procedure(session: AsyncSession) -> str:
    """One requirement in each state (synthetic copy)."""
    doc = ProcedureDoc.model_validate(
        {
            "code": FIXTURE,
            "name": "Thủ tục thử mức sẵn sàng dữ liệu (dữ liệu tổng hợp)",
            "sector": "Thử nghiệm",
            "levels": ["commune"],
            "processing_days": 1,
            "online_level": "full",
            "synthetic": True,
            "legal_basis": ["Văn bản tổng hợp (dữ liệu thử)"],
            "requirements": [
                {"key": "to_khai", "name": "Tờ khai", "form_template": "Tờ khai (mẫu thử)"},
                {
                    "key": "nhan_than",
                    "name": "Thông tin nhân thân",
                    "evidence_type": "population.person",
                    "fields": ["personal_id", "full_name"],
                },
                {
                    "key": "dang_ky_xe",
                    "name": "Đăng ký xe",
                    "evidence_type": "vehicle.registration",
                    "fields": ["plate_number"],
                },
                {"key": "giay_to_cham_dut_hop_dong", "name": "Quyết định thôi việc"},
                {"key": "anh", "name": "Ảnh chân dung"},
                {"key": "ho_chieu_cu", "name": "Hộ chiếu cũ", "mandatory": False},
            ],
        }
    )
    await catalog.import_document(session, CatalogDocument(procedures=[doc]))
    return FIXTURE


@pytest.mark.usefixtures("registries")
async def test_each_requirement_state_and_the_share(
    client: httpx.AsyncClient, session: AsyncSession, fixture_procedure: str
) -> None:
    await _disable(session, "vehicle")
    response = await client.get(f"/api/v1/catalog/readiness/{fixture_procedure}")
    assert response.status_code == 200, response.text
    body = response.json()
    states = {r["key"]: r["state"] for r in body["requirements"]}
    assert states == {
        "to_khai": "declaration",
        "nhan_than": "data",
        "dang_ky_xe": "not_connected",
        "giay_to_cham_dut_hop_dong": "paper_data_exists",
        "anh": "paper",
        "ho_chieu_cu": "not_connected",
    }
    held = {r["key"]: r["held_by"] for r in body["requirements"]}
    assert held["giay_to_cham_dut_hop_dong"] == "Cơ sở dữ liệu bảo hiểm xã hội, bảo hiểm y tế"
    assert held["ho_chieu_cu"] == "Cơ sở dữ liệu quốc gia về xuất nhập cảnh"
    # mandatory without the declaration: person, vehicle, termination, photo; one from data
    assert (body["mandatory"], body["from_data"], body["share"]) == (4, 1, 0.25)

    await session.execute(update(Registry).values(enabled=True))
    again = (await client.get(f"/api/v1/catalog/readiness/{fixture_procedure}")).json()
    assert (again["from_data"], again["share"]) == (2, 0.5)


@pytest.mark.usefixtures("registries")
async def test_the_25_today_and_with_a_registry_down(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    response = await client.get("/api/v1/catalog/readiness", params={"essential_only": True})
    assert response.status_code == 200
    report = response.json()
    assert len(report["procedures"]) == 25
    by_code = {p["code"]: p for p in report["procedures"]}
    # every registry the 25 name is connected: only papers held outside them wait
    assert set(report["not_connected"]) == {"0.000007", "0.000012"}
    assert report["paper_data_exists"] == ["0.000023"]
    assert by_code["1.001193"]["share"] == 1.0
    assert by_code["0.000023"]["mandatory"] == 4 and by_code["0.000023"]["from_data"] == 3
    assert report["from_data"] == sum(p["from_data"] for p in report["procedures"])

    await _disable(session, "health")
    down = (await client.get("/api/v1/catalog/readiness?essential_only=true")).json()
    assert {"1.001193", "0.000010", "0.000015", "1.011537"} <= set(down["not_connected"])
    birth = {p["code"]: p for p in down["procedures"]}["1.001193"]
    assert birth["share"] < 1.0
    assert {r["key"]: r["state"] for r in birth["requirements"]}["giay_chung_sinh"] == (
        "not_connected"
    )
    everything = (await client.get("/api/v1/catalog/readiness")).json()
    assert len(everything["procedures"]) > 25


@pytest.mark.usefixtures("registries")
async def test_procedure_page_promises_only_what_connected_registries_deliver(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    html = (await client.get("/procedures/1.001193")).text
    need_not = html.split('id="fetched-title"')[1].split("</section>")[0]
    assert "Giấy chứng sinh" in need_not
    assert "Dữ liệu đã có nhưng chưa kết nối" not in html
    assert 'href="/san-sang-du-lieu"' in html

    await _disable(session, "health")
    html = (await client.get("/procedures/1.001193")).text
    need_not = html.split('id="fetched-title"')[1].split("</section>")[0]
    assert "Giấy chứng sinh" not in need_not
    waiting = html.split('id="not-connected-title"')[1].split("</section>")[0]
    assert "Giấy chứng sinh" in waiting and "Dữ liệu y tế" not in waiting
    assert "Dữ liệu giấy chứng sinh, báo tử điện tử của cơ sở y tế" in waiting


@pytest.mark.usefixtures("registries")
async def test_readiness_page_lists_both_kinds_in_vietnamese(client: httpx.AsyncClient) -> None:
    response = await client.get("/san-sang-du-lieu")
    assert response.status_code == 200
    html = response.text
    assert "Còn yêu cầu giấy tờ dù dữ liệu đã có" in html
    assert "Cần dữ liệu từ cơ sở dữ liệu chưa kết nối" in html
    papers = html.split('id="papers-title"')[1].split("</section>")[0]
    assert "Giải quyết hưởng trợ cấp thất nghiệp" in papers
    assert "Cơ sở dữ liệu bảo hiểm xã hội, bảo hiểm y tế" in papers
    waiting = html.split('id="unconnected-title"')[1].split("</section>")[0]
    assert "Cơ sở dữ liệu quốc gia về xuất nhập cảnh" in waiting
    for internal in ("paper_data_exists", "not_connected", "evidence_type", "0.25", "None"):
        assert internal not in html
    assert "Dữ liệu tổng hợp" not in html  # the 25 only, unless asked
    assert "Dữ liệu tổng hợp" in (await client.get("/san-sang-du-lieu?tat_ca=1")).text


async def test_unknown_or_malformed_procedure(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/v1/catalog/readiness/9.999999")
    assert missing.status_code == 404 and missing.json()["code"] == "procedure-not-found"
    malformed = await client.get("/api/v1/catalog/readiness/khai-sinh")
    assert malformed.status_code == 422
