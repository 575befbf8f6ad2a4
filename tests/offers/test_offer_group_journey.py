"""Issue 19 done: a sandbox mother whose baby's e-birth notice appears in the health registry
gets an offer, confirms it, and the commune justice officer, the commune police and social
insurance each handle their member dossier in their own queue (officers created per agency),
ending with a signed e-birth certificate, the child's permanent residence and a health-insurance
card, all inside the legal deadlines, with nothing uploaded. Registries over real HTTP."""

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from motcua.core import clock, outbox
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers.models import Dossier, DossierItem, DossierState, ItemSource
from motcua.groups import (
    handover,  # noqa: F401  (the workflow hooks of the groups)
    view,
)
from motcua.groups.models import GroupFiling, GroupMember, MemberState
from motcua.identity.models import Officer, Role
from motcua.identity.service import Subject
from motcua.offers import (
    events,
    tasks,  # noqa: F401  (the outbox handler that files an offer again)
)
from motcua.offers.models import Offer, OfferState
from motcua.sandbox import personas, pki
from motcua.units.models import Agency, AgencyKind
from motcua.workflow import results
from motcua.workflow import service as workflow
from motcua.workflow import subjects as result_subjects
from motcua.workflow.models import ResultDocument
from tests.groups.conftest import storage  # noqa: F401  (fixture)
from tests.identity.helpers import as_citizen

HOA = personas.NEW_MOTHER
KHANH = personas.NEW_FATHER
pytestmark = pytest.mark.usefixtures("registries", "feed", "life_groups")


