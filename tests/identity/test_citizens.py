"""Citizen e-ID login end to end over real HTTP, the session, levels of assurance, and acting
for a child verified in the population registry."""

import base64
import hashlib
import time

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.errors import DomainError
from motcua.core.settings import get_settings
from motcua.exchange.models import AccessLogEntry
from motcua.identity import oidc
from motcua.sandbox import personas
from tests.forms import token_in
from tests.identity.conftest import CALLBACK, CLIENT_ID, CLIENT_SECRET, LiveProvider
from tests.identity.helpers import as_citizen, log_in_through_eid


async def test_login_through_the_sandbox_provider_end_to_end(
    client: httpx.AsyncClient, provider: LiveProvider
) -> None:
    done = await log_in_through_eid(client, personas.COMPLETE, next_url="/du-lieu/cua-toi")
    assert done.status_code == 303 and done.headers["location"] == "/du-lieu/cua-toi"
    cookie = done.headers["set-cookie"]
    assert "motcua_citizen=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    me = await client.get("/api/v1/auth/citizen")
    assert me.status_code == 200, me.text
    assert me.json() | {"acting_for": None} == {
        "personal_id": personas.COMPLETE,
        "full_name": "Nguyễn Văn An",
        "acr": "2",
        "level": 2,
        "acting_for": None,
        "acting_for_name": None,
        "relation": None,
    }
    page = await client.get("/du-lieu/cua-toi")
    assert page.status_code == 200 and "Dữ liệu của tôi đã được ai sử dụng" in page.text
    out = await client.post("/api/v1/auth/citizen/logout")
    assert out.status_code == 204
    assert (await client.get("/api/v1/auth/citizen")).status_code == 401
    redirected = await client.get("/du-lieu/cua-toi")
    assert redirected.status_code == 303
    assert redirected.headers["location"].startswith("/dang-nhap?next=%2Fdu-lieu%2Fcua-toi")


