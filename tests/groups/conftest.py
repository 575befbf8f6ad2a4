"""Groups fixtures: the groups document imported, the registries seeded, officers at the three
real agencies of one commune (its People's Committee, its police, its province's social
insurance), signing keys for them, and reads of the group procedures with chosen values."""

import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import repository as catalog_repository
from motcua.catalog import service as catalog
from motcua.catalog.formats import life_event_groups
from motcua.core import clock
from motcua.core.settings import get_settings
from motcua.exchange import registries as exchange_registries
from motcua.exchange.models import (
    Consent,
    ConsentState,
    ConsentSubject,
    EvidenceItem,
    ItemStatus,
    SubjectState,
)
from motcua.groups import handover  # noqa: F401  (the workflow hooks of the groups)
from motcua.groups import service as groups
from motcua.groups.schemas import GroupFilingIn
from motcua.identity.models import Officer, Role
from motcua.identity.service import Subject
from motcua.sandbox import pki
from motcua.units.models import Agency, AgencyKind, AgencyLevel
from motcua.workflow import service as workflow

MOTHER = "001185000321"  # synthetic
DECLARANT = "001070000654"  # synthetic: files the death of DECEASED
DECEASED = "001040000987"  # synthetic

CHILD = {
    "ho_ten_tre": "Nguyễn Minh An (dữ liệu tổng hợp)",
    "ngay_sinh": "2026-11-20",
    "gioi_tinh": "Nữ",
    "noi_sinh": "Bệnh viện Phụ sản (dữ liệu tổng hợp)",
    "dan_toc": "Kinh",
    "quoc_tich": "Việt Nam",
    "quan_he": "Mẹ",
    "noi_thuong_tru_cua_tre": "Số 1 phố Thử Nghiệm (dữ liệu tổng hợp)",
}
DEATH = {
    "ngay_chet": "2026-11-30",
    "noi_chet": "Tại nhà (dữ liệu tổng hợp)",
    "nguyen_nhan": "Tuổi già",
    "quan_he": "Con",
    "so_tai_khoan": "0123456789",
}


@dataclass
class Place:
    committee: Agency
    centre: Agency
    police: Agency
    insurance: Agency
    officers: dict[str, Subject]

    def __getitem__(self, name: str) -> Subject:
        return self.officers[name]


@pytest.fixture(autouse=True)
def storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("MOTCUA_STORAGE_DIR", str(tmp_path / "storage"))
    get_settings.cache_clear()
    yield tmp_path / "storage"
    get_settings.cache_clear()


async def _of(session: AsyncSession, unit: str, kind: AgencyKind) -> Agency:
    found = await session.scalar(
        select(Agency).where(Agency.unit_code == unit, Agency.kind == kind)
    )
    assert found is not None
    return found


