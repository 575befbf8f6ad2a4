"""OpenID Connect relying party for the national e-ID (VNeID; the sandbox provider in the demo).

Authorization code flow with PKCE (S256), ``state`` and ``nonce``; the ID token's signature is
checked against the provider's JWKS (fetched from its discovery document), then ``iss``, ``aud``,
``exp``, ``iat`` and ``nonce``. Authlib drives the OAuth 2.0 exchange; joserfc (Authlib's JOSE
library) verifies the token.
"""

import secrets
import time
import warnings
from dataclasses import dataclass
from typing import Any

import authlib.deprecate  # installs an "always" filter for its warnings; overridden below
import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from motcua.core.settings import Settings, get_settings
from motcua.identity.service import Unauthenticated

with warnings.catch_warnings():
    # Authlib announces a future move to the httpx2 package; httpx is what the project uses.
    warnings.simplefilter("ignore", authlib.deprecate.AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError

SIGNING_ALGORITHMS = ["RS256", "ES256", "EdDSA"]
CLOCK_SKEW_S = 60
DISCOVERY_TTL_S = 3600.0


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


@dataclass(frozen=True)
class LoginTransaction:
    """What the browser carries (signed) between leaving for the provider and coming back."""

    state: str
    nonce: str
    code_verifier: str
    next: str


@dataclass(frozen=True)
class Identity:
    """What the verified ID token says about the person."""

    personal_id: str
    full_name: str
    acr: str
    level: int


_providers: dict[str, tuple[float, Provider, KeySet]] = {}


def _failed(detail: str) -> Unauthenticated:
    return Unauthenticated(
        "Không đăng nhập được bằng định danh điện tử (" + detail + "). Vui lòng thử lại.",
        code="eid-login-failed",
    )


async def _load(issuer: str) -> tuple[Provider, KeySet]:
    try:
        async with httpx.AsyncClient(timeout=10.0) as client:
            document = (await client.get(f"{issuer}/.well-known/openid-configuration")).json()
            provider = Provider(
                issuer=document["issuer"],
                authorization_endpoint=document["authorization_endpoint"],
                token_endpoint=document["token_endpoint"],
                jwks_uri=document["jwks_uri"],
            )
            keys = KeySet.import_key_set((await client.get(provider.jwks_uri)).json())
    except (httpx.HTTPError, ValueError, KeyError, TypeError, JoseError) as error:
        raise _failed("không đọc được cấu hình của nhà cung cấp định danh") from error
    if provider.issuer != issuer:
        raise _failed("nhà cung cấp định danh khai báo sai issuer")
    return provider, keys


async def provider(issuer: str, *, refresh: bool = False) -> tuple[Provider, KeySet]:
    """The discovery document and JWKS, cached for an hour (and re-read on an unknown key)."""
    cached = _providers.get(issuer)
    if cached is None or refresh or time.monotonic() - cached[0] > DISCOVERY_TTL_S:
        found, keys = await _load(issuer)
        _providers[issuer] = (time.monotonic(), found, keys)
        return found, keys
    return cached[1], cached[2]


def _client(settings: Settings, redirect_uri: str) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=settings.eid_client_id,
        client_secret=settings.eid_client_secret,
        scope=settings.eid_scope,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
        timeout=10.0,
    )


async def begin(redirect_uri: str, next_url: str) -> tuple[str, LoginTransaction]:
    """The provider's authorization URL and the transaction to keep until the callback."""
    settings = get_settings()
    found, _ = await provider(settings.eid_issuer)
    transaction = LoginTransaction(
        state=secrets.token_urlsafe(24),
        nonce=secrets.token_urlsafe(24),
        code_verifier=secrets.token_urlsafe(48),
        next=next_url,
    )
    async with _client(settings, redirect_uri) as client:
        url, _ = client.create_authorization_url(
            found.authorization_endpoint,
            state=transaction.state,
            nonce=transaction.nonce,
            code_verifier=transaction.code_verifier,
        )
    return str(url), transaction


async def finish(
    transaction: LoginTransaction, redirect_uri: str, code: str, state: str
) -> Identity:
    """Exchange the code (with the PKCE verifier) and verify the ID token it brings."""
    if not secrets.compare_digest(state.encode(), transaction.state.encode()):
        raise _failed("tham số state không khớp")
    settings = get_settings()
    found, keys = await provider(settings.eid_issuer)
    try:
        async with _client(settings, redirect_uri) as client:
            token: dict[str, Any] = await client.fetch_token(
                found.token_endpoint, code=code, code_verifier=transaction.code_verifier
            )
    except (OAuthError, httpx.HTTPError, ValueError) as error:
        raise _failed("nhà cung cấp định danh từ chối mã đăng nhập") from error
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise _failed("không có ID token")
    claims = await verify_id_token(id_token, keys, found.issuer, transaction.nonce)
    return _identity(claims, settings)


async def verify_id_token(
    id_token: str, keys: KeySet, issuer: str, nonce: str, *, now: int | None = None
) -> dict[str, Any]:
    """Signature against the JWKS (re-read once if the key is unknown), then the claims."""
    settings = get_settings()
    try:
        decoded = jwt.decode(id_token, keys, algorithms=SIGNING_ALGORITHMS)
    except (JoseError, ValueError):
        try:
            _, fresh = await provider(issuer, refresh=True)
            decoded = jwt.decode(id_token, fresh, algorithms=SIGNING_ALGORITHMS)
        except (JoseError, ValueError) as error:
            raise _failed("chữ ký của ID token không hợp lệ") from error
    claims = decoded.claims
    moment = now if now is not None else int(time.time())
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    exp, iat = claims.get("exp"), claims.get("iat")
    wrong = []
    if claims.get("iss") != issuer:
        wrong.append("iss")
    if settings.eid_client_id not in audiences:
        wrong.append("aud")
    if not isinstance(exp, int | float) or exp + CLOCK_SKEW_S < moment:
        wrong.append("exp")
    if isinstance(iat, int | float) and iat - CLOCK_SKEW_S > moment:
        wrong.append("iat")
    if not secrets.compare_digest(str(claims.get("nonce", "")).encode(), nonce.encode()):
        wrong.append("nonce")
    if wrong:
        raise _failed("ID token sai " + ", ".join(wrong))
    return claims


def _identity(claims: dict[str, Any], settings: Settings) -> Identity:
    personal_id = str(claims.get(settings.eid_personal_id_claim) or "")
    acr = str(claims.get("acr") or "")
    if len(personal_id) != 12 or not personal_id.isdigit():
        raise _failed("ID token không có số định danh cá nhân")
    return Identity(
        personal_id=personal_id,
        full_name=str(claims.get("name") or ""),
        acr=acr,
        level=settings.eid_acr_levels.get(acr, 0),
    )
