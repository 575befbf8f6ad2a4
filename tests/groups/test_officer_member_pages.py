"""What the officers of a group's members read on their dossier page: the e-birth certificate
handed to the police and social insurance as a link to its verification page with the signer
and the time in words (no hash, no raw address), and who holds the member dossier in words
(nobody yet, with the claim; someone else, by name; the officer reading)."""

import re
import secrets
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from motcua.core import clock, outbox
from motcua.dossiers.models import Dossier
from motcua.groups.models import GroupMember
from motcua.identity.models import ApiToken
from motcua.identity.service import Subject, hash_token
from motcua.workflow import service as workflow
from motcua.workflow.models import ResultDocument
from tests.groups.conftest import Place, at, file_birth, settle

HEX64 = re.compile(r"\b[0-9a-f]{64}\b")


async def _cookie(session: AsyncSession, officer: Subject) -> dict[str, str]:
    token = secrets.token_urlsafe(16)
    now = clock.now()
    session.add(
        ApiToken(
            token_hash=hash_token(token),
            officer_id=officer.officer_id,
            created_at=now,
            expires_at=now + timedelta(days=30),
            revoked=False,
        )
    )
    await session.flush()
    return {"Cookie": f"motcua_token={token}"}


async def _handed(
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    place: Place,
) -> tuple[str, str, str]:
    """The birth group filed and its birth signed: (birth code, police dossier code, verify)."""
    filed = await file_birth(session, place)

    async def dossier_of(key: str) -> Dossier:
        member = await session.scalar(
            select(GroupMember)
            .where(GroupMember.filing_id == filed.filing.id, GroupMember.key == key)
            .execution_options(populate_existing=True)
        )
        assert member is not None and member.dossier_id is not None
        found = await session.get(Dossier, member.dossier_id, populate_existing=True)
        assert found is not None
        return found

    birth = await dossier_of("khai_sinh")
    verify_code = await settle(session, place, "c", birth.code)
    await session.flush()
    assert await outbox.run_until_idle(sessions) >= 1
    police = await dossier_of("thuong_tru")
    return birth.code, police.code, verify_code


async def test_the_handed_birth_certificate_is_a_link_with_signer_and_time_no_hash(
    client: httpx.AsyncClient,
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    place: Place,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    moment = at("2026-12-07T09:00:00")
    monkeypatch.setattr("motcua.core.clock.now", lambda: moment)
    _, police_code, verify_code = await _handed(session, sessions, place)
    document = await session.get(ResultDocument, verify_code)
    assert document is not None
    me = await _cookie(session, place["ca_receiving_officer"])
    page = await client.get(f"/can-bo/ho-so/{police_code}", headers=me)
    assert page.status_code == 200
    html = page.text
    linked = html.split('class="linked-result"')[1].split("</p>")[0]
    assert f'<a href="/verify/{verify_code}">Kiểm tra văn bản</a>' in linked
    assert "Ký số bởi" in linked and place.committee.name in linked
    assert "10:30 07/12/2026" in linked or re.search(r"\d\d:\d\d \d\d/\d\d/\d{4}", linked)
    assert document.sha256 not in html and not HEX64.search(html)
    assert "http://" not in html.split("<main")[1] and "https://" not in html.split("<main")[1]
    for word in ("SHA-256", "Mã băm", "Địa chỉ kiểm tra văn bản", "Mã kiểm tra văn bản"):
        assert word not in html
    # the JSON API gives the same link beside the values (the hash is the verify page's)
    api = await client.get(f"/api/v1/workflow/dossiers/{police_code}", headers=me)
    item = next(i for i in api.json()["contents"] if i["linked_result"])
    assert item["linked_result"]["verify_path"] == f"/verify/{verify_code}"
    assert {f["name"] for f in item["fields"]}.isdisjoint({"sha256", "verify_url"})


async def test_the_group_badge_says_who_holds_the_member_dossier(
    client: httpx.AsyncClient,
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    place: Place,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    moment = at("2026-12-07T09:00:00")
    monkeypatch.setattr("motcua.core.clock.now", lambda: moment)
    _, police_code, _ = await _handed(session, sessions, place)
    me = await _cookie(session, place["ca_receiving_officer"])
    colleague = await _cookie(session, place["ca_handling_officer"])

    def badge(html: str) -> str:
        found = re.search(r'id="member-holder">([^<]*)<', html)
        assert found, "no badge"
        return found.group(1)

    unclaimed = (await client.get(f"/can-bo/ho-so/{police_code}", headers=me)).text
    assert badge(unclaimed) == "Hồ sơ chưa có người nhận xử lý"
    assert "Hồ sơ bạn đang xử lý" not in unclaimed
    group = unclaimed.split('id="group"')[1].split("</section>")[0]
    assert 'href="#claim"' in group  # the panel leads to the one claim action
    assert f'action="/can-bo/ho-so/{police_code}/claim"' in unclaimed
    await workflow.claim(session, place["ca_receiving_officer"], police_code)
    mine = (await client.get(f"/can-bo/ho-so/{police_code}", headers=me)).text
    assert badge(mine) == "Hồ sơ bạn đang xử lý"
    theirs = (await client.get(f"/can-bo/ho-so/{police_code}", headers=colleague)).text
    assert badge(theirs) == f"Người đang xử lý: {place['ca_receiving_officer'].full_name}"
    assert "Hồ sơ bạn đang xử lý" not in theirs
