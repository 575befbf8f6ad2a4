"""The browser side of an assisted filing: a signed cookie naming the confirmed filing, set on
the helper's device when the citizen confirms, removed when the helper ends the visit. The
application pages read it at submission (``for_request``) so the dossier records the help."""

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from motcua.assisted import service
from motcua.assisted.models import AssistedFiling
from motcua.core.database import RequestSession
from motcua.core.settings import get_settings
from motcua.identity.auth import optional_officer
from motcua.identity.citizens import SESSION_COOKIE, Citizen

COOKIE = "motcua_assisted"
MAX_AGE_S = int(service.FILING_WINDOW.total_seconds())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().session_key, salt="motcua.assisted")


def set_cookie(response: Response, request: Request, filing_id: str) -> None:
    response.set_cookie(
        COOKIE,
        str(_serializer().dumps(filing_id)),
        max_age=MAX_AGE_S,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def end(response: Response) -> None:
    """The visit is over: the citizen's e-ID session leaves the helper's device with it."""
    response.delete_cookie(COOKIE)
    response.delete_cookie(SESSION_COOKIE)


def filing_id(request: Request) -> str | None:
    """The filing the cookie names; a forged or altered one counts as an unknown filing."""
    value = request.cookies.get(COOKIE)
    if not value:
        return None
    try:
        found = _serializer().loads(value)
    except (BadSignature, TypeError, ValueError):
        return "0" * 32
    return found if isinstance(found, str) else "0" * 32


async def for_request(
    request: Request, session: RequestSession, citizen: Citizen
) -> AssistedFiling | None:
    """None for a citizen filing on their own; the checked, confirmed filing when the
    submission is assisted (refused with a message otherwise, before anything is filed)."""
    found = filing_id(request)
    if found is None:
        return None
    helper = await optional_officer(request, session)
    return await service.for_submission(session, found, helper, citizen)
