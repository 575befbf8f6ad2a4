"""Invariant 9: every requirement names whose evidence it is; a read fetches that person's
record, and only the fields the procedure lists (against the live sandbox, over HTTP)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import repository as catalog_repository
from motcua.core import clock
from motcua.core.errors import Conflict, Invalid, NotFound
from motcua.exchange import service, subjects
from motcua.exchange.connectors import Fetcher
from motcua.exchange.models import AccessLogEntry, ConsentSubject, ItemStatus, SubjectState
from motcua.sandbox import personas

DEATH_GROUP = "1.011537"
MARRIAGE = "0.000011"
BIRTH = "1.001193"

pytestmark = pytest.mark.usefixtures("registries")


async def _ready(session: AsyncSession, code: str, person: str) -> str:
    view = await service.prepare_consent(session, code, person)
    await service.confirm_consent(session, view.reference, person)
    return view.reference


async def _reads_of(session: AsyncSession, reference: str) -> list[AccessLogEntry]:
    return list(
        await session.scalars(
            select(AccessLogEntry)
            .where(AccessLogEntry.consent_reference == reference)
            .order_by(AccessLogEntry.seq)
        )
    )


async def test_the_preview_says_whose_data_each_read_is(session: AsyncSession) -> None:
    view = await service.prepare_consent(session, DEATH_GROUP, personas.WIDOW)
    whose = {p.key: (p.subject, p.subject_label) for p in view.plan}
    assert whose["nhan_than_nguoi_chet"] == ("deceased", "Người đã mất trong gia đình bạn")
    assert whose["giay_to_nguoi_yeu_cau"][0] == "applicant"


async def test_a_widow_reads_her_late_husbands_records_not_hers(
    session: AsyncSession, fetcher: Fetcher
) -> None:
    reference = await _ready(session, DEATH_GROUP, personas.WIDOW)
    before = await service.fetch_evidence(session, reference, personas.WIDOW, fetcher=fetcher)
    waiting = {i.key: i for i in before.items}
    assert waiting["nhan_than_nguoi_chet"].status == ItemStatus.unavailable
    assert waiting["nhan_than_nguoi_chet"].reason == "subject-not-chosen"
    assert waiting["giay_to_nguoi_yeu_cau"].fields["personal_id"].value == personas.WIDOW

    family = await subjects.family(session, reference, personas.WIDOW, fetcher=fetcher)
    assert {m.personal_id: m.relation for m in family}[personas.DECEASED] == "spouse"
    chosen = await subjects.choose(
        session, reference, personas.WIDOW, "deceased", personas.DECEASED, fetcher=fetcher
    )
    assert chosen.state == SubjectState.chosen and "Luật Hộ tịch" in chosen.ground

    result = await service.fetch_evidence(session, reference, personas.WIDOW, fetcher=fetcher)
    items = {i.key: i for i in result.items}
    deceased = items["nhan_than_nguoi_chet"]
    assert deceased.status == ItemStatus.delivered
    assert deceased.fields["personal_id"].value == personas.DECEASED
    assert deceased.fields["full_name"].value == "Lê Văn Cường"
    assert deceased.fields["date_of_death_or_missing"].value
    assert items["giay_to_nguoi_yeu_cau"].fields["personal_id"].value == personas.WIDOW
    # Each read is logged against the person whose record it is.
    reads = await _reads_of(session, reference)
    of_deceased = [
        r for r in reads if r.evidence_type_code == "population.person" and r.fields
        and "date_of_birth" in r.fields
    ]  # fmt: skip
    assert of_deceased and {r.subject_personal_id for r in of_deceased} == {personas.DECEASED}
    assert {r.actor_personal_id for r in reads} == {personas.WIDOW}


async def test_someone_outside_the_family_or_alive_cannot_be_the_deceased(
    session: AsyncSession, fetcher: Fetcher
) -> None:
    reference = await _ready(session, DEATH_GROUP, personas.COMPLETE)
    with pytest.raises(Invalid) as outsider:
        await subjects.choose(
            session, reference, personas.COMPLETE, "deceased", personas.WIDOW, fetcher=fetcher
        )
    assert outsider.value.code == "not-in-family"
    assert outsider.value.details["field"] == "personal_id"
    with pytest.raises(Invalid) as alive:
        await subjects.choose(
            session, reference, personas.COMPLETE, "deceased", personas.SPOUSE, fetcher=fetcher
        )
    assert alive.value.code == "not-deceased" and "Trần Thị Bình" in alive.value.message
    rows = await session.scalar(
        select(func.count())
        .select_from(ConsentSubject)
        .where(ConsentSubject.consent_reference == reference, ConsentSubject.role == "deceased")
    )
    assert rows == 0


async def test_a_partner_is_read_only_after_confirming_with_their_own_eid(
    session: AsyncSession, fetcher: Fetcher
) -> None:
    applicant, partner = personas.NO_RESIDENCE, personas.DISAGREEING
    reference = await _ready(session, MARRIAGE, applicant)
    asked = await subjects.choose(session, reference, applicant, "spouse", partner)
    assert asked.state == SubjectState.pending and asked.expires_at is not None

    pending = await service.fetch_evidence(session, reference, applicant, fetcher=fetcher)
    items = {i.key: i for i in pending.items}
    assert items["nhan_than_ben_kia"].reason == "subject-pending"
    assert not items["nhan_than_ben_kia"].fields
    assert all(r.subject_personal_id != partner for r in await _reads_of(session, reference))

    [waiting] = await subjects.waiting_for(session, partner)
    assert waiting.reference == reference and waiting.requested_by == applicant
    assert "full_name" in waiting.fields
    with pytest.raises(NotFound):  # nobody else can answer for the partner
        await subjects.answer(session, reference, "spouse", personas.COMPLETE, accept=True)
    await subjects.answer(session, reference, "spouse", partner, accept=True)
    with pytest.raises(Conflict):
        await subjects.answer(session, reference, "spouse", partner, accept=False)

    done = await service.fetch_evidence(session, reference, applicant, fetcher=fetcher)
    partner_item = {i.key: i for i in done.items}["nhan_than_ben_kia"]
    assert partner_item.status == ItemStatus.delivered
    assert partner_item.fields["personal_id"].value == partner
    assert partner in {r.subject_personal_id for r in await _reads_of(session, reference)}


async def test_a_partner_who_never_confirms_is_never_read(
    session: AsyncSession, fetcher: Fetcher
) -> None:
    applicant, partner = personas.NO_RESIDENCE, personas.DISAGREEING
    reference = await _ready(session, MARRIAGE, applicant)
    await subjects.choose(session, reference, applicant, "spouse", partner)
    await session.execute(
        update(ConsentSubject)
        .where(ConsentSubject.consent_reference == reference)
        .values(expires_at=clock.now() - timedelta(minutes=1))
    )
    assert await subjects.waiting_for(session, partner) == []
    result = await service.fetch_evidence(session, reference, applicant, fetcher=fetcher)
    item = {i.key: i for i in result.items}["nhan_than_ben_kia"]
    assert item.reason == "subject-expired" and "hết hạn" in (item.message or "")
    with pytest.raises(Conflict):
        await subjects.answer(session, reference, "spouse", partner, accept=True)


async def test_a_mother_filing_a_birth_reads_her_own_birth_notice(
    session: AsyncSession, fetcher: Fetcher
) -> None:
    reference = await _ready(session, BIRTH, personas.NEW_MOTHER)
    await subjects.family(session, reference, personas.NEW_MOTHER, fetcher=fetcher)
    views = {v.role: v for v in await subjects.subjects(session, reference, personas.NEW_MOTHER)}
    assert views["mother"].personal_id == personas.NEW_MOTHER
    assert views["mother"].state == SubjectState.chosen
    # The father is her husband: his own record waits for his confirmation.
    assert views["spouse"].personal_id == personas.NEW_FATHER
    assert views["spouse"].state == SubjectState.pending


async def test_roles_the_procedure_does_not_have_are_refused(session: AsyncSession) -> None:
    reference = await _ready(session, BIRTH, personas.COMPLETE)
    with pytest.raises(Invalid) as error:
        await subjects.choose(session, reference, personas.COMPLETE, "deceased", personas.SPOUSE)
    assert error.value.code == "role-not-in-procedure"


@pytest.mark.parametrize("code", sorted({"0.000001", "0.000002", "0.000003", "0.000004",
                                         "0.000011", "0.000012", "0.000017", "0.000018",
                                         "0.000019", "0.000021", "0.000023", "0.000024",
                                         "1.001193", "1.011537"}))  # fmt: skip
async def test_a_read_gets_only_the_fields_the_procedure_lists(
    session: AsyncSession, fetcher: Fetcher, code: str
) -> None:
    version = await catalog_repository.current_version(session, code, clock.today())
    assert version is not None
    listed = {r.key: set(r.fields) for r in version.requirements if r.evidence_type_code}
    assert all(listed.values()), f"{code}: a registry requirement lists no fields"
    reference = await _ready(session, code, personas.COMPLETE)
    result = await service.fetch_evidence(session, reference, personas.COMPLETE, fetcher=fetcher)
    delivered = [i for i in result.items if i.status == ItemStatus.delivered]
    assert delivered, code
    for item in delivered:
        extra = set(item.fields) - listed[item.key]
        assert not extra, f"{code}/{item.key} read fields it does not list: {sorted(extra)}"
    for read in await _reads_of(session, reference):
        assert read.fields is not None and read.fields
        assert set(read.fields) <= set().union(*listed.values())


async def test_a_parent_chooses_their_child_and_the_childs_birth_record_is_read(
    session: AsyncSession, fetcher: Fetcher
) -> None:
    reference = await _ready(session, "0.000012", personas.COMPLETE)  # passport for a child
    with pytest.raises(Invalid) as not_a_child:
        await subjects.choose(
            session, reference, personas.COMPLETE, "child", personas.SPOUSE, fetcher=fetcher
        )
    assert not_a_child.value.code == "not-in-family" and "con của bạn" in not_a_child.value.message
    chosen = await subjects.choose(
        session, reference, personas.COMPLETE, "child", personas.CHILD, fetcher=fetcher
    )
    assert chosen.full_name == "Nguyễn Minh Châu" and "Bộ luật Dân sự" in chosen.ground
    result = await service.fetch_evidence(session, reference, personas.COMPLETE, fetcher=fetcher)
    birth = {i.key: i for i in result.items}["thong_tin_khai_sinh_tre_em"]
    assert birth.status == ItemStatus.delivered
    assert birth.fields["child_full_name"].value == "Nguyễn Minh Châu"
    reads = [r for r in await _reads_of(session, reference) if r.evidence_type_code
             == "civil_status.birth"]  # fmt: skip
    assert {r.subject_personal_id for r in reads} == {personas.CHILD}


async def test_a_guest_is_another_party_who_confirms_before_being_read(
    session: AsyncSession, fetcher: Fetcher
) -> None:
    reference = await _ready(session, "0.000006", personas.COMPLETE)  # stay notification
    with pytest.raises(Invalid) as itself:
        await subjects.choose(session, reference, personas.COMPLETE, "other_party",
                              personas.COMPLETE)  # fmt: skip
    assert itself.value.code == "subject-is-applicant"
    asked = await subjects.choose(
        session, reference, personas.COMPLETE, "other_party", personas.DISAGREEING
    )
    assert asked.state == SubjectState.pending
    await subjects.answer(session, reference, "other_party", personas.DISAGREEING, accept=False)
    result = await service.fetch_evidence(session, reference, personas.COMPLETE, fetcher=fetcher)
    guest = {i.key: i for i in result.items}["nhan_than_nguoi_luu_tru"]
    assert guest.reason == "subject-declined" and not guest.fields
    assert personas.DISAGREEING not in {
        r.subject_personal_id for r in await _reads_of(session, reference)
    }
