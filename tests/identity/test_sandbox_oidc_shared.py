"""The sandbox e-ID provider behaves as one across worker processes (invariant 10): two
instances sharing a folder, as two processes of `motcua serve --workers 2` do, publish one key,
redeem each other's codes and tokens, and spend a code once across both."""

import base64
import hashlib
import secrets
from pathlib import Path

import httpx

from motcua.sandbox import personas
from motcua.sandbox.oidc import Client, create_oidc_app

CLIENT = ("motcua-test", "sandbox-test-secret")
CALLBACK = "http://motcua.test/dang-nhap/callback"


def _client(app: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
        base_url="http://provider.test",
    )


async def test_two_processes_are_one_provider(tmp_path: Path) -> None:
    clients = {CLIENT[0]: Client(CLIENT[1], (CALLBACK,))}
    first = create_oidc_app(clients, "http://provider.test", shared_dir=tmp_path)
    second = create_oidc_app(clients, "http://provider.test", shared_dir=tmp_path)
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    form = {
        "client_id": CLIENT[0],
        "redirect_uri": CALLBACK,
        "state": "s",
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
        "personal_id": personas.COMPLETE,
        "acr": "2",
    }
    token = {
        "grant_type": "authorization_code",
        "redirect_uri": CALLBACK,
        "code_verifier": verifier,
    }
    async with _client(first) as one, _client(second) as two:
        assert (await one.get("/jwks")).json() == (await two.get("/jwks")).json()
        chosen = await one.post("/authorize", data=form)
        code = httpx.URL(chosen.headers["location"]).params["code"]
        issued = await two.post("/token", data=token | {"code": code}, auth=CLIENT)
        assert issued.status_code == 200, issued.text
        access = issued.json()["access_token"]
        info = await one.get("/userinfo", headers={"Authorization": f"Bearer {access}"})
        assert info.status_code == 200 and info.json()["personal_id"] == personas.COMPLETE
        for provider in (one, two):  # spent: neither process redeems it again
            again = await provider.post("/token", data=token | {"code": code}, auth=CLIENT)
            assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
        forged = await two.get("/userinfo", headers={"Authorization": f"Bearer {access}x"})
        assert forged.status_code == 401