async def _officers(session: AsyncSession, agency: Agency, prefix: str) -> dict[str, Subject]:
    """A receiving officer, a handling officer and an approver of this agency (synthetic)."""
    out: dict[str, Subject] = {}
    for role in (Role.receiving_officer, Role.handling_officer, Role.approver):
        officer = Officer(
            username=f"lgo_{prefix}_{role.value}",
            full_name=f"Cán bộ {prefix} {role.value} (dữ liệu tổng hợp)",
            agency_id=agency.id,
            role=role,
            password_hash="-",
            active=True,
            created_at=clock.now(),
        )
        session.add(officer)
        await session.flush()
        out[role.value] = Subject(
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
    return out


async def _settle(session: AsyncSession, staff: dict[str, Subject], code: str) -> str:
    """The agency's officers take the dossier from their own queue to its signed result."""
    queue = await workflow.queue(session, staff["receiving_officer"])
    assert code in {i.code for i in queue.items}, f"{code} not in its agency's queue"
    await workflow.claim(session, staff["receiving_officer"], code)
    await workflow.complete(session, staff["receiving_officer"], code)
    await workflow.complete(session, staff["handling_officer"], code, "Đủ điều kiện")
    await workflow.complete(session, staff["approver"], code)
    _, verify_code = await workflow.sign_result(
        session, staff["approver"], code, "Kết quả (dữ liệu tổng hợp)"
    )
    await workflow.hand_back(session, staff["receiving_officer"], code)
    return verify_code


async def _members(session: AsyncSession, filing: GroupFiling) -> dict[str, GroupMember]:
    rows = await session.scalars(
        select(GroupMember)
        .where(GroupMember.filing_id == filing.id)
        .execution_options(populate_existing=True)
    )
    return {r.key: r for r in rows}


async def test_a_mother_confirms_the_birth_offer_and_three_agencies_settle_the_group(
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    control: httpx.AsyncClient,
    client: httpx.AsyncClient,
    storage: Path,  # noqa: F811
) -> None:
    published = await control.post("/_events", json={"kind": "birth", "personal_id": HOA})
    assert published.status_code == 200
    [polled] = [r for r in await events.poll_all(session) if r.registry == "health"]
    assert polled.offered == 1
    offer = await session.scalar(select(Offer).where(Offer.person_personal_id == HOA))
    assert offer is not None and offer.procedure_code == "0.000015"
    me = as_citizen(HOA)
    body = {"answers": {"ho_ten_tre": "Phạm Lê Minh Anh", "cam_doan": True}}
    confirmed = await client.post(f"/api/v1/me/offers/{offer.id}/confirm", json=body, headers=me)
    # her husband, the child's father, confirms the read of his data with his own e-ID first
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "waiting", confirmed.text
    assert "Phạm Văn Khánh" in confirmed.json()["message"]
    asked = (await client.get("/api/v1/me/confirmations", headers=as_citizen(KHANH))).json()
    [request] = [a for a in asked if a["requested_by"] == HOA]
    yes = await client.post(
        f"/api/v1/me/confirmations/{request['reference']}/{request['role']}",
        json={"accept": True},
        headers=as_citizen(KHANH),
    )
    assert yes.status_code == 200, yes.text
    await session.flush()
    assert await outbox.run_until_idle(sessions) >= 1  # filed by itself once he confirmed
    await session.refresh(offer)
    assert offer.state == OfferState.filed, offer.message
    again = await client.post(f"/api/v1/me/offers/{offer.id}/confirm", json=body, headers=me)
    assert again.json()["dossier_code"] == offer.dossier_code  # confirmed twice: one group
    code = offer.dossier_code
    assert code is not None
    filing = await session.scalar(select(GroupFiling).where(GroupFiling.code == code))
    assert filing is not None and filing.combination == "ba-trong-mot"

    members = await _members(session, filing)
    agencies = {k: await session.get(Agency, m.agency_id) for k, m in members.items()}
    kinds = {k: a.kind for k, a in agencies.items() if a is not None}
    assert kinds == {
        "khai_sinh": AgencyKind.people_committee,
        "thuong_tru": AgencyKind.police,
        "the_bhyt": AgencyKind.social_insurance,
    }
    staff = {}
    for key, prefix in (("khai_sinh", "tp"), ("thuong_tru", "ca"), ("the_bhyt", "bh")):
        agency = agencies[key]
        assert agency is not None
        staff[key] = await _officers(session, agency, prefix)
    pki.generate(storage / "pki", [(a.code, a.name) for a in agencies.values() if a is not None])

    # the commune justice officer registers the birth; the others wait for its e-result
    assert members["thuong_tru"].state == members["the_bhyt"].state == MemberState.waiting
    birth = await session.get(Dossier, members["khai_sinh"].dossier_id)
    assert birth is not None and birth.procedure_code == "1.001193"
    certificate = await _settle(session, staff["khai_sinh"], birth.code)
    await session.flush()
    assert await outbox.run_until_idle(sessions) >= 1

    # handed over by itself: the police and social insurance find theirs in their own queue
    members = await _members(session, filing)
    assert members["thuong_tru"].state == members["the_bhyt"].state == MemberState.started
    for key in ("thuong_tru", "the_bhyt"):
        dossier = await session.get(Dossier, members[key].dossier_id)
        assert dossier is not None
        others = [s for k, s in staff.items() if k != key]
        for other in others:
            queue = await workflow.queue(session, other["receiving_officer"])
            assert dossier.code not in {i.code for i in queue.items}
        handed = await session.scalar(
            select(DossierItem).where(
                DossierItem.dossier_id == dossier.id,
                DossierItem.requirement_key == "giay_khai_sinh_cua_tre",
            )
        )
        assert handed is not None and handed.source == ItemSource.registry
        assert handed.value is not None and handed.value["verify_code"] == certificate
        await _settle(session, staff[key], dossier.code)

    # three signed results, each inside its own deadline and all inside the group's
    shown = await view.view(session, code, HOA)
    assert shown.status == "done", shown.status
    ids = [m.dossier_id for m in (await _members(session, filing)).values()]
    dossiers = list(await session.scalars(select(Dossier).where(Dossier.id.in_(ids))))
    assert {d.procedure_code for d in dossiers} == {"1.001193", "0.000003", "0.000101"}
    by_code = {d.procedure_code: d for d in dossiers}
    # the e-birth certificate names the child and both parents, from the registries
    birth_items = await dossiers_repository.items_of(session, by_code["1.001193"].id)
    assert result_subjects.child_name(birth_items) == "Phạm Lê Minh Anh"
    assert [(p.role, p.name) for p in result_subjects.parents(birth_items)] == [
        ("Mẹ", "Lê Thị Hoa"),
        ("Cha", "Phạm Văn Khánh"),
    ]
    lines = results.people_lines(birth_items)
    assert any("Phạm Văn Khánh" in line for line in lines), lines
    # the police's residence member is the child's: name, date of birth, relation to the
    # head of household (her father, as the residence registry says)
    residence = await dossiers_repository.items_of(session, by_code["0.000003"].id)
    [declared] = [i.value for i in residence if i.requirement_key == "to_khai_thay_doi_cu_tru"]
    assert declared is not None
    assert declared["ho_ten_tre"] == "Phạm Lê Minh Anh" and declared["ngay_sinh"] == "2025-09-20"
    assert declared["quan_he_chu_ho"] == "Con" and declared["gioi_tinh"] == "Nữ"
    assert result_subjects.child_name(residence) == "Phạm Lê Minh Anh"
    # the health-insurance card is the child's too
    card = await dossiers_repository.items_of(session, by_code["0.000101"].id)
    [insured] = [i.value for i in card if i.requirement_key == "to_khai_tham_gia_bhyt"]
    assert insured is not None and insured["ho_ten_tre"] == "Phạm Lê Minh Anh"
    assert result_subjects.child_name(card) == "Phạm Lê Minh Anh"
    for dossier in dossiers:
        assert dossier.state == DossierState.returned
        [result] = await session.scalars(
            select(ResultDocument).where(ResultDocument.dossier_id == dossier.id)
        )
        assert result.revoked_at is None and result.pdf.startswith(b"%PDF")
        assert result.issued_at <= dossier.due_at <= filing.due_at
        # nothing uploaded: registry reads, the e-result handed over, the declaration as typed
        for item in await session.scalars(
            select(DossierItem).where(DossierItem.dossier_id == dossier.id)
        ):
            assert item.source != ItemSource.counter, item.requirement_key
            if item.source == ItemSource.upload:
                assert item.value is not None, f"{item.requirement_key} was uploaded"
