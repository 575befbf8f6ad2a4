"""The birth group at the one-stop counter: the officer opens a visit for 0.000015 (the
citizen's number, the identity check, the consent given in person), the registries are read
over real HTTP (the sandbox), the counter sends the visit to the group's page, the officer
types the one declaration and chooses the combination with the citizen; filed: one group code,
one dossier per member at its own agency, a receipt listing the members and their deadlines,
and its PDF. Refusals name every problem, keep what was typed, and write nothing; the group
procedure is never received as one linear dossier."""

import re
import secrets
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import service as catalog
from motcua.cli import life_event_groups
from motcua.core import clock
from motcua.dossiers.models import Channel, CounterVisit, Dossier, RegistrationClaim
from motcua.groups import counter
from motcua.groups.models import GroupFiling, GroupMember
from motcua.identity.models import ApiToken, Officer, Role
from motcua.identity.service import Subject, hash_token
from motcua.sandbox import personas
from motcua.units.models import AdminUnit, Agency, AgencyKind
from tests.exchange.conftest import LiveSandbox, registries, sandbox  # noqa: F401
from tests.forms import token_from, token_in

pytestmark = pytest.mark.usefixtures("registries")
HOME = "/can-bo/quay"
HOA = personas.NEW_MOTHER
KEY = "to_khai_lien_thong"
CHILD = {
    "ho_ten_tre": "Phạm Gia Hân (dữ liệu tổng hợp)",
    "ngay_sinh": "2025-09-20",
    "gioi_tinh": "Nữ",
    "noi_sinh": "Bệnh viện Từ Dũ (dữ liệu tổng hợp)",
    "dan_toc": "Kinh",
    "quoc_tich": "Việt Nam",
    "que_quan": "Thành phố Hồ Chí Minh",
    "quan_he": "Mẹ",
    "noi_thuong_tru_cua_tre": "Cùng nơi thường trú của mẹ (dữ liệu tổng hợp)",
}


