"""Cross-site request forgery: every page form that changes something carries a token bound to
the session it was rendered for, and one check (``protect``, a dependency of the whole app)
compares it before any route runs.

A synchronizer token without storage: the HMAC, under the session key, of the session cookies
the browser holds (the officer's sign-in cookie, the citizen's e-ID session). A token from
another session never fits, and signing in, out or acting for someone else changes it. A
request without a session cookie acts for nobody, so there is nothing to forge (the sign-in
form, public tracking). Routes under ``/api/`` are for clients that send a bearer token, which
a browser never attaches on its own; where one also accepts a session cookie, the cookie's
``SameSite=Lax`` keeps cross-site posts from carrying it.
"""

import hashlib
import hmac

from fastapi import Request
from itsdangerous import Signer
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from motcua.core.settings import get_settings
from motcua.identity.auth import COOKIE
from motcua.identity.citizens import SESSION_COOKIE
from motcua.identity.service import Forbidden

FIELD = "csrf_token"
SESSION_COOKIES = (COOKIE, SESSION_COOKIE)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
MESSAGE = (
    "Yêu cầu chưa được thực hiện và không có gì thay đổi: biểu mẫu này đã cũ (bạn vừa đăng "
    "nhập, đăng xuất hoặc đổi người được đại diện) hoặc không được gửi từ trang của hệ thống. "
    "Hãy quay lại trang trước, tải lại trang (phím F5) rồi thực hiện lại."
)


class CsrfRefused(Forbidden):
    code = "csrf-token-invalid"


def _signer() -> Signer:
    return Signer(get_settings().session_key, salt="motcua.csrf", digest_method=hashlib.sha256)


def token_for(request: Request) -> str | None:
    """The token of the browser session making this request; None when it has none."""
    cookies = [
        f"{name}={request.cookies[name]}" for name in SESSION_COOKIES if request.cookies.get(name)
    ]
    if not cookies:
        return None
    return _signer().get_signature("\n".join(cookies)).decode()


@pass_context
def field(context: Context) -> Markup:
    """``{{ csrf_field() }}``: the hidden input every ``<form method="post">`` renders, with the
    token of the session the page is rendered for."""
    token = token_for(context["request"]) or ""
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, token)


async def protect(request: Request) -> None:
    """Refuse a state-changing page request whose form does not carry its session's token.
    Runs before the route's own dependencies, so a refused request opens no transaction."""
    if request.method in SAFE_METHODS or request.url.path.startswith("/api/"):
        return
    expected = token_for(request)
    if expected is None:
        return
    given = (await request.form()).get(FIELD)
    if not isinstance(given, str) or not hmac.compare_digest(given.encode(), expected.encode()):
        raise CsrfRefused(MESSAGE)
