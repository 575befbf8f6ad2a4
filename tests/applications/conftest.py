"""Application fixtures: the live sandbox registries (from the exchange tests), storage per
test, a real SMTP inbox on loopback, and a procedure with a confirmed fee."""

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import service as catalog
from motcua.catalog.schemas import CatalogDocument, ProcedureDoc
from motcua.core.settings import get_settings
from tests.dossiers.conftest import backend, s3_server  # noqa: F401  (fixtures)
from tests.exchange.conftest import fetcher, registries, sandbox  # noqa: F401  (fixtures)
from tests.identity.helpers import as_citizen

AN = "001084000101"  # sandbox persona with every record (docs/sandbox-personas.md)
HOA = "079195000201"
FEE_PROCEDURE = "9.980021"


@pytest.fixture(autouse=True)
def storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("MOTCUA_STORAGE_DIR", str(tmp_path / "storage"))
    get_settings.cache_clear()
    yield tmp_path / "storage"
    get_settings.cache_clear()


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    monkeypatch.setenv("MOTCUA_SMTP_PORT", str(port))
    get_settings.cache_clear()
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler
    controller.stop()
    get_settings.cache_clear()


@pytest.fixture
async def fee_procedure(session: AsyncSession) -> str:
    """Criminal-record certificate's requirements with a confirmed fee (synthetic copy)."""
    doc = ProcedureDoc.model_validate(
        {
            "code": FEE_PROCEDURE,
            "name": "Cấp phiếu lý lịch tư pháp có lệ phí (dữ liệu tổng hợp)",
            "sector": "Lý lịch tư pháp",
            "levels": ["province"],
            "managing_agency": "000.00.00.G01",
            "processing_days": 10,
            "fees": [{"description": "Lệ phí (dữ liệu tổng hợp)", "amount_vnd": 200000}],
            "online_level": "full",
            "synthetic": True,
            "legal_basis": ["Văn bản tổng hợp (dữ liệu thử)"],
            "requirements": [
                {"key": "to_khai", "name": "Tờ khai", "form_template": "Tờ khai (mẫu thử)"},
                {
                    "key": "thong_tin_nhan_than",
                    "name": "Thông tin nhân thân",
                    "evidence_type": "population.person",
                    "fields": ["personal_id", "full_name", "date_of_birth", "sex"],
                },
                {
                    "key": "noi_cu_tru",
                    "name": "Nơi cư trú",
                    "evidence_type": "residence.record",
                    "fields": ["personal_id", "permanent_address", "residence_unit_code"],
                },
            ],
        }
    )
    await catalog.import_document(session, CatalogDocument(procedures=[doc]))
    await session.commit()  # a refused request rolls back to here, not before
    return FEE_PROCEDURE


DECLARATION = {"noi_dung": "Đề nghị giải quyết (dữ liệu thử)", "cam_doan": True}
JUDICIAL_DECLARATION = {
    "loai_phieu": "Phiếu lý lịch tư pháp số 1",
    "muc_dich": "Bổ sung hồ sơ xin việc (dữ liệu thử)",
    "so_luong": "1",
    "cam_doan": True,
}


def answers(item: dict[str, Any]) -> dict[str, Any]:
    """Answers to a generated declaration, as a person fills it: the first choice of each list,
    a past date, a short text, every box ticked; what a registry pre-filled is kept."""
    given: dict[str, Any] = {}
    for spec in item["fields"]:
        if spec["name"] in item["values"]:
            continue
        if spec["kind"] == "checkbox":
            given[spec["name"]] = True
        elif spec["kind"] == "select":
            given[spec["name"]] = spec["options"][0]
        elif spec["kind"] == "date":
            given[spec["name"]] = "2025-09-20"
        elif spec["kind"] != "tel":
            given[spec["name"]] = "Dữ liệu thử"
    return given


async def start_and_fetch(
    client: httpx.AsyncClient, code: str, person: str = AN
) -> dict[str, object]:
    """Draft, consent confirmed, evidence fetched over real HTTP from the sandbox."""
    headers = as_citizen(person)
    started = await client.post(
        "/api/v1/applications", json={"procedure_code": code}, headers=headers
    )
    assert started.status_code == 201, started.text
    draft = started.json()
    ref = draft["consent_reference"]
    confirmed = await client.post(f"/api/v1/exchange/consents/{ref}/confirm", headers=headers)
    assert confirmed.status_code == 200, confirmed.text
    fetched = await client.post(f"/api/v1/exchange/consents/{ref}/fetch", headers=headers)
    assert fetched.status_code == 200, fetched.text
    again = await client.get(f"/api/v1/applications/{draft['id']}", headers=headers)
    assert again.status_code == 200
    result: dict[str, object] = again.json()
    return result
