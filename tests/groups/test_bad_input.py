"""Bad input to a group filing: each gets a clear refusal naming what to do, and nothing is
written (no filing, no member dossier half-started)."""

import secrets

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.errors import Conflict, DomainError
from motcua.dossiers.models import Dossier
from motcua.groups import service as groups
from motcua.groups.models import GroupFiling
from motcua.groups.schemas import GroupFilingIn
from motcua.units.models import Agency, AgencyKind, AgencyLevel
from tests.groups.conftest import (
    CHILD,
    MOTHER,
    Place,
    birth_values,
    file_birth,
    file_death,
    reads,
)


async def _counts(session: AsyncSession) -> tuple[int, int]:
    filings = await session.scalar(select(func.count()).select_from(GroupFiling))
    dossiers = await session.scalar(select(func.count()).select_from(Dossier))
    return int(filings or 0), int(dossiers or 0)


async def _refused(session: AsyncSession, coroutine: object) -> DomainError:
    before = await _counts(session)
    with pytest.raises(DomainError) as refused:
        await coroutine  # type: ignore[misc]
    assert await _counts(session) == before
    return refused.value


def _messages(error: DomainError) -> str:
    return " ".join(p["message"] for p in error.details.get("problems", [])) or error.message


async def test_a_child_already_registered_and_a_death_already_recorded(
    session: AsyncSession, place: Place
) -> None:
    first = (await file_birth(session, place)).filing
    again = await _refused(session, file_birth(session, place, "khai-sinh-the-bhyt"))
    assert again.code == "child-already-registered" and again.status_code == 409
    assert first.code in _messages(again)

    death = (await file_death(session, place)).filing
    twice = await _refused(session, file_death(session, place, "hai-thu-tuc"))
    assert twice.code == "death-already-recorded" and death.code in _messages(twice)


async def test_parents_whose_records_disagree(session: AsyncSession, place: Place) -> None:
    assert place.committee.unit_code is not None
    values = birth_values(place.committee.unit_code)
    values["giay_chung_sinh"]["mother_personal_id"] = "001190000111"  # another woman
    refused = await _refused(session, file_birth(session, place, values=values))
    assert refused.code == "parents-disagree"
    assert "giấy chứng sinh" in _messages(refused)

    values = birth_values(place.committee.unit_code)
    values["dang_ky_ket_hon_cha_me"] = {
        "spouse_1_personal_id": "001080000222",
        "spouse_2_personal_id": "001190000111",
    }
    refused = await _refused(session, file_birth(session, place, values=values))
    assert refused.code == "parents-disagree" and "đăng ký kết hôn" in _messages(refused)

    # the other parent who confirmed is not the spouse of the marriage record read
    values = birth_values(place.committee.unit_code)
    values["dang_ky_ket_hon_cha_me"] = {
        "spouse_1_personal_id": "001080000222",
        "spouse_2_personal_id": MOTHER,
    }
    values["nhan_than_cha_me_con_lai"] = {"personal_id": "001085000333", "full_name": "Cha"}
    refused = await _refused(session, file_birth(session, place, values=values))
    assert refused.code == "parents-disagree"
    assert "Người cha, mẹ còn lại" in _messages(refused)


async def test_an_address_outside_the_province(session: AsyncSession, place: Place) -> None:
    assert place.committee.unit_code is not None
    province = (await session.get(Agency, place.committee.parent_id)).unit_code  # type: ignore[union-attr]
    elsewhere = await session.scalar(
        select(Agency.unit_code)
        .where(
            Agency.level == AgencyLevel.commune,
            Agency.kind == AgencyKind.people_committee,
            Agency.parent_id != place.committee.parent_id,
        )
        .limit(1)
    )
    assert elsewhere is not None and province is not None
    values = birth_values(elsewhere)
    refused = await _refused(session, file_birth(session, place, values=values))
    assert refused.code == "address-outside-province"
    assert len(refused.details["problems"]) == 1  # said once, not once per member
    assert "tỉnh, thành phố nơi cư trú" in _messages(refused)


async def test_wrong_choices_and_declarations_are_refused_with_every_problem(
    session: AsyncSession, place: Place
) -> None:
    refused = await _refused(session, file_birth(session, place, "bon-trong-mot"))
    assert refused.code == "unknown-combination" and "Cả 3 thủ tục" in _messages(refused)

    child = {k: v for k, v in CHILD.items() if k != "ho_ten_tre"} | {"ngay_sinh": "2099-01-01"}
    refused = await _refused(session, file_birth(session, place, child=child))
    text = _messages(refused)
    assert "Chưa điền “Họ, chữ đệm và tên của trẻ”" in text and "sau ngày hôm nay" in text

    assert place.committee.unit_code is not None
    items = await reads(session, MOTHER, "1.001193", {"giay_chung_sinh": {"x": "y"}})
    body = GroupFilingIn(
        group="khai-sinh",
        combination="ba-trong-mot",
        receiving_agency=place.police.code,
        declaration=dict(CHILD),
        items=items,  # type: ignore[arg-type]
    )
    refused = await _refused(
        session, groups.file_group(session, body, actor=MOTHER, idempotency_key="k1")
    )
    codes = {p["code"] for p in refused.details["problems"]}
    assert {"agency-may-not-receive", "evidence-for-another-procedure"} <= codes
    assert "missing-requirement" in codes  # the reads the members need were not cited


async def test_a_retried_filing_returns_the_first_and_a_reused_key_is_a_conflict(
    session: AsyncSession, place: Place
) -> None:
    key = secrets.token_hex(8)
    first = await file_birth(session, place, key=key)
    body = GroupFilingIn(
        group="khai-sinh",
        combination=first.filing.combination,
        receiving_agency=place.centre.code,
        declaration=first.filing.declaration,
        items=[],
    )
    with pytest.raises(Conflict) as reused:
        await groups.file_group(session, body, actor=MOTHER, idempotency_key=key)
    assert reused.value.code == "idempotency-key-reused"
    unknown = await _refused(
        session,
        groups.file_group(
            session,
            body.model_copy(update={"group": "khai-hon"}),
            actor=MOTHER,
            idempotency_key="other",
        ),
    )
    assert unknown.code == "unknown-group" and unknown.status_code == 404


async def test_the_same_filing_sent_twice_is_filed_once(
    session: AsyncSession, place: Place
) -> None:
    assert place.committee.unit_code is not None
    items = await reads(session, MOTHER, "0.000015", birth_values(place.committee.unit_code))
    body = GroupFilingIn(
        group="khai-sinh",
        combination="khai-sinh-thuong-tru",
        receiving_agency=place.centre.code,
        declaration=dict(CHILD),
        items=items,  # type: ignore[arg-type]
    )
    first = await groups.file_group(session, body, actor=MOTHER, idempotency_key="twice")
    before = await _counts(session)
    second = await groups.file_group(session, body, actor=MOTHER, idempotency_key="twice")
    assert (first.created, second.created) == (True, False)
    assert second.filing.code == first.filing.code and await _counts(session) == before
