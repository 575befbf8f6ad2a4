"""Practice mode: an officer's session switched into their agency's practice twin works the
same steps on synthetic dossiers, and nothing of practice is ever seen, counted or reached
from real work (nor real work from practice)."""

from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import groups as catalog_groups
from motcua.catalog import service as catalog
from motcua.catalog.formats import life_event_groups
from motcua.catalog.schemas import MemberAgency
from motcua.core.errors import Conflict, Invalid, NotFound
from motcua.dossiers import reading as dossier_reading
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers import service as dossiers
from motcua.dossiers.models import Dossier, DossierState
from motcua.dossiers.schemas import SubmissionIn
from motcua.identity.service import subject_for_token
from motcua.sandbox.pki import generate
from motcua.stats import service as stats
from motcua.stats.models import DossierFact
from motcua.units import repository as units
from motcua.units.models import Agency, AgencyKind
from motcua.workflow import practice, repository, service
from motcua.workflow.models import Violation, WorkflowCase
from tests.workflow.conftest import APPLICANT, SIMPLE, Team, file_dossier, registry_items

RECEIVER = "c_receiving_officer"
HANDLER = "c_handling_officer"
APPROVER = "c_approver"


async def _practice_codes(session: AsyncSession, twin_id: int) -> dict[str, str]:
    """Open practice dossiers at the twin: code -> current step kind."""
    rows = await session.execute(
        select(Dossier.code, WorkflowCase.step_kind, Dossier.state)
        .join(WorkflowCase, WorkflowCase.dossier_id == Dossier.id)
        .where(Dossier.receiving_agency_id == twin_id, WorkflowCase.open.is_(True))
        .order_by(Dossier.id)
    )
    return {
        code: ("supplement" if state == DossierState.supplement_requested else kind)
        for code, kind, state in rows
    }


async def test_entering_practice_makes_the_twin_and_a_set_in_every_stage(
    session: AsyncSession, team: Team
) -> None:
    twin = await practice.enter(session, team.tokens[RECEIVER])
    assert twin.code == team.commune.code + ".TH"
    assert twin.practice_of_id == team.commune.id
    assert "(THỰC HÀNH)" in twin.name and twin.unit_code is None
    subject = await subject_for_token(session, team.tokens[RECEIVER])
    assert subject.practice and subject.agency_id == twin.id
    assert subject.real_agency_id == team.commune.id
    stages = await _practice_codes(session, twin.id)
    assert sorted(stages.values()) == sorted(
        ["receive", "receive", "assess", "approve", "sign", "supplement"]
    )
    rows = (await session.scalars(select(Dossier).where(Dossier.code.in_(stages)))).all()
    assert all(d.practice and d.contact_email is None for d in rows)
    # The twin is nobody's to name: not by its code, not in the agency lists.
    assert await units.agency_by_code(session, twin.code) is None
    listed = await units.agencies(session, limit=10_000)
    assert twin.id not in {a.id for a in listed}
    # Entering again keeps the set; leaving gives the real agency back.
    assert await practice.enter(session, team.tokens[RECEIVER]) == twin
    assert len(await _practice_codes(session, twin.id)) == 6
    await practice.leave(session, team.tokens[RECEIVER])
    real = await subject_for_token(session, team.tokens[RECEIVER])
    assert not real.practice and real.agency_id == team.commune.id


async def test_a_practice_dossier_is_never_visible_outside_practice(
    session: AsyncSession, client: httpx.AsyncClient, team: Team
) -> None:
    real_code = await file_dossier(session, team.commune, SIMPLE)
    twin = await practice.enter(session, team.tokens[RECEIVER])
    practice_codes = set(await _practice_codes(session, twin.id))
    # The real queue (another officer of the same agency, not in practice): real only.
    queue = await client.get("/api/v1/workflow/queue?limit=200", headers=team.auth(HANDLER))
    assert queue.status_code == 200
    seen = {i["code"] for i in queue.json()["items"]}
    assert real_code in seen and not seen & practice_codes
    # The practice queue: practice only.
    queue = await client.get("/api/v1/workflow/queue?limit=200", headers=team.auth(RECEIVER))
    seen = {i["code"] for i in queue.json()["items"]}
    assert seen == practice_codes
    one = sorted(practice_codes)[0]
    # A practice code on real routes: refused, saying why.
    answer = await client.get(f"/api/v1/workflow/dossiers/{one}", headers=team.auth(HANDLER))
    assert answer.status_code == 403 and answer.json()["code"] == "practice-dossier"
    page = await client.get(f"/can-bo/ho-so/{one}", headers=team.auth(HANDLER))
    assert page.status_code == 403 and "hồ sơ thực hành" in page.text
    # Another agency's officer learns nothing more than for a real code of another agency.
    other = await client.get(f"/api/v1/workflow/dossiers/{one}", headers=team.auth("o_approver"))
    assert other.status_code == 403 and other.json()["code"] == "practice-dossier"
    # Tracking and statistics.
    with pytest.raises(NotFound) as refused:
        await dossier_reading.track(session, one, "ABCDEFGH")
    assert refused.value.code == "practice-dossier"
    tracked = await client.post("/tra-cuu", data={"code": one, "secret": "ABCDEFGH"})
    assert tracked.status_code == 404 and "hồ sơ thực hành" in tracked.text
    await stats.refresh(session)
    await stats.rebuild(session)
    counted = set(await session.scalars(select(DossierFact.dossier_id)))
    ids = {code: id_ for code, id_ in await session.execute(select(Dossier.code, Dossier.id))}
    assert ids[real_code] in counted
    assert not counted & {ids[c] for c in practice_codes}