async def _officer(session: AsyncSession, agency: Agency, number: str) -> dict[str, str]:
    """A receiving officer of this agency (synthetic), signed in by cookie."""
    now = clock.now()
    officer = Officer(
        username=f"quay_lt_{number[-4:]}",
        full_name="Cán bộ một cửa (dữ liệu tổng hợp)",
        agency_id=agency.id,
        role=Role.receiving_officer,
        password_hash="-",
        active=True,
        created_at=now,
        personal_id=number,
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
    return {"Cookie": f"motcua_token={token}"}


async def _centre(session: AsyncSession, unit: str | None = None) -> Agency:
    query = select(Agency).where(Agency.kind == AgencyKind.service_centre)
    if unit is not None:
        query = query.where(Agency.unit_code == unit)
    found = await session.scalar(query.order_by(Agency.code).limit(1))
    assert found is not None
    return found


@pytest.fixture
async def hoa_centre(session: AsyncSession, sandbox: LiveSandbox) -> tuple[Agency, dict[str, str]]:  # noqa: F811
    """The service centre of the commune Hoa (sandbox persona, a new mother) lives in."""
    await catalog.import_document(session, life_event_groups())
    commune = sandbox.population.people[HOA].commune_code
    centre = await _centre(session, commune)
    me = await _officer(session, centre, "001090000661")
    await session.commit()  # a refused page rolls back to here
    return centre, me


async def _open(client: httpx.AsyncClient, me: dict[str, str]) -> str:
    token = await token_from(client, HOME, me)
    data = {"ma_thu_tuc": "0.000015", "so_dinh_danh": HOA, "kiem_tra": "chip_card", "dong_y": "1"}
    opened = await client.post(HOME, data={**data, "csrf_token": token}, headers=me)
    assert opened.status_code == 303, opened.text
    visit_url = str(opened.headers["location"])
    routed = await client.get(visit_url, headers=me)
    assert routed.status_code == 303 and routed.headers["location"] == f"{visit_url}/lien-thong"
    return f"{visit_url}/lien-thong"


def _form(values: dict[str, str], *, oath: bool = True, **extra: str) -> dict[str, str]:
    out = {f"field-{KEY}-{k}": v for k, v in values.items()}
    if oath:
        out[f"field-{KEY}-cam_doan"] = "1"
    return {**out, **extra}


async def _count(session: AsyncSession, model: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_the_birth_group_received_at_the_counter(
    client: httpx.AsyncClient,
    session: AsyncSession,
    hoa_centre: tuple[Agency, dict[str, str]],
) -> None:
    centre, me = hoa_centre
    url = await _open(client, me)
    page = await client.get(url, headers=me)
    assert page.status_code == 200
    html = page.text
    assert "Lê Thị Hoa" in html and "Đọc chip thẻ căn cước" in html
    assert "Cả 3 thủ tục" in html and "2 thủ tục: khai sinh và thẻ bảo hiểm y tế" in html
    assert "Công an cấp xã" in html and "Bảo hiểm xã hội tỉnh" in html
    assert "Đã lấy từ" in html and 'type="file"' not in html  # nothing scanned
    assert 'value="2025-09-20"' in html  # pre-filled from the e-birth notice
    assert "lua_chon" in html and " checked" not in html  # the citizen chooses

    # Nothing chosen, the oath not ticked, a date in the future: every problem, nothing written.
    before = (await _count(session, GroupFiling), await _count(session, Dossier))
    bad = {**CHILD, "ngay_sinh": "2099-01-01"}
    refused = await client.post(
        url, data={**_form(bad, oath=False), "csrf_token": token_in(html)}, headers=me
    )
    assert refused.status_code == 422, refused.text
    text = refused.text
    assert "Hãy chọn cùng công dân các thủ tục cần làm" in text
    assert "chưa cam đoan" in text and "không thể sau ngày hôm nay" in text
    assert 'href="#field-to_khai_lien_thong-ngay_sinh"' in text
    assert 'value="2099-01-01"' in text and "Phạm Gia Hân (dữ liệu tổng hợp)" in text
    assert (await _count(session, GroupFiling), await _count(session, Dossier)) == before

    # The single-dossier receive of the same visit is never used for a group.
    single = await client.post(
        url.removesuffix("/lien-thong"),
        data={**_form(CHILD), "csrf_token": token_in(text)},
        headers=me,
    )
    assert single.status_code == 303 and single.headers["location"] == url
    assert await _count(session, Dossier) == before[1]

    done = await client.post(
        url,
        data={**_form(CHILD, lua_chon="ba-trong-mot", thu_dien_tu="hoa@example.test"),
              "csrf_token": token_in(text)},
        headers=me,
    )  # fmt: skip
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"{url}/bien-nhan"
    slip = await client.get(f"{url}/bien-nhan", headers=me)
    assert slip.status_code == 200
    code = re.search(r'<strong class="code">(LT-[^<]+)</strong>', slip.text)
    assert code is not None
    group_code = code.group(1)
    assert slip.text.count("Chờ kết quả của thủ tục trước") == 2  # residence, insurance wait

    filing = await session.scalar(select(GroupFiling).where(GroupFiling.code == group_code))
    assert filing is not None
    assert filing.channel == Channel.counter.value and filing.combination == "ba-trong-mot"
    assert filing.applicant_number == HOA and filing.actor_number == "001090000661"
    assert filing.contact_email == "hoa@example.test"
    assert filing.declaration["ho_ten_tre"] == CHILD["ho_ten_tre"]
    members = {
        m.key: m
        for m in await session.scalars(
            select(GroupMember).where(GroupMember.filing_id == filing.id)
        )
    }
    assert set(members) == {"khai_sinh", "thuong_tru", "the_bhyt"}
    agencies = {k: await session.get(Agency, m.agency_id) for k, m in members.items()}
    committee, police, insurance = (agencies[k] for k in ("khai_sinh", "thuong_tru", "the_bhyt"))
    assert committee is not None and committee.kind == AgencyKind.people_committee
    assert committee.unit_code == centre.unit_code
    residence = filing.reads["noi_cu_tru_cha_me"]["value"]["residence_unit_code"]
    assert police is not None and police.kind == AgencyKind.police
    assert police.unit_code == residence
    assert insurance is not None and insurance.kind == AgencyKind.social_insurance
    for agency in (committee, police, insurance):
        assert agency.name in slip.text
    birth = await session.get(Dossier, members["khai_sinh"].dossier_id)
    assert birth is not None and birth.procedure_code == "1.001193"
    assert birth.channel == Channel.counter and birth.receiving_agency_id == committee.id
    assert birth.code in slip.text
    assert members["thuong_tru"].dossier_id is None and members["the_bhyt"].dossier_id is None
    claim = await session.scalar(
        select(RegistrationClaim).where(RegistrationClaim.dossier_code == birth.code)
    )
    assert claim is not None and claim.shown_code == group_code
    visit = await session.scalar(
        select(CounterVisit).where(CounterVisit.dossier_code == group_code)
    )
    assert visit is not None

    pdf = await client.get(f"{url}/bien-nhan.pdf", headers=me)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # A second post of the same visit: the same group, nothing more.
    again = await client.post(
        url, data={**_form(CHILD, lua_chon="ba-trong-mot"), "csrf_token": token_in(text)},
        headers=me,
    )  # fmt: skip
    assert again.status_code == 303
    assert await _count(session, GroupFiling) == before[0] + 1

    # The same child at a second visit: refused naming the group, nothing written.
    second = await _open(client, me)
    page = await client.get(second, headers=me)
    counts = (await _count(session, GroupFiling), await _count(session, Dossier))
    dup = await client.post(
        second,
        data={**_form(CHILD, lua_chon="khai-sinh-the-bhyt"), "csrf_token": token_in(page.text)},
        headers=me,
    )
    assert dup.status_code == 409, dup.text
    assert "đã được đăng ký khai sinh" in dup.text and group_code in dup.text
    assert "Phạm Gia Hân (dữ liệu tổng hợp)" in dup.text
    assert (await _count(session, GroupFiling), await _count(session, Dossier)) == counts


async def test_a_counter_in_another_province_refuses_the_group(
    client: httpx.AsyncClient,
    session: AsyncSession,
    sandbox: LiveSandbox,  # noqa: F811
) -> None:
    await catalog.import_document(session, life_event_groups())
    home = sandbox.population.people[HOA].commune_code
    unit = await session.get(AdminUnit, home)
    assert unit is not None
    elsewhere = await session.scalar(
        select(Agency)
        .join(AdminUnit, AdminUnit.code == Agency.unit_code)
        .where(
            Agency.kind == AgencyKind.service_centre,
            AdminUnit.province_code != unit.province_code,
        )
        .order_by(Agency.code)
        .limit(1)
    )
    assert elsewhere is not None
    me = await _officer(session, elsewhere, "001090000662")
    await session.commit()
    url = await _open(client, me)
    page = await client.get(url, headers=me)
    before = await _count(session, GroupFiling)
    refused = await client.post(
        url,
        data={**_form(CHILD, lua_chon="ba-trong-mot"), "csrf_token": token_in(page.text)},
        headers=me,
    )
    assert refused.status_code == 422, refused.text
    assert "thuộc tỉnh, thành phố khác với nơi nộp hồ sơ" in refused.text
    assert "Phạm Gia Hân (dữ liệu tổng hợp)" in refused.text
    assert 'id="lua-chon-ba-trong-mot" value="ba-trong-mot" checked' in refused.text
    assert await _count(session, GroupFiling) == before


async def test_the_death_group_received_at_the_counter(
    client: httpx.AsyncClient,
    session: AsyncSession,
    sandbox: LiveSandbox,  # noqa: F811
) -> None:
    """Lụa (sandbox persona) registers her husband's death with the deletion of his permanent
    residence: the deceased is chosen from her family on the group's page, his e-death notice
    and last residence are read, and the two members go to the commune committee and police."""
    await catalog.import_document(session, life_event_groups())
    centre = await _centre(session, sandbox.population.people[personas.WIDOW].commune_code)
    me = await _officer(session, centre, "001090000663")
    await session.commit()
    token = await token_from(client, HOME, me)
    data = {"ma_thu_tuc": "1.011537", "so_dinh_danh": personas.WIDOW, "kiem_tra": "vneid"}
    opened = await client.post(HOME, data={**data, "dong_y": "1", "csrf_token": token}, headers=me)
    assert opened.status_code == 303, opened.text
    url = f"{opened.headers['location']}/lien-thong"
    page = await client.get(url, headers=me)
    assert page.status_code == 200
    assert "Người đã mất trong gia đình công dân" in page.text
    assert personas.DECEASED in page.text
    assert page.text.count('name="lua_chon"') == 4  # 2, 3 (twice) or 4 procedures
    chosen = await client.post(
        url.removesuffix("/lien-thong") + "/chon",
        data={"vai_tro": "deceased", "nguoi": personas.DECEASED, "csrf_token": token_in(page.text)},
        headers=me,
    )
    assert chosen.status_code == 303, chosen.text
    page = await client.get(url, headers=me)
    assert "Người đã mất trong gia đình công dân" not in page.text
    officer = await session.scalar(select(Officer).where(Officer.personal_id == "001090000663"))
    assert officer is not None
    subject = Subject(
        officer_id=officer.id,
        username=officer.username,
        full_name=officer.full_name,
        role=officer.role,
        agency_id=centre.id,
        agency_code=centre.code,
        agency_name=centre.name,
        agency_level=centre.level,
        unit_code=centre.unit_code,
        personal_id=officer.personal_id,
    )
    found = await counter.group_desk(session, subject, url.split("/")[3])
    typed = {
        f"field-{found.declaration.key}-{q.name}": (
            "1" if q.kind == "checkbox" else q.options[0] if q.options
            else "2025-08-15" if q.kind == "date" else "Dữ liệu thử"
        )
        for q in found.declaration.questions
        if (q.required or q.name in ("ngay_chet", "noi_chet"))  # the death member's own
        and not found.declaration.values.get(q.name)
    }  # fmt: skip
    shown = {  # what the page shows pre-filled, which a browser sends back
        f"field-{found.declaration.key}-{k}": str(v)
        for k, v in found.declaration.values.items()
        if v not in (None, "", False)
    }
    done = await client.post(
        url, data={**shown, **typed, "lua_chon": "hai-thu-tuc", "csrf_token": token_in(page.text)},
        headers=me,
    )  # fmt: skip
    assert done.status_code == 303, done.text
    filing = await session.scalar(
        select(GroupFiling).where(GroupFiling.applicant_number == personas.WIDOW)
    )
    assert filing is not None and filing.channel == "counter"
    members = {
        m.key: m
        for m in await session.scalars(
            select(GroupMember).where(GroupMember.filing_id == filing.id)
        )
    }
    assert len(members) == 2
    agencies = {k: await session.get(Agency, m.agency_id) for k, m in members.items()}
    kinds = sorted(a.kind for a in agencies.values() if a is not None)
    assert kinds == sorted([AgencyKind.people_committee, AgencyKind.police])
    started = [m for m in members.values() if m.dossier_id is not None]
    assert len(started) == 1
    death = await session.get(Dossier, started[0].dossier_id)
    assert death is not None and death.procedure_code == "0.000010"
    claim = await session.scalar(
        select(RegistrationClaim).where(RegistrationClaim.key == f"deceased:{personas.DECEASED}")
    )
    assert claim is not None and claim.shown_code == filing.code


async def test_the_counter_asks_what_the_online_offer_asks(
    client: httpx.AsyncClient,
    session: AsyncSession,
    hoa_centre: tuple[Agency, dict[str, str]],
) -> None:
    """As the birth offer (docs/offers.md): the child's permanent residence is optional, with
    the offer's words, and left empty it is the mother's permanent address as the residence
    registry gives it; the filer's relation starts as "Mẹ" and the officer may change it."""
    _, me = hoa_centre
    url = await _open(client, me)
    html = (await client.get(url, headers=me)).text
    field = f"field-{KEY}-noi_thuong_tru_cua_tre"
    label = re.search(rf'<label for="{field}">([^<]*)</label>', html)
    assert label is not None and label.group(1) == (
        "Nơi đăng ký thường trú cho trẻ (không bắt buộc)"
    )
    assert f'<p class="hint" id="{field}-hint">' in html
    assert "Để trống nếu trẻ đăng ký thường trú cùng nơi thường trú của mẹ." in html
    assert f'aria-describedby="{field}-hint"' in html
    assert '<option value="Mẹ" selected>' in html

    # Changed to "Cha" and refused (no oath): the change is kept, not put back to "Mẹ".
    without = {k: v for k, v in CHILD.items() if k != "noi_thuong_tru_cua_tre"}
    before = await _count(session, GroupFiling)
    refused = await client.post(
        url,
        data={**_form({**without, "quan_he": "Cha"}, oath=False, lua_chon="ba-trong-mot"),
              "csrf_token": token_in(html)},
        headers=me,
    )  # fmt: skip
    assert refused.status_code == 422, refused.text
    assert '<option value="Cha" selected>' in refused.text
    assert '<option value="Mẹ" selected>' not in refused.text
    assert "chưa cam đoan" in refused.text
    assert f'href="#{field}"' not in refused.text  # the empty residence is no problem
    assert await _count(session, GroupFiling) == before

    done = await client.post(
        url,
        data={**_form(without, lua_chon="ba-trong-mot"), "csrf_token": token_in(refused.text)},
        headers=me,
    )
    assert done.status_code == 303, done.text
    filing = await session.scalar(select(GroupFiling).order_by(GroupFiling.id.desc()).limit(1))
    assert filing is not None and filing.applicant_number == HOA
    mother = filing.reads["noi_cu_tru_cha_me"]["value"]["permanent_address"]
    assert mother and filing.declaration["noi_thuong_tru_cua_tre"] == mother
    assert filing.declaration["quan_he"] == "Mẹ"