@pytest.mark.parametrize(
    "path",
    [
        "/ca-nhan",
        "/du-lieu/thu-tuc/1.001193",
        "/ho-so/1",
        "/ho-so/1/thanh-toan",
        "/du-lieu/cua-toi",
    ],
)
async def test_every_citizen_page_sends_a_stranger_to_the_login(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/dang-nhap?next=")


async def test_level_one_login_is_refused_for_a_level_two_procedure(
    client: httpx.AsyncClient, provider: LiveProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    await log_in_through_eid(client, personas.SPOUSE, acr="1")
    assert (await client.get("/api/v1/auth/citizen")).json()["level"] == 1
    refused = await client.post("/api/v1/exchange/consents", json={"procedure_code": "0.000021"})
    assert refused.status_code == 403
    assert refused.json() | {"message": ""} == {
        "code": "insufficient-assurance",
        "message": "",
        "required_level": 2,
        "level": 1,
    }
    monkeypatch.setenv("MOTCUA_EID_PROCEDURE_LEVELS", '{"0.000021": 1}')
    get_settings.cache_clear()
    allowed = await client.post("/api/v1/exchange/consents", json={"procedure_code": "0.000021"})
    assert allowed.status_code == 201, allowed.text


async def test_a_tampered_state_or_a_replayed_code_gets_no_session(
    client: httpx.AsyncClient, provider: LiveProvider
) -> None:
    start = await client.get("/dang-nhap")
    url = httpx.URL(start.headers["location"])
    async with httpx.AsyncClient() as browser:
        form = dict(url.params) | {"personal_id": personas.COMPLETE, "acr": "2"}
        chosen = await browser.post(url.copy_with(query=None), data=form)
    back = httpx.URL(chosen.headers["location"])
    params = dict(back.params)
    wrong_state = await client.get(back.path, params=params | {"state": "forged"})
    assert wrong_state.status_code == 401 and "state" in wrong_state.text
    assert (await client.get("/api/v1/auth/citizen")).status_code == 401
    # The code was not spent by the refused attempt: it works once, then never again.
    first = await client.get(back.path, params=params)
    assert first.status_code == 303
    client.cookies.clear()
    start_again = await client.get("/dang-nhap")
    assert start_again.status_code == 303
    replay = await client.get(back.path, params=params)
    assert replay.status_code == 401
    assert (await client.get("/api/v1/auth/citizen")).status_code == 401


async def test_callback_without_a_login_in_progress_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/dang-nhap/callback", params={"code": "x", "state": "y"})
    assert (
        response.status_code == 401 and 'role="alert"' in response.text
    ) or "hết hạn" in response.text


async def test_the_provider_checks_client_redirect_and_pkce(provider: LiveProvider) -> None:
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    params = {
        "client_id": CLIENT_ID,
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "openid profile",
        "state": "s",
        "nonce": "n",
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    async with httpx.AsyncClient(base_url=provider.url) as http:
        discovery = (await http.get("/.well-known/openid-configuration")).json()
        assert discovery["issuer"] == provider.url
        assert discovery["code_challenge_methods_supported"] == ["S256"]
        wrong_redirect = await http.get(
            "/authorize", params=params | {"redirect_uri": "http://evil.test/cb"}
        )
        assert wrong_redirect.status_code == 400
        no_pkce = await http.get("/authorize", params=params | {"code_challenge": ""})
        assert no_pkce.status_code == 400

        async def code() -> str:
            form = params | {"personal_id": personas.COMPLETE, "acr": "2"}
            answer = await http.post("/authorize", data=form)
            return httpx.URL(answer.headers["location"]).params["code"]

        auth = (CLIENT_ID, CLIENT_SECRET)
        token = {"grant_type": "authorization_code", "redirect_uri": CALLBACK}
        bad_verifier = await http.post(
            "/token", data=token | {"code": await code(), "code_verifier": "w" * 50}, auth=auth
        )
        assert bad_verifier.status_code == 400 and bad_verifier.json()["error"] == "invalid_grant"
        bad_secret = await http.post(
            "/token",
            data=token | {"code": await code(), "code_verifier": verifier},
            auth=(CLIENT_ID, "wrong"),
        )
        assert bad_secret.status_code == 401
        good = await http.post(
            "/token", data=token | {"code": await code(), "code_verifier": verifier}, auth=auth
        )
        assert good.status_code == 200, good.text
        keys = KeySet.import_key_set((await http.get("/jwks")).json())
    claims = await oidc.verify_id_token(good.json()["id_token"], keys, provider.url, "n")
    assert claims["personal_id"] == personas.COMPLETE and claims["acr"] == "2"
    assert claims["name"] == "Nguyễn Văn An" and claims["aud"] == CLIENT_ID


async def test_id_tokens_with_a_foreign_key_or_wrong_claims_are_refused(
    provider: LiveProvider,
) -> None:
    _, keys = await oidc.provider(provider.url)
    now = int(time.time())
    good = {
        "iss": provider.url,
        "aud": CLIENT_ID,
        "sub": personas.COMPLETE,
        "personal_id": personas.COMPLETE,
        "iat": now,
        "exp": now + 300,
        "nonce": "n",
        "acr": "2",
    }

    def signed(claims: dict[str, object], key: RSAKey = provider.state.key) -> str:
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key, algorithms=["RS256"])

    assert (await oidc.verify_id_token(signed(good), keys, provider.url, "n"))["acr"] == "2"
    foreign = RSAKey.generate_key(2048, auto_kid=True)
    cases = [
        signed(good, foreign),
        signed(good | {"nonce": "other"}),
        signed(good | {"aud": "someone-else"}),
        signed(good | {"iss": "http://evil.test"}),
        signed(good | {"exp": now - 3600}),
    ]
    for token in cases:
        with pytest.raises(DomainError) as refused:
            await oidc.verify_id_token(token, keys, provider.url, "n")
        assert refused.value.code == "eid-login-failed"


@pytest.mark.usefixtures("registries")
async def test_a_parent_acts_for_their_child_verified_in_the_population_registry(
    client: httpx.AsyncClient, session: AsyncSession, provider: LiveProvider
) -> None:
    await log_in_through_eid(client, personas.COMPLETE)
    acting = await client.put(
        "/api/v1/auth/citizen/acting-for", json={"subject_personal_id": personas.CHILD}
    )
    assert acting.status_code == 200, acting.text
    assert acting.json()["acting_for"] == personas.CHILD
    assert acting.json()["relation"] == "cha"
    assert acting.json()["acting_for_name"] == "Nguyễn Minh Châu"
    # The check is a logged read of the child's data, for the child to see.
    check = (
        await session.scalars(
            select(AccessLogEntry)
            .where(AccessLogEntry.subject_personal_id == personas.CHILD)
            .order_by(AccessLogEntry.seq.desc())
        )
    ).first()
    assert check is not None and check.purpose.startswith("representation:")
    assert check.actor_personal_id == personas.COMPLETE and check.registry_code == "population"
    # A consent prepared now is for the child, with the parent recorded as actor.
    consent = await client.post("/api/v1/exchange/consents", json={"procedure_code": "0.000021"})
    assert consent.status_code == 201, consent.text
    assert consent.json()["actor_personal_id"] == personas.COMPLETE
    assert consent.json()["subject_personal_id"] == personas.CHILD
    stranger = await client.post(
        "/api/v1/exchange/consents",
        json={"procedure_code": "0.000021", "subject_personal_id": personas.WIDOW},
    )
    assert stranger.status_code == 403
    assert stranger.json()["code"] == "representation-not-verified"
    back = await client.delete("/api/v1/auth/citizen/acting-for")
    assert back.json()["acting_for"] is None


@pytest.mark.usefixtures("registries")
@pytest.mark.parametrize(
    ("actor", "subject", "code"),
    [
        (personas.DISAGREEING, personas.CHILD, "not-a-representative"),
        (personas.COMPLETE, personas.SPOUSE, "not-a-representative"),
        (personas.COMPLETE, "001099999999", "subject-not-found"),
    ],
)
async def test_acting_for_someone_who_is_not_your_child_is_refused_and_logged(
    client: httpx.AsyncClient, session: AsyncSession, actor: str, subject: str, code: str
) -> None:
    refused = await client.put(
        "/api/v1/auth/citizen/acting-for",
        json={"subject_personal_id": subject},
        headers=as_citizen(actor),
    )
    assert refused.status_code == 403 and refused.json()["code"] == code
    logged = await session.scalar(
        select(AccessLogEntry)
        .where(AccessLogEntry.subject_personal_id == subject)
        .where(AccessLogEntry.actor_personal_id == actor)
        .order_by(AccessLogEntry.seq.desc())
    )
    assert logged is not None and logged.reason == code


async def test_the_profile_page_and_the_act_for_form(
    client: httpx.AsyncClient,
) -> None:
    me = as_citizen(personas.COMPLETE)
    page = await client.get("/ca-nhan", headers=me)
    assert page.status_code == 200
    # the person's own number, masked as on every page
    assert 'for="subject"' in page.text and "001******101" in page.text
    assert personas.COMPLETE not in page.text
    bad = await client.post(
        "/ca-nhan/dai-dien", data={"subject": "12ab", "csrf_token": token_in(page.text)}, headers=me
    )
    assert bad.status_code == 422 and 'role="alert"' in bad.text
    assert (await client.get("/ca-nhan")).status_code == 303
