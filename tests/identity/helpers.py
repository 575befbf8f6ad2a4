"""Test helpers: a minted citizen session (the real e-ID flow is tested in test_citizens.py)
and an officer with a personal number and a bearer token (the counter channel)."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.identity import service
from motcua.identity.citizens import SESSION_COOKIE, Citizen, encode_session
from motcua.identity.models import Role

SYNTHETIC_NAME = "Công dân thử nghiệm (dữ liệu tổng hợp)"


def citizen_cookie(
    number: str,
    *,
    name: str = SYNTHETIC_NAME,
    level: int = 2,
    acting_for: str | None = None,
    relation: str | None = None,
) -> str:
    citizen = Citizen(number, name, str(level), level, acting_for, acting_for and "Con", relation)
    return encode_session(citizen)


def as_citizen(number: str, **kwargs: object) -> dict[str, str]:
    """Headers carrying a session for ``number`` signed with the app's key."""
    return {"Cookie": f"{SESSION_COOKIE}={citizen_cookie(number, **kwargs)}"}  # type: ignore[arg-type]


async def as_officer(
    session: AsyncSession,
    personal_id: str | None,
    *,
    username: str = "tiepnhan.test",
    role: Role = Role.receiving_officer,
    agency_code: str = "000.00.00.G15",
) -> dict[str, str]:
    await service.create_officer(
        session,
        username=username,
        full_name="Cán bộ thử nghiệm (dữ liệu tổng hợp)",
        agency_code=agency_code,
        role=role,
        password="mat-khau-thu-nghiem",
        personal_id=personal_id,
    )
    token, _ = await service.issue_token(session, username, "mat-khau-thu-nghiem")
    return {"Authorization": f"Bearer {token}"}


async def log_in_through_eid(
    client: httpx.AsyncClient, persona: str, *, acr: str = "2", next_url: str = "/ca-nhan"
) -> httpx.Response:
    """The real flow: motcua -> the provider's authorize page (real HTTP on loopback) -> pick
    the persona -> back to motcua's callback, which redeems the code with the provider."""
    start = await client.get("/dang-nhap", params={"next": next_url})
    assert start.status_code == 303, start.text
    authorize_url = httpx.URL(start.headers["location"])
    async with httpx.AsyncClient() as browser:
        page = await browser.get(authorize_url)
        assert page.status_code == 200, page.text
        assert "dữ liệu mô phỏng" in page.text.lower()
        form = dict(authorize_url.params)
        form |= {"personal_id": persona, "acr": acr, "decision": "allow"}
        chosen = await browser.post(authorize_url.copy_with(query=None), data=form)
    assert chosen.status_code == 303, chosen.text
    back = httpx.URL(chosen.headers["location"])
    return await client.get(back.path, params=dict(back.params))
