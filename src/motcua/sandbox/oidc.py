"""A sandbox e-ID provider: a real OpenID Connect provider over HTTP, with synthetic people.

It stands in for VNeID in the demo and the tests: discovery document, JWKS, an authorize page
where you pick a persona (or type the number of anyone in the synthetic population) and a level
of assurance, and a token endpoint that checks the client secret, the redirect URI and the PKCE
verifier, then issues an RS256-signed ID token with the person's 12-digit number
(``personal_id``), ``name`` and ``acr`` (``"1"`` or ``"2"``, VNeID's levels).

Mount it under ``/sandbox/oidc`` in the demo app; it finds its issuer URL from the request
(or takes one). Codes and access tokens are signed, self-contained values, so any worker
process can redeem what another issued; given a shared folder (the demo app passes
``<storage>/sandbox-oidc``), every process signs with the same key kept there and a code is
spent once across all of them (a marker file made with O_EXCL). Without one, the key is made
at start-up and codes are spent once per process.
"""

import base64
import hashlib
import html
import json
import os
import secrets
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import unquote_plus, urlencode

from fastapi import FastAPI, Form, Header, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from joserfc import jwt
from joserfc.jwk import RSAKey

from motcua.sandbox.personas import CHILD, COMPLETE, PERSONAS
from motcua.sandbox.population import SYNTHETIC_NOTE, Population

DEFAULT_CLIENT_ID = "motcua-demo"
DEFAULT_CLIENT_SECRET = "sandbox-client-secret"
CODE_LIFETIME_S = 60
TOKEN_LIFETIME_S = 600
LEVELS = {"2": "Mức 2 (đã xác thực sinh trắc, như VNeID mức 2)", "1": "Mức 1 (cơ bản)"}


@dataclass(frozen=True)
class Client:
    secret: str
    redirect_uris: tuple[str, ...]


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    personal_id: str
    name: str
    acr: str
    nonce: str | None
    code_challenge: str
    issued: float


KEY_FILE = "signing-key.json"


