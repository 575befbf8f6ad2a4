"""Workflow fixtures: agencies at three levels, officers of every role, filed dossiers."""

import itertools
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock
from motcua.core.settings import get_settings
from motcua.dossiers import service as dossiers
from motcua.dossiers import uploads as dossier_uploads
from motcua.dossiers.schemas import SubmissionIn
from motcua.identity.models import ApiToken, Officer, Role
from motcua.identity.service import Subject, hash_token
from motcua.units.models import Agency, AgencyKind, AgencyLevel
from tests.fetched import fetched_evidence

APPLICANT = "001084000777"
GROUP = "0.000015"  # interconnected group: commune -> province -> commune
SIMPLE = "1.001193"  # birth registration, default definition


@dataclass
class Team:
    commune: Agency
    other_commune: Agency
    province: Agency
    ministry: Agency
    officers: dict[str, Subject]
    tokens: dict[str, str]

    def __getitem__(self, name: str) -> Subject:
        return self.officers[name]

    def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}


@pytest.fixture(autouse=True)
def storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("MOTCUA_STORAGE_DIR", str(tmp_path / "storage"))
    get_settings.cache_clear()
    yield tmp_path / "storage"
    get_settings.cache_clear()


async def _agency(session: AsyncSession, level: AgencyLevel, offset: int = 0) -> Agency:
    found = await session.scalar(
        select(Agency)
        .where(Agency.level == level, Agency.kind != AgencyKind.service_centre)
        .order_by(Agency.code)
        .offset(offset)
        .limit(1)
    )
    assert found is not None
    return found


@pytest.fixture
async def team(session: AsyncSession) -> Team:
    commune = await _agency(session, AgencyLevel.commune)
    other = await _agency(session, AgencyLevel.commune, 1)
    province = await session.get(Agency, commune.parent_id)
    assert province is not None
    ministry = await _agency(session, AgencyLevel.ministry)
    places = {"c": commune, "o": other, "p": province, "m": ministry}
    officers: dict[str, Subject] = {}
    tokens: dict[str, str] = {}
    now = clock.now()
    for prefix, agency in places.items():
        for role in Role:
            name = f"{prefix}_{role.value}"
            officer = Officer(
                username=f"wf_{name}",
                full_name=f"Cán bộ {name} (dữ liệu tổng hợp)",
                agency_id=agency.id,
                role=role,
                password_hash="-",
                active=True,
                created_at=now,
            )
            session.add(officer)
            await session.flush()
            token = secrets.token_urlsafe(16)
            session.add(
                ApiToken(
                    token_hash=hash_token(token),
                    officer_id=officer.id,
                    created_at=now,
                    expires_at=now + timedelta(hours=1),
                    revoked=False,
                )
            )
            tokens[name] = token
            officers[name] = Subject(
                officer_id=officer.id,
                username=officer.username,
                full_name=officer.full_name,
                role=role,
                agency_id=agency.id,
                agency_code=agency.code,
                agency_name=agency.name,
                agency_level=agency.level,
                unit_code=agency.unit_code,
            )
    await session.flush()
    return Team(commune, other, province, ministry, officers, tokens)


GROUP_KEYS = (
    "giay_chung_sinh",
    "nhan_than_cha_me",
    "noi_cu_tru_cha_me",
    "tinh_trang_bao_hiem_y_te",
)
SIMPLE_KEYS = ("giay_chung_sinh", "nhan_than_cha_me", "noi_cu_tru_cha_me")


# The birth declaration as the officer typed it at the counter (synthetic).
CHILD = {
    "ho_ten_tre": "Phạm Minh Khôi (dữ liệu tổng hợp)",
    "ngay_sinh": "2025-09-20",
    "gioi_tinh": "Nam",
    "noi_sinh": "Bệnh viện Phụ sản (dữ liệu tổng hợp)",
    "dan_toc": "Kinh",
    "quoc_tich": "Việt Nam",
    "quan_he": "Mẹ",
    "noi_thuong_tru_cua_tre": "Nơi thường trú của mẹ (dữ liệu tổng hợp)",  # the birth group asks it
}


_BORN = itertools.count(1)


def child() -> dict[str, Any]:
    """Another synthetic child each time: a birth is registered once (dossiers.duplicates)."""
    return {**CHILD, "ho_ten_tre": f"{CHILD['ho_ten_tre']} {next(_BORN)}"}


def _typed(key: str, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """Every item typed at the counter (tests that commit, and are not about registry data)."""
    return [
        {"requirement_key": key, "source": "counter", "value": child()},
        *(
            {"requirement_key": k, "source": "counter", "value": {"nguon": "dữ liệu tổng hợp"}}
            for k in keys
        ),
    ]


GROUP_ITEMS = _typed("to_khai_lien_thong", GROUP_KEYS)
SIMPLE_ITEMS = _typed("to_khai_dang_ky_khai_sinh", SIMPLE_KEYS)


async def registry_items(
    session: AsyncSession, procedure: str, actor: str = APPLICANT
) -> list[dict[str, Any]]:
    """The declaration typed at the counter; the rest cited from reads the platform made."""
    typed = GROUP_ITEMS if procedure == GROUP else SIMPLE_ITEMS
    typed = [{**typed[0], "value": child()}]
    keys = list(GROUP_KEYS if procedure == GROUP else SIMPLE_KEYS)
    read = await fetched_evidence(session, actor=actor, procedure_code=procedure, keys=keys)
    return [
        typed[0],
        *({"requirement_key": k, "source": "registry", "evidence_item": read[k]} for k in keys),
    ]


async def file_dossier(
    session: AsyncSession, agency: Agency, procedure: str = GROUP, email: str | None = None
) -> str:
    body = SubmissionIn.model_validate(
        {
            "procedure_code": procedure,
            "channel": "counter",
            "applicant": APPLICANT,
            "receiving_agency": agency.code,
            "contact_email": email,
            "items": await registry_items(session, procedure),
        }
    )
    result = await dossiers.submit(
        session, body, actor=APPLICANT, idempotency_key=secrets.token_hex(8)
    )
    return result.dossier.code


def pdf_bytes(text: str = "Ban sao giay to (du lieu tong hop)") -> bytes:
    """A real one-page PDF, as a scanner would make (synthetic content)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, text)
    return bytes(pdf.output())


async def upload_pdf(
    session: AsyncSession, owner: str = APPLICANT, name: str = "ban-sao.pdf"
) -> str:
    """A file the applicant uploaded, as ``POST /api/v1/uploads`` stores it."""
    out = await dossier_uploads.upload(session, owner=owner, file_name=name, data=pdf_bytes())
    return out.id