async def test_practice_and_real_work_never_touch_each_other(
    session: AsyncSession, client: httpx.AsyncClient, team: Team
) -> None:
    real_code = await file_dossier(session, team.commune, SIMPLE)
    stored = await session.scalar(select(Dossier).where(Dossier.code == real_code))
    assert stored is not None
    before = stored.version
    twin_code = (await practice.enter(session, team.tokens[RECEIVER])).code
    await session.commit()  # what the refused request's rollback must keep
    # A real dossier from practice: refused, nothing changed.
    answer = await client.post(
        f"/api/v1/workflow/dossiers/{real_code}/claim", headers=team.auth(RECEIVER), json={}
    )
    assert answer.status_code == 403 and answer.json()["code"] == "real-dossier-in-practice"
    version = await session.scalar(select(Dossier.version).where(Dossier.code == real_code))
    assert version == before
    # Nobody can file a real dossier at the twin: its code names no agency.
    body = SubmissionIn.model_validate(
        {
            "procedure_code": SIMPLE,
            "channel": "counter",
            "applicant": APPLICANT,
            "receiving_agency": twin_code,
            "items": await registry_items(session, SIMPLE),
        }
    )
    with pytest.raises(Invalid) as refused:
        await dossiers.submit(session, body, actor=APPLICANT, idempotency_key="practice-twin-1")
    assert "unknown-agency" in str(refused.value.details) and twin_code in refused.value.message


async def test_a_practice_extra_paper_is_refused_but_not_recorded(
    session: AsyncSession, team: Team
) -> None:
    twin = await practice.enter(session, team.tokens[RECEIVER])
    subject = await subject_for_token(session, team.tokens[RECEIVER])
    new = next(c for c, k in (await _practice_codes(session, twin.id)).items() if k == "receive")
    before = await session.scalar(select(func.count()).select_from(Violation))
    with pytest.raises(service.SupplementRefused):
        await service.request_supplement(session, subject, new, ["ban_sao_so_ho_khau"])
    assert await session.scalar(select(func.count()).select_from(Violation)) == before


async def test_practice_journey_to_a_practice_result_that_verifies_as_not_valid(
    session: AsyncSession, client: httpx.AsyncClient, team: Team
) -> None:
    twin = await practice.enter(session, team.tokens[RECEIVER])
    for name in (HANDLER, APPROVER):
        assert await practice.enter(session, team.tokens[name]) == twin
    officers = {n: await subject_for_token(session, team.tokens[n]) for n in team.tokens}
    stages = await _practice_codes(session, twin.id)
    code = next(c for c, k in stages.items() if k == "receive")
    await service.claim(session, officers[RECEIVER], code)
    await service.complete(session, officers[RECEIVER], code)
    await service.claim(session, officers[HANDLER], code)
    await service.complete(session, officers[HANDLER], code)
    await service.claim(session, officers[APPROVER], code)
    await service.complete(session, officers[APPROVER], code)
    await service.claim(session, officers[APPROVER], code)
    _, verify_code = await service.sign_result(
        session, officers[APPROVER], code, "Đồng ý (hồ sơ thực hành)."
    )
    shown = await service.verify(session, verify_code)
    assert shown.practice and shown.agency_name == twin.name
    assert "THỰC HÀNH" in (shown.signed_by or "")
    page = await client.get(f"/verify/{verify_code}")
    assert "Văn bản thực hành, không có giá trị." in page.text
    assert "Văn bản thật, còn giá trị." not in page.text
    api = await client.get(f"/api/v1/workflow/results/{verify_code}")
    assert api.json()["practice"] is True
    # The very file, intact and signed, is still not a valid result.
    document = await repository.result(session, verify_code)
    assert document is not None
    check = await service.check_file(session, verify_code, document.pdf)
    assert check.same_document and check.signature_intact
    assert not check.trusted and not check.genuine
    assert b"%PDF-" in document.pdf[:8]