def shared_key(folder: Path) -> RSAKey:
    """The key every process of this host signs with: read, or made once and linked into
    place atomically (a process that loses the race reads the winner's)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / KEY_FILE
    if not target.exists():
        key = RSAKey.generate_key(2048, auto_kid=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".key-")
        with os.fdopen(handle, "w") as out:
            json.dump(key.as_dict(private=True), out)
        try:
            os.link(temporary, target)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    return RSAKey.import_key(json.loads(target.read_text()))


@dataclass
class SpentCodes:
    """Codes already redeemed: marker files in a shared folder (every process), else memory."""

    folder: Path | None = None
    local: dict[str, float] = field(default_factory=dict)

    def spend(self, code: str) -> bool:
        """True the first time a code is redeemed anywhere, False after."""
        name = hashlib.sha256(code.encode()).hexdigest()[:40]
        moment = time.time()
        if self.folder is None:
            for old in [c for c, at in self.local.items() if moment - at > CODE_LIFETIME_S]:
                del self.local[old]
            if name in self.local:
                return False
            self.local[name] = moment
            return True
        self.folder.mkdir(parents=True, exist_ok=True)
        for entry in os.scandir(self.folder):  # codes past their life need no marker
            if entry.stat().st_mtime < moment - 2 * CODE_LIFETIME_S:
                Path(entry.path).unlink(missing_ok=True)
        try:
            os.close(os.open(self.folder / name, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return False
        return True


@dataclass
class ProviderState:
    clients: dict[str, Client]
    issuer: str | None
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, auto_kid=True))
    spent: SpentCodes = field(default_factory=SpentCodes)
    population: Callable[[], Population] | None = None

    def signer(self, purpose: str) -> URLSafeTimedSerializer:
        """Signs codes and access tokens with a secret derived from the shared signing key."""
        private = json.dumps(self.key.as_dict(private=True), sort_keys=True).encode()
        secret = hashlib.sha256(b"motcua.sandbox-oidc\n" + private).hexdigest()
        return URLSafeTimedSerializer(secret, salt=f"motcua.sandbox-oidc.{purpose}")


def default_clients() -> dict[str, Client]:
    """The demo client, its secret and callback from the environment (same names as motcua's)."""
    base = os.environ.get("MOTCUA_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    redirect = os.environ.get("MOTCUA_EID_REDIRECT_URL") or f"{base}/dang-nhap/callback"
    return {
        os.environ.get("MOTCUA_EID_CLIENT_ID", DEFAULT_CLIENT_ID): Client(
            os.environ.get("MOTCUA_EID_CLIENT_SECRET", DEFAULT_CLIENT_SECRET), (redirect,)
        )
    }


def _error(error: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        f"""<!doctype html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:1rem auto;padding:0 1rem;
color:#111}}fieldset{{margin:1rem 0}}label{{display:block;padding:.25rem 0}}
button{{font-size:1rem;padding:.5rem 1.25rem}}.note{{background:#fff3cd;padding:.5rem}}</style>
</head><body><main>{body}</main></body></html>""",
        status_code=status,
    )


def create_oidc_app(
    clients: dict[str, Client] | None = None,
    issuer: str | None = None,
    population: Callable[[], Population] | None = None,
    shared_dir: Path | None = None,
) -> FastAPI:
    """The provider; ``population`` supplies names for typed numbers beyond the persona pack;
    ``shared_dir`` makes every process serving it one provider (key and spent codes)."""
    state = ProviderState(clients or default_clients(), issuer, population=population)
    if shared_dir is not None:
        state.key = shared_key(shared_dir)
        state.spent = SpentCodes(shared_dir / "spent-codes")
    app = FastAPI(title="motcua sandbox e-ID provider (synthetic people)", docs_url=None)
    app.state.oidc = state

    def issuer_of(request: Request) -> str:
        """Where it is served: the host plus the mount path (``root_path``) when mounted."""
        if state.issuer:
            return state.issuer
        root = str(request.scope.get("root_path", "")).rstrip("/")
        base = str(request.base_url).rstrip("/")
        return base if base.endswith(root) else base + root

    def name_of(personal_id: str) -> str | None:
        persona = next((p for p in PERSONAS if p.personal_id == personal_id), None)
        if persona is not None:
            return persona.name
        if state.population is None:
            return None
        person = state.population().people.get(personal_id)
        return person.full_name if person else None

    @app.get("/.well-known/openid-configuration")
    async def discovery(request: Request) -> dict[str, Any]:
        base = issuer_of(request)
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/userinfo",
            "jwks_uri": f"{base}/jwks",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "profile"],
            "claims_supported": ["sub", "name", "personal_id", "acr", "nonce", "auth_time"],
            "acr_values_supported": list(LEVELS),
        }

    @app.get("/jwks")
    async def jwks() -> dict[str, Any]:
        return {"keys": [state.key.as_dict(private=False, use="sig", alg="RS256")]}

    def check_request(
        client_id: str,
        redirect_uri: str,
        response_type: str,
        scope: str,
        challenge: str,
        method: str,
    ) -> str | None:
        client = state.clients.get(client_id)
        if client is None:
            return "Ứng dụng (client_id) chưa đăng ký với nhà cung cấp định danh thử nghiệm."
        if redirect_uri not in client.redirect_uris:
            return "Địa chỉ trả về (redirect_uri) không khớp địa chỉ đã đăng ký."
        if response_type != "code" or "openid" not in scope.split():
            return "Chỉ hỗ trợ response_type=code với scope openid."
        if not challenge or method != "S256":
            return "Cần PKCE: code_challenge với code_challenge_method=S256."
        return None

    @app.get("/authorize", response_class=HTMLResponse)
    async def authorize_page(
        client_id: str = "",
        redirect_uri: str = "",
        response_type: str = "",
        scope: str = "",
        state_: Annotated[str, Query(alias="state")] = "",
        nonce: str = "",
        code_challenge: str = "",
        code_challenge_method: str = "",
    ) -> HTMLResponse:
        problem = check_request(
            client_id, redirect_uri, response_type, scope, code_challenge, code_challenge_method
        )
        if problem:
            return _page(
                "Yêu cầu không hợp lệ", f"<h1>Yêu cầu không hợp lệ</h1><p>{problem}</p>", 400
            )
        hidden = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(v)}">'
            for k, v in {
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "state": state_,
                "nonce": nonce,
                "code_challenge": code_challenge,
                "code_challenge_method": code_challenge_method,
            }.items()
        )
        personas = "".join(
            f'<label><input type="radio" name="personal_id" value="{p.personal_id}"'
            f"{' checked' if n == 0 else ''}> <strong>{html.escape(p.name)}</strong> "
            f"({p.personal_id}) — {html.escape(p.case)}"
            + (
                f" Con: {CHILD} (chọn làm người được đại diện)."
                if p.personal_id == COMPLETE
                else ""
            )
            + "</label>"
            for n, p in enumerate(PERSONAS)
        )
        levels = "".join(
            f'<label><input type="radio" name="acr" value="{k}"{" checked" if k == "2" else ""}> '
            f"{html.escape(v)}</label>"
            for k, v in LEVELS.items()
        )
        body = f"""<h1>Đăng nhập bằng định danh điện tử (môi trường thử)</h1>
<p class="note">{html.escape(SYNTHETIC_NOTE)} Không nhập thông tin của người thật.</p>
<form method="post" action="authorize">{hidden}
<fieldset><legend>Chọn người dùng mẫu</legend>{personas}</fieldset>
<p><label for="other">Hoặc nhập số định danh của người khác trong dân cư tổng hợp</label>
<input id="other" name="other" inputmode="numeric" maxlength="12" pattern="[0-9]{{12}}"></p>
<fieldset><legend>Mức định danh điện tử</legend>{levels}</fieldset>
<button type="submit" name="decision" value="allow">Đăng nhập</button>
<button type="submit" name="decision" value="deny">Hủy</button>
</form>"""
        return _page("Đăng nhập định danh điện tử (thử nghiệm)", body)

    @app.post("/authorize")
    async def authorize(
        client_id: Annotated[str, Form()] = "",
        redirect_uri: Annotated[str, Form()] = "",
        state_: Annotated[str, Form(alias="state")] = "",
        nonce: Annotated[str, Form()] = "",
        code_challenge: Annotated[str, Form()] = "",
        code_challenge_method: Annotated[str, Form()] = "",
        personal_id: Annotated[str, Form()] = "",
        other: Annotated[str, Form()] = "",
        acr: Annotated[str, Form()] = "2",
        decision: Annotated[str, Form()] = "allow",
    ) -> Response:
        problem = check_request(
            client_id, redirect_uri, "code", "openid", code_challenge, code_challenge_method
        )
        if problem:
            return _page(
                "Yêu cầu không hợp lệ", f"<h1>Yêu cầu không hợp lệ</h1><p>{problem}</p>", 400
            )
        if decision != "allow":
            query = urlencode({"error": "access_denied", "state": state_})
            return RedirectResponse(f"{redirect_uri}?{query}", status_code=303)
        chosen = (other or personal_id).strip()
        name = name_of(chosen)
        if name is None or acr not in LEVELS:
            return _page(
                "Không có người này",
                "<h1>Không có người này</h1><p>Số định danh không có trong dân cư tổng hợp "
                "của môi trường thử. Hãy quay lại và chọn người dùng mẫu.</p>",
                400,
            )
        grant = Grant(
            client_id, redirect_uri, chosen, name, acr, nonce or None, code_challenge, time.time()
        )
        code = state.signer("code").dumps({**asdict(grant), "n": secrets.token_urlsafe(8)})
        query = urlencode({"code": code, "state": state_})
        return RedirectResponse(f"{redirect_uri}?{query}", status_code=303)

    def client_of(
        authorization: str | None, form_id: str, form_secret: str
    ) -> tuple[str, Client] | None:
        client_id, secret = form_id, form_secret
        if authorization and authorization.lower().startswith("basic "):
            try:
                raw = base64.b64decode(authorization[6:]).decode()
            except ValueError:
                return None
            client_id, _, secret = raw.partition(":")
        client_id, secret = unquote_plus(client_id), unquote_plus(secret)
        client = state.clients.get(client_id)
        if client is None or not secrets.compare_digest(client.secret.encode(), secret.encode()):
            return None
        return client_id, client

    def redeem(code: str) -> Grant | None:
        """The grant a code carries, once: unknown, expired or spent codes give None. A code
        whose client or verifier is wrong is spent all the same, as a stolen one must be."""
        try:
            data = state.signer("code").loads(code, max_age=CODE_LIFETIME_S)
            data.pop("n")
            grant = Grant(**data)
        except (BadSignature, TypeError, KeyError):
            return None
        return grant if state.spent.spend(code) else None

    @app.post("/token")
    async def token(
        request: Request,
        grant_type: Annotated[str, Form()] = "",
        code: Annotated[str, Form()] = "",
        redirect_uri: Annotated[str, Form()] = "",
        code_verifier: Annotated[str, Form()] = "",
        client_id: Annotated[str, Form()] = "",
        client_secret: Annotated[str, Form()] = "",
        authorization: Annotated[str | None, Header()] = None,
    ) -> Response:
        found = client_of(authorization, client_id, client_secret)
        if found is None:
            return _error("invalid_client", "client authentication failed", 401)
        if grant_type != "authorization_code":
            return _error("unsupported_grant_type", "only authorization_code")
        grant = redeem(code)
        if grant is None:
            return _error("invalid_grant", "unknown, used or expired code")
        if grant.client_id != found[0] or grant.redirect_uri != redirect_uri:
            return _error("invalid_grant", "code issued to another client or redirect_uri")
        if not code_verifier or _s256(code_verifier) != grant.code_challenge:
            return _error("invalid_grant", "PKCE verification failed")
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": issuer_of(request),
            "sub": grant.personal_id,
            "aud": grant.client_id,
            "iat": now,
            "exp": now + TOKEN_LIFETIME_S,
            "auth_time": int(grant.issued),
            "acr": grant.acr,
            "name": grant.name,
            "personal_id": grant.personal_id,
            "synthetic": True,
        }
        if grant.nonce:
            claims["nonce"] = grant.nonce
        header = {"alg": "RS256", "kid": state.key.kid}
        id_token = jwt.encode(header, claims, state.key, algorithms=["RS256"])
        userinfo = {k: claims[k] for k in ("sub", "name", "personal_id", "acr")}
        access_token = state.signer("token").dumps(userinfo)
        return JSONResponse(
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": TOKEN_LIFETIME_S,
                "id_token": id_token,
                "scope": "openid profile",
            },
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )

    @app.get("/userinfo")
    async def userinfo(authorization: Annotated[str | None, Header()] = None) -> Response:
        value = (authorization or "").removeprefix("Bearer ").strip()
        try:
            claims = state.signer("token").loads(value, max_age=TOKEN_LIFETIME_S)
        except BadSignature:
            return _error("invalid_token", "unknown access token", 401)
        return JSONResponse(claims)

    return app
