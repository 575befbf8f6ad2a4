"""Officer accounts, bearer tokens, the sign-in cookie, and the CLI."""

from datetime import timedelta

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock
from motcua.core.errors import Conflict, Invalid, NotFound
from motcua.identity import service
from motcua.identity.models import ApiToken, Officer, Role
from tests.forms import token_from

PASSWORD = "mat-khau-thu-nghiem"


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))


@pytest.fixture
async def officer(session: AsyncSession) -> Officer:
    return await service.create_officer(
        session,
        username="can_bo_1",
        full_name="Nguyễn Văn A",
        agency_code="000.00.00.G01",
        role=Role.handling_officer,
        password=PASSWORD,
    )


async def test_passwords_are_argon2_and_tokens_only_hashed(
    session: AsyncSession, officer: Officer
) -> None:
    assert officer.password_hash.startswith("$argon2") and PASSWORD not in officer.password_hash
    token, expires_at = await service.issue_token(session, "can_bo_1", PASSWORD)
    stored = (await session.scalars(select(ApiToken))).all()
    assert [t.token_hash for t in stored] == [service.hash_token(token)]
    assert token not in stored[0].token_hash
    assert expires_at > clock.now()
    subject = await service.subject_for_token(session, token)
    assert (subject.username, subject.role, subject.agency_code) == (
        "can_bo_1", Role.handling_officer, "000.00.00.G01",
    )  # fmt: skip


async def test_account_rules(session: AsyncSession, officer: Officer) -> None:
    kwargs = dict(full_name="X", agency_code="000.00.00.G01", role=Role.approver)
    with pytest.raises(Conflict):
        await service.create_officer(session, username="can_bo_1", password=PASSWORD, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(Invalid):
        await service.create_officer(session, username="b", password="ngan", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        await service.create_officer(
            session, username="c", password=PASSWORD, full_name="X", agency_code="NOPE",
            role=Role.approver,
        )  # fmt: skip
    with pytest.raises(Invalid) as bad_email:
        await service.create_officer(
            session,
            username="d",
            password=PASSWORD,
            email="khong-phai-thu",
            **kwargs,  # type: ignore[arg-type]
        )
    assert bad_email.value.code == "bad-address"


async def test_token_expiry_and_revocation(session: AsyncSession, officer: Officer) -> None:
    token, expires_at = await service.issue_token(session, "can_bo_1", PASSWORD)
    with pytest.raises(service.Unauthenticated):
        await service.subject_for_token(session, token, at=expires_at + timedelta(seconds=1))
    await service.revoke_token(session, token)
    with pytest.raises(service.Unauthenticated):
        await service.subject_for_token(session, token)
    officer.active = False
    with pytest.raises(service.Unauthenticated):
        await service.issue_token(session, "can_bo_1", PASSWORD)


async def test_token_endpoint_json_and_form(client: httpx.AsyncClient, officer: Officer) -> None:
    by_json = await client.post(
        "/api/v1/auth/token", json={"username": "can_bo_1", "password": PASSWORD}
    )
    assert by_json.status_code == 200 and by_json.json()["token_type"] == "bearer"
    by_form = await client.post(
        "/api/v1/auth/token", data={"username": "can_bo_1", "password": PASSWORD}
    )
    assert by_form.status_code == 200
    token = by_form.json()["access_token"]
    me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["full_name"] == "Nguyễn Văn A"
    out = await client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"})
    assert out.status_code == 204
    again = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"username": "can_bo_1", "password": "sai-mat-khau"},
        {"username": "khong_co", "password": PASSWORD},
    ],
)
async def test_wrong_credentials_get_one_message(
    client: httpx.AsyncClient, officer: Officer, body: dict[str, str]
) -> None:
    response = await client.post("/api/v1/auth/token", json=body)
    assert response.status_code == 401
    assert response.json() == {
        "code": "invalid-credentials",
        "message": "Tên đăng nhập hoặc mật khẩu không đúng.",
    }


async def test_missing_fields_and_missing_token(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/token", json={"username": "x"})
    assert response.status_code == 422 and response.json()["message"]
    assert (await client.post("/api/v1/auth/token", content=b"{not json")).status_code == 422
    me = await client.get("/api/v1/auth/me")
    assert me.status_code == 401 and "đăng nhập" in me.json()["message"]


async def test_login_page_cookie_and_logout(client: httpx.AsyncClient, officer: Officer) -> None:
    page = await client.get("/login")
    assert page.status_code == 200 and '<label for="password">' in page.text
    wrong = await client.post("/login", data={"username": "can_bo_1", "password": "x"})
    assert wrong.status_code == 401 and "không đúng" in wrong.text
    ok = await client.post(
        "/login", data={"username": "can_bo_1", "password": PASSWORD, "next": "//evil.example"}
    )
    # not sent elsewhere: a handling officer lands on their queue
    assert ok.status_code == 303 and ok.headers["location"] == "/can-bo/ho-so"
    cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    me = await client.get("/api/v1/auth/me")  # the cookie works for the API too
    assert me.status_code == 200
    out = await client.post("/logout", data={"csrf_token": await token_from(client, "/login")})
    assert out.status_code == 303
    client.cookies.clear()
    assert (await client.get("/api/v1/auth/me")).status_code == 401
