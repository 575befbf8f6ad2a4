"""Every refusal of an assisted filing, at the service: without the citizen's confirmation, a
helper outside their commune, a confirmation by someone other than the person named, a sign-in
older than the filing, a reused or expired confirmation. Each says what to do in Vietnamese
and changes nothing."""

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.assisted import service
from motcua.assisted.models import AssistState
from motcua.core import clock
from motcua.core.errors import DomainError
from motcua.identity import service as identity
from motcua.identity.citizens import Citizen
from motcua.identity.models import Role
from tests.assisted.conftest import Helper, communes, make_helper

AN = "001084000101"
BINH = "001186000102"


def citizen(number: str = AN, name: str = "Nguyễn Văn An") -> Citizen:
    return Citizen(number, name, "2", 2)


async def refused(call: object, code: str) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await call  # type: ignore[misc]
    assert caught.value.code == code, caught.value.message
    return caught.value


async def test_confirmed_by_the_person_named_then_spent_by_one_filing(
    session: AsyncSession, helper: Helper
) -> None:
    row = await service.start(session, helper.subject, AN)
    assert row.state == AssistState.waiting and row.commune_code == helper.subject.unit_code
    await refused(
        service.for_submission(session, row.id, helper.subject, citizen()),
        "assisted-not-confirmed",
    )
    done = await service.confirm(session, helper.subject, row.id, citizen(), clock.now())
    assert done.state == AssistState.confirmed and done.citizen_name == "Nguyễn Văn An"
    assert done.method == "vneid" and done.file_by is not None
    ok = await service.for_submission(session, row.id, helper.subject, citizen())
    assert ok.id == row.id
    # another citizen's e-ID in the browser at submission: refused
    error = await refused(
        service.for_submission(session, row.id, helper.subject, citizen(BINH, "Bình")),
        "assisted-wrong-person",
    )
    assert "người khác" in error.message
    # the helper signed out: refused
    await refused(
        service.for_submission(session, row.id, None, citizen()), "assisted-helper-signed-out"
    )
    # confirming again: the confirmation is spent
    await refused(
        service.confirm(session, helper.subject, row.id, citizen(), clock.now()),
        "assisted-confirmation-used",
    )
    row.state = AssistState.filed  # as record_filing leaves it
    await session.flush()
    error = await refused(
        service.for_submission(session, row.id, helper.subject, citizen()),
        "assisted-confirmation-used",
    )
    assert "lượt hỗ trợ mới" in error.message


async def test_a_confirmation_by_someone_else_records_nothing(
    session: AsyncSession, helper: Helper
) -> None:
    row = await service.start(session, helper.subject, AN)
    error = await refused(
        service.confirm(session, helper.subject, row.id, citizen(BINH, "Trần Thị Bình"),
                        clock.now()),
        "assisted-wrong-person",
    )  # fmt: skip
    assert error.status_code == 403 and "không phải là công dân đã nêu" in error.message
    again = await service.own(session, helper.subject, row.id)
    assert again.state == AssistState.waiting and again.confirmed_at is None


async def test_a_sign_in_older_than_the_filing_does_not_confirm(
    session: AsyncSession, helper: Helper
) -> None:
    row = await service.start(session, helper.subject, AN)
    stale = row.created_at - timedelta(minutes=5)
    await refused(
        service.confirm(session, helper.subject, row.id, citizen(), stale),
        "assisted-login-not-fresh",
    )
    assert (await service.own(session, helper.subject, row.id)).state == AssistState.waiting


async def test_expired_confirmations(session: AsyncSession, helper: Helper) -> None:
    late = await service.start(session, helper.subject, AN)
    late.confirm_by = clock.now() - timedelta(seconds=1)
    await session.flush()
    error = await refused(
        service.confirm(session, helper.subject, late.id, citizen(), clock.now()),
        "assisted-confirmation-expired",
    )
    assert error.status_code == 410 and "10 phút" in error.message
    row = await service.start(session, helper.subject, AN)
    await service.confirm(session, helper.subject, row.id, citizen(), clock.now())
    row.file_by = clock.now() - timedelta(seconds=1)
    await session.flush()
    error = await refused(
        service.for_submission(session, row.id, helper.subject, citizen()),
        "assisted-confirmation-expired",
    )
    assert "1 giờ" in error.message


async def test_a_helper_works_only_in_their_commune(session: AsyncSession, helper: Helper) -> None:
    places = await communes(session)
    other_place = next(a for a in places if a.unit_code != helper.subject.unit_code)
    await refused(
        service.start(session, helper.subject, AN, commune_code=other_place.unit_code),
        "helper-outside-commune",
    )
    other = await make_helper(session, "tocongnghe.khac", other_place)
    theirs = await service.start(session, other.subject, AN)
    await refused(service.own(session, helper.subject, theirs.id), "helper-outside-commune")
    await refused(
        service.confirm(session, helper.subject, theirs.id, citizen(), clock.now()),
        "helper-outside-commune",
    )
    assert (await service.own(session, other.subject, theirs.id)).state == AssistState.waiting
    # a colleague of the same commune does not reach it either
    colleague = await make_helper(session, "tocongnghe.dongnghiep", other_place)
    await refused(service.own(session, colleague.subject, theirs.id), "assisted-not-found")


async def test_only_helpers_of_a_commune(session: AsyncSession, helper: Helper) -> None:
    places = await communes(session)
    await identity.create_officer(
        session,
        username="motcua.thu",
        full_name="Cán bộ một cửa (dữ liệu tổng hợp)",
        agency_code=places[0].code,
        role=Role.receiving_officer,
        password="mat-khau-thu-nghiem",
    )
    token, _ = await identity.issue_token(session, "motcua.thu", "mat-khau-thu-nghiem")
    officer = await identity.subject_for_token(session, token)
    await refused(service.start(session, officer, AN), "not-a-community-helper")
    province = places[0].parent_id
    assert province is not None
    from motcua.units.models import Agency

    parent = await session.get(Agency, province)
    assert parent is not None
    error = await refused(
        identity.create_officer(
            session,
            username="tocongnghe.tinh",
            full_name="Thử (dữ liệu tổng hợp)",
            agency_code=parent.code,
            role=Role.community_helper,
            password="mat-khau-thu-nghiem",
        ),
        "helper-outside-commune",
    )
    assert "cấp xã" in error.message


async def test_bad_numbers_and_oneself(session: AsyncSession, helper: Helper) -> None:
    error = await refused(
        service.start(session, helper.subject, "12345"), "malformed-personal-number"
    )
    assert "12 chữ số" in error.message
    await refused(service.start(session, helper.subject, "001090099901"), "assisted-self")
    assert await service.mine(session, helper.subject) == []