@pytest.fixture
async def place(session: AsyncSession, storage: Path) -> Place:
    """The groups catalog, and one commune's three agencies with their officers and keys."""
    await catalog.import_document(session, life_event_groups())
    await exchange_registries.seed_registries(session)
    committee = await session.scalar(
        select(Agency)
        .where(Agency.level == AgencyLevel.commune, Agency.kind == AgencyKind.people_committee)
        .order_by(Agency.code)
        .limit(1)
    )
    assert committee is not None and committee.unit_code is not None
    parent = await session.get(Agency, committee.parent_id)
    assert parent is not None and parent.unit_code is not None
    centre = await _of(session, committee.unit_code, AgencyKind.service_centre)
    police = await _of(session, committee.unit_code, AgencyKind.police)
    insurance = await _of(session, parent.unit_code, AgencyKind.social_insurance)
    officers: dict[str, Subject] = {}
    now = clock.now()
    for prefix, agency in (("c", committee), ("ca", police), ("bh", insurance)):
        for role in (Role.receiving_officer, Role.handling_officer, Role.approver):
            officer = Officer(
                username=f"lg_{prefix}_{role.value}",
                full_name=f"Cán bộ {prefix} {role.value} (dữ liệu tổng hợp)",
                agency_id=agency.id,
                role=role,
                password_hash="-",
                active=True,
                created_at=now,
            )
            session.add(officer)
            await session.flush()
            officers[f"{prefix}_{role.value}"] = Subject(
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
    pki.generate(storage / "pki", [(a.code, a.name) for a in (committee, police, insurance)])
    return Place(committee, centre, police, insurance, officers)


async def reads(
    session: AsyncSession,
    actor: str,
    procedure: str,
    values: dict[str, dict[str, Any]],
    deceased: str | None = None,
) -> list[dict[str, Any]]:
    """Reads of the group procedure as the exchange records them, with these values
    (synthetic), cited as the filing cites them (by evidence item id)."""
    version = await catalog_repository.current_version(session, procedure, clock.today())
    assert version is not None
    subjects = {r.key: r.subject.value for r in version.requirements}
    kinds = {r.key: r.evidence_type_code for r in version.requirements}
    reference = str(uuid.uuid4())
    now = clock.now()
    session.add(
        Consent(
            reference=reference,
            application_id=str(uuid.uuid4()),
            procedure_code=procedure,
            procedure_version_id=version.id,
            actor_personal_id=actor,
            subject_personal_id=actor,
            legal_basis=list(version.legal_basis),
            plan=[{"key": k, "subject": subjects[k]} for k in values],
            state=ConsentState.confirmed,
            created_at=now,
            confirmed_at=now,
        )
    )
    await session.flush()
    if deceased is not None:
        session.add(
            ConsentSubject(
                consent_reference=reference,
                role="deceased",
                personal_id=deceased,
                state=SubjectState.confirmed,
                ground="Người thân của người đã chết (dữ liệu tổng hợp)",
                requested_at=now,
            )
        )
    items = [
        EvidenceItem(
            consent_reference=reference,
            key=key,
            evidence_type_code=kinds[key] or "population.person",
            registry_code=(kinds[key] or "population").split(".")[0],
            status=ItemStatus.delivered,
            fields={f: {"value": v, "source": "synthetic"} for f, v in fields.items()},
            options=[],
            fetched_at=now,
        )
        for key, fields in values.items()
    ]
    session.add_all(items)
    await session.flush()
    return [{"requirement_key": i.key, "source": "registry", "evidence_item": i.id} for i in items]


def birth_values(unit: str, mother: str = MOTHER) -> dict[str, dict[str, Any]]:
    return {
        "giay_chung_sinh": {"mother_personal_id": mother, "date_of_birth": CHILD["ngay_sinh"]},
        "nhan_than_cha_me": {"personal_id": mother, "residence_unit_code": unit},
        "noi_cu_tru_cha_me": {"personal_id": mother, "residence_unit_code": unit},
        "tinh_trang_bao_hiem_y_te": {"personal_id": mother},
    }


def death_values(unit: str) -> dict[str, dict[str, Any]]:
    return {
        "giay_bao_tu": {"deceased_personal_id": DECEASED, "date_of_death": DEATH["ngay_chet"]},
        "giay_to_nguoi_yeu_cau": {"personal_id": DECLARANT},
        "nhan_than_nguoi_chet": {"personal_id": DECEASED, "residence_unit_code": unit},
        "noi_cu_tru_cuoi_cung": {"personal_id": DECEASED, "residence_unit_code": unit},
        "qua_trinh_dong_bhxh": {"personal_id": DECEASED, "social_insurance_number": "0101"},
        "che_do_dang_huong": {"personal_id": DECEASED, "benefit_type": "Trợ cấp hằng tháng"},
    }


async def file_birth(
    session: AsyncSession,
    place: Place,
    combination: str = "ba-trong-mot",
    *,
    child: dict[str, Any] | None = None,
    values: dict[str, dict[str, Any]] | None = None,
    key: str | None = None,
) -> groups.Filed:
    assert place.committee.unit_code is not None
    items = await reads(
        session, MOTHER, "0.000015", values or birth_values(place.committee.unit_code)
    )
    body = GroupFilingIn(
        group="khai-sinh",
        combination=combination,
        receiving_agency=place.centre.code,
        declaration=child or dict(CHILD),
        items=items,  # type: ignore[arg-type]
        contact_email="me.an@example.test",
    )
    return await groups.file_group(
        session, body, actor=MOTHER, idempotency_key=key or secrets.token_hex(8)
    )


async def file_death(
    session: AsyncSession,
    place: Place,
    combination: str = "bon-thu-tuc",
    *,
    deceased: str = DECEASED,
) -> groups.Filed:
    assert place.committee.unit_code is not None
    values = death_values(place.committee.unit_code)
    for fields in values.values():
        if fields.get("personal_id") == DECEASED:
            fields["personal_id"] = deceased
    values["giay_bao_tu"]["deceased_personal_id"] = deceased
    items = await reads(session, DECLARANT, "1.011537", values, deceased=deceased)
    body = GroupFilingIn(
        group="khai-tu",
        combination=combination,
        receiving_agency=place.committee.code,
        declaration=dict(DEATH),
        items=items,  # type: ignore[arg-type]
    )
    return await groups.file_group(
        session, body, actor=DECLARANT, idempotency_key=secrets.token_hex(8)
    )


async def settle(session: AsyncSession, place: Place, prefix: str, code: str) -> str:
    """An agency's officers take a member dossier from receipt to its signed result."""
    await workflow.claim(session, place[f"{prefix}_receiving_officer"], code)
    await workflow.complete(session, place[f"{prefix}_receiving_officer"], code)
    await workflow.complete(session, place[f"{prefix}_handling_officer"], code, "Đủ điều kiện")
    await workflow.complete(session, place[f"{prefix}_approver"], code)
    _, verify_code = await workflow.sign_result(
        session, place[f"{prefix}_approver"], code, "Kết quả (dữ liệu tổng hợp)"
    )
    await workflow.hand_back(session, place[f"{prefix}_receiving_officer"], code)
    return verify_code


def at(text: str) -> datetime:
    """A moment in Hanoi time."""
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
