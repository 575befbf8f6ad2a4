"""Cross-site request forgery: every page form carries its session's token, and a post without
it, or with another session's, is refused with a page saying what to do, changing nothing."""

import re
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

import motcua
from motcua.exchange.models import Consent
from motcua.identity import service
from motcua.identity.models import Role
from motcua.sandbox import personas
from tests.forms import token_from, token_in
from tests.identity.helpers import as_citizen

START = "/du-lieu/thu-tuc/0.000021"
PASSWORD = "mat-khau-thu-nghiem"


def test_every_post_form_renders_the_token() -> None:
    """A new form without ``{{ csrf_field() }}`` would be refused for everyone; catch it here."""
    root = Path(motcua.__file__).parent
    forms = 0
    for template in root.glob("*/templates/**/*.html"):
        for form in re.findall(r"<form\b[^>]*>.*?</form>", template.read_text("utf-8"), re.S):
            if re.search(r'method="post"', form, re.I):
                forms += 1
                assert "{{ csrf_field() }}" in form, f"{template.name}: {form[:80]}"
    assert forms >= 20


async def _consents(session: AsyncSession) -> int:
    statement = select(func.count()).where(Consent.actor_personal_id == personas.COMPLETE)
    return int(await session.scalar(statement) or 0)


@pytest.mark.usefixtures("registries")
async def test_a_citizen_post_needs_its_own_sessions_token(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    me = as_citizen(personas.COMPLETE)
    theirs = await token_from(client, START, as_citizen(personas.SPOUSE))
    before = await _consents(session)
    for data in ({}, {"csrf_token": ""}, {"csrf_token": theirs}):
        refused = await client.post(START, data=data, headers=me)
        assert refused.status_code == 403
        assert "tải lại trang" in refused.text and 'role="alert"' in refused.text
        assert await _consents(session) == before
    mine = await token_from(client, START, me)
    assert mine != theirs
    started = await client.post(START, data={"csrf_token": mine}, headers=me)
    assert started.status_code == 303
    assert await _consents(session) == before + 1


async def test_switching_whom_you_act_for_needs_the_token(client: httpx.AsyncClient) -> None:
    me = as_citizen(personas.COMPLETE)
    refused = await client.post("/ca-nhan/dai-dien", data={"subject": ""}, headers=me)
    assert refused.status_code == 403 and "set-cookie" not in refused.headers
    token = await token_from(client, "/ca-nhan", me)
    done = await client.post(
        "/ca-nhan/dai-dien", data={"subject": "", "csrf_token": token}, headers=me
    )
    assert done.status_code == 303 and "motcua_citizen=" in done.headers["set-cookie"]


async def test_an_officer_cannot_be_signed_out_by_another_site(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await service.create_officer(
        session,
        username="csrf_can_bo",
        full_name="Cán bộ thử nghiệm (dữ liệu tổng hợp)",
        agency_code="000.00.00.G15",
        role=Role.handling_officer,
        password=PASSWORD,
    )
    # Signing in needs no token: the request carries no session, so there is nothing to forge.
    signed = await client.post("/login", data={"username": "csrf_can_bo", "password": PASSWORD})
    assert signed.status_code == 303
    forged = await client.post("/logout")
    assert forged.status_code == 403 and "tải lại trang" in forged.text
    assert (await client.get("/api/v1/auth/me")).status_code == 200  # still signed in
    cookie = {"Cookie": f"motcua_token={client.cookies['motcua_token']}"}
    token = token_in((await client.get("/login")).text)
    out = await client.post("/logout", data={"csrf_token": token})
    assert out.status_code == 303
    client.cookies.clear()
    assert (await client.get("/api/v1/auth/me", headers=cookie)).status_code == 401