async def test_reset_closes_the_officers_set_and_writes_a_fresh_one(
    session: AsyncSession, team: Team
) -> None:
    twin = await practice.enter(session, team.tokens[RECEIVER])
    subject = await subject_for_token(session, team.tokens[RECEIVER])
    old = set(await _practice_codes(session, twin.id))
    fresh = set(await practice.reset(session, subject))
    assert len(fresh) == 6 and not fresh & old
    assert set(await _practice_codes(session, twin.id)) == fresh
    for code in old:
        dossier = await session.scalar(select(Dossier).where(Dossier.code == code))
        assert dossier is not None
        events = await dossiers_repository.events_of(session, dossier.id)
        assert events[-1].kind == "practice-reset"
    real = await subject_for_token(session, team.tokens[HANDLER])
    with pytest.raises(Conflict) as refused:
        await practice.reset(session, real)
    assert refused.value.code == "not-in-practice"


async def test_the_cli_prepares_a_twin_once(session: AsyncSession, team: Team) -> None:
    twin, written = await practice.prepare(session, team.province.code)
    assert written == 6 and twin.practice_of_id == team.province.id
    again, none = await practice.prepare(session, team.province.code)
    assert again.id == twin.id and none == 0
    with pytest.raises(NotFound):
        await practice.prepare(session, twin.code)  # a twin has no twin
    assert await session.get(Agency, twin.id) is not None


@pytest.fixture(autouse=True)
def _pki(storage: Path) -> None:
    """The sandbox CA (real agencies); practice certificates are made on first use."""
    generate(storage / "pki", [])


async def test_a_ministry_twin_is_no_unit_to_report_or_forward_to(
    session: AsyncSession, team: Team
) -> None:
    from motcua.monitoring import repository as monitoring
    from motcua.monitoring.models import TaskLevel
    from motcua.workflow import repository as workflow

    twin, _ = await practice.prepare(session, team.ministry.code)
    reporting = {id_ for id_, _ in await monitoring.agencies_for_level(session, TaskLevel.ministry)}
    assert team.ministry.id in reporting and twin.id not in reporting
    assert await monitoring.reporting_agency(session, twin.code) is None
    offered = {a.id for a in await workflow.forward_candidates(session, "ministry", set())}
    assert team.ministry.id in offered and twin.id not in offered


async def test_the_deadline_sweep_never_flags_or_tells_about_practice(
    session: AsyncSession, team: Team
) -> None:
    from datetime import timedelta

    from motcua.core import clock
    from motcua.workflow import tasks

    twin = await practice.enter(session, team.tokens[RECEIVER])
    subject = await subject_for_token(session, team.tokens[RECEIVER])
    new = next(c for c, k in (await _practice_codes(session, twin.id)).items() if k == "receive")
    await service.claim(session, subject, new)  # the officer is the assignee, with an address
    case = await session.scalar(select(WorkflowCase).join(Dossier).where(Dossier.code == new))
    assert case is not None
    case.due_at = clock.now() - timedelta(days=3)
    await session.flush()
    await tasks.sweep(session)
    await session.refresh(case)
    assert case.flag is None


async def test_a_practice_set_takes_only_procedures_the_agency_handles(
    session: AsyncSession, team: Team
) -> None:
    """A ward People's Committee never practises the police's residence procedures; the
    commune police practise exactly those."""
    await catalog.import_document(session, life_event_groups())
    police_codes = {
        m.procedure_code
        for g in await catalog_groups.all_groups(session)
        for m in g.members
        if m.agency == MemberAgency.commune_police
    }
    assert police_codes
    police = await session.scalar(
        select(Agency).where(Agency.kind == AgencyKind.police).order_by(Agency.code).limit(1)
    )
    assert police is not None

    async def practised(agency: Agency) -> set[str]:
        codes = await practice.write_set(session, await practice.twin_of(session, agency), None)
        rows = await session.scalars(select(Dossier.procedure_code).where(Dossier.code.in_(codes)))
        return set(rows)

    at_committee = await practised(team.commune)
    assert at_committee and not at_committee & police_codes
    assert await practised(police) <= police_codes
