"""Rate limits on the routes a guesser or a flood would use: officer login, e-ID start, public
tracking, application start and uploads; per client address and per account, each a number of
requests in a fixed window. Counters live in the database (``rate_counters``, one upserted row
per key), so every worker process counts together (invariant 10). Past a limit: 429 with
``Retry-After`` until the window ends.

A counted request is committed before the route runs, in the request's own session, so a
refused login (whose transaction rolls back) still counts.
"""

import math
import re
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute
from sqlalchemy import bindparam, case
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.database import RequestSession
from motcua.core.errors import DomainError
from motcua.core.models import RateCounter
from motcua.core.repository import conflict_insert
from motcua.core.settings import get_settings

# (method, route path) -> the limit it counts against.
ROUTES = {
    ("POST", "/login"): "login",
    ("POST", "/api/v1/auth/token"): "login",
    ("GET", "/dang-nhap"): "eid",
    ("POST", "/tra-cuu"): "tracking",
    ("POST", "/api/v1/applications"): "application",
    ("POST", "/du-lieu/thu-tuc/{code}"): "application",
    ("POST", "/api/v1/exchange/consents"): "application",
    ("POST", "/api/v1/uploads"): "upload",
}
RULE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


class RateLimited(DomainError):
    status_code = 429
    code = "rate-limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, retry_after_seconds=retry_after)
        self.headers = {"Retry-After": str(retry_after)}


@dataclass(frozen=True)
class Rule:
    limit: int
    seconds: int


def rule(text: str) -> Rule:
    """``"10/60"``: ten requests per 60 seconds."""
    found = RULE.match(text)
    if not found or int(found.group(2)) < 1:
        raise ValueError(f"a rate limit is 'count/seconds', not {text!r}")
    return Rule(int(found.group(1)), int(found.group(2)))


@cache
def _upsert(dialect: str) -> Any:
    insert = conflict_insert(dialect)(RateCounter).values(
        key=bindparam("key"), window=bindparam("window"), hits=1
    )
    same = RateCounter.window == insert.excluded.window
    return insert.on_conflict_do_update(
        index_elements=[RateCounter.key],
        set_={
            "hits": case((same, RateCounter.hits + 1), else_=1),
            "window": insert.excluded.window,
        },
    ).returning(RateCounter.hits)


async def hit(session: AsyncSession, key: str, rule: Rule, now: float) -> int | None:
    """Count one request; the seconds to wait when it is past the limit, else None."""
    window = int(now // rule.seconds)
    dialect = session.get_bind().dialect.name
    hits = (await session.execute(_upsert(dialect), {"key": key[:200], "window": window})).scalar()
    if hits is not None and hits > rule.limit:
        return max(1, math.ceil((window + 1) * rule.seconds - now))
    return None


async def _account(request: Request, action: str) -> str | None:
    """Whose account the request is about: the officer name tried, the signed-in citizen."""
    if action == "login":
        form = await request.form() if request.method == "POST" else None
        name = form.get("username") if form is not None else None
        return name.strip().lower() if isinstance(name, str) and name.strip() else None
    if action == "tracking":
        form = await request.form()
        code = form.get("code")
        return code.strip().upper() if isinstance(code, str) and code.strip() else None
    from motcua.identity.auth import citizen_from  # identity builds on core, not the reverse

    citizen = citizen_from(request)
    return citizen.personal_id if citizen is not None else None


async def check(request: Request, session: RequestSession) -> None:
    """Count the request against its route's limits (none for most routes)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    action = ROUTES.get((request.method, route.path))
    settings = get_settings()
    if action is None or not settings.rate_limit_enabled:
        return
    keys = []
    if per_ip := settings.rate_limits_per_ip.get(action):
        address = request.client.host if request.client else "unknown"
        keys.append((f"{action}:ip:{address}", rule(per_ip)))
    account = await _account(request, action)
    if account and (per_account := settings.rate_limits_per_account.get(action)):
        keys.append((f"{action}:account:{account}", rule(per_account)))
    if not keys:
        return
    now = time.time()
    waits = [wait for key, r in keys if (wait := await hit(session, key, r, now)) is not None]
    await session.commit()  # counted even when the route then refuses and rolls back
    if waits:
        wait = max(waits)
        raise RateLimited(
            f"Bạn đã thử quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau {wait} giây.",
            wait,
        )
