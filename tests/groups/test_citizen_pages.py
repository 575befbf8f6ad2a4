"""The applicant's pages of a group: a member dossier's own page names its group (with a link
and its place in the group), and the group page says when a member not started yet will start
and its limit, in words; once started, its due date."""

import re

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from motcua.core import outbox
from tests.groups.conftest import MOTHER, Place, file_birth, settle
from tests.identity.helpers import as_citizen

ME = as_citizen(MOTHER)


def _member(html: str, key: str) -> str:
    found = re.search(rf'<li id="member-{key}".*?</li>', html, re.S)
    assert found, f"the member {key} is on the page"
    return found.group(0)


def _due(card: str) -> str:
    found = re.search(r'<dd class="member-due">(.*?)</dd>', card, re.S)
    assert found
    return re.sub(r"\s+", " ", found.group(1)).strip()


async def test_a_member_dossier_page_links_to_its_group_with_its_place(
    client: httpx.AsyncClient, session: AsyncSession, place: Place
) -> None:
    filed = await file_birth(session, place)
    await session.commit()
    group = await client.get(f"/ho-so-lien-thong/{filed.filing.code}", headers=ME)
    birth = re.search(r'href="/ho-so-cua-toi/([^"]+)"', group.text)
    assert birth is not None
    page = await client.get(f"/ho-so-cua-toi/{birth.group(1)}", headers=ME)
    assert page.status_code == 200
    panel = re.search(r'<p class="panel" id="group">(.*?)</p>', page.text, re.S)
    assert panel is not None, "the member dossier names its group"
    text = panel.group(1)
    assert "Thuộc nhóm thủ tục" in text
    assert f'href="/ho-so-lien-thong/{filed.filing.code}"' in text
    assert "thủ tục thứ 1 trong 3 thủ tục của nhóm" in text


async def test_the_group_page_says_when_a_waiting_member_starts_and_its_limit(
    client: httpx.AsyncClient,
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    place: Place,
) -> None:
    filed = await file_birth(session, place)
    await session.commit()
    page = await client.get(f"/ho-so-lien-thong/{filed.filing.code}", headers=ME)
    assert page.status_code == 200
    assert "Tính từ khi bắt đầu" not in page.text
    for key in ("thuong_tru", "the_bhyt"):
        due = _due(_member(page.text, key))
        assert due == (
            "Bắt đầu khi thủ tục đăng ký khai sinh có kết quả; giải quyết trong 2 ngày làm việc "
            "kể từ khi bắt đầu"
        ), due
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", _due(_member(page.text, "khai_sinh")))

    birth = re.search(r'href="/ho-so-cua-toi/([^"]+)"', page.text)
    assert birth is not None
    await settle(session, place, "c", birth.group(1))
    await session.commit()
    assert await outbox.run_until_idle(sessions) >= 1
    started = await client.get(f"/ho-so-lien-thong/{filed.filing.code}", headers=ME)
    for key in ("khai_sinh", "thuong_tru", "the_bhyt"):
        assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", _due(_member(started.text, key)))
    member = re.findall(r'href="/ho-so-cua-toi/([^"]+)"', started.text)[1]
    second = await client.get(f"/ho-so-cua-toi/{member}", headers=ME)
    assert "thủ tục thứ 2 trong 3 thủ tục của nhóm" in second.text
