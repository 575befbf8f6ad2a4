"""The FastAPI application: every module's routes, static files and error mapping."""

import asyncio
import gc
import importlib.util
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from motcua import __version__
from motcua.core import inputs, logs, ratelimit, tracing
from motcua.core.database import (
    UNAVAILABLE_CAUSES,
    ReadYourWrites,
    database_unavailable,
    dispose_autocommit_pools,
    get_replica_engine,
    get_sessionmaker,
)
from motcua.core.errors import DomainError
from motcua.core.headers import SecurityHeaders
from motcua.core.inputs import BodyLimit
from motcua.core.observability import RequestContext
from motcua.core.process import freeze_startup_heap, freeze_warm_heap
from motcua.core.production import refuse_public_defaults
from motcua.core.routing import SegmentRouter
from motcua.core.settings import get_settings
from motcua.exchange.config import get_exchange_settings
from motcua.exchange.connectors import close_registry_transport
from motcua.exchange.tasks import keep_sealing
from motcua.identity import csrf
from motcua.identity.auth import LoginRequired, login_redirect
from motcua.modules import domain_modules
from motcua.web.i18n import parameter_message
from motcua.web.templating import WEB, render, templates


@asynccontextmanager
async def _lifespan(_: FastAPI) -> AsyncIterator[None]:
    every = get_exchange_settings().seal_seconds
    sealing = asyncio.create_task(keep_sealing(get_sessionmaker(), every)) if every else None
    freeze_startup_heap()
    freezer = freeze_warm_heap()
    yield
    if freezer in gc.callbacks:
        gc.callbacks.remove(freezer)
    if sealing is not None:
        sealing.cancel()
    await close_registry_transport()  # the keep-alive connections to the registries
    await dispose_autocommit_pools()
    replica = get_replica_engine()
    if replica is not None:
        await replica.dispose()


def create_app() -> FastAPI:
    refuse_public_defaults()  # production never starts with the demo's public secrets
    logs.install()  # personal numbers masked in every log line (``core.logs``)
    app = FastAPI(
        lifespan=_lifespan,
        title="motcua",
        version=__version__,
        description="Dịch vụ công trực tuyến toàn trình và hệ thống giám sát.",
        openapi_url="/openapi.json",
        docs_url="/docs",
        # One check of every page form's token, before any route (``identity.csrf``).
        # The input policy (``core.inputs``) first: no control character or out-of-range
        # integer reaches a route, a form token check or the database.
        dependencies=[Depends(inputs.check), Depends(csrf.protect), Depends(ratelimit.check)],
    )
    app.add_middleware(BodyLimit)
    app.add_middleware(ReadYourWrites)
    app.add_middleware(SecurityHeaders)  # every answer has them, a 413 too
    app.add_middleware(RequestContext)  # outermost: an id and a duration for every request
    tracing.install(app)  # off by default; spans carry the request id (core.tracing)
    templates().env.globals["csrf_field"] = csrf.field
    for router in _routers():
        app.include_router(SegmentRouter(router))
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    if get_settings().demo:
        from motcua.sandbox import sms  # noqa: F401  (registers the recording SMS gateway)
        from motcua.sandbox.registries import create_sandbox_app

        app.mount("/sandbox/registries", create_sandbox_app())

        from motcua.sandbox.oidc import create_oidc_app

        # One provider across worker processes: key and spent codes under the storage folder.
        shared = get_settings().storage_dir / "sandbox-oidc"
        app.mount("/sandbox/oidc", create_oidc_app(shared_dir=shared))
    app.add_exception_handler(DomainError, _domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(LoginRequired, _login_required)
    for cause in UNAVAILABLE_CAUSES:
        app.add_exception_handler(cause, _unavailable)
    return app


def _routers() -> list[APIRouter]:
    """Every module's ``api.router`` and ``pages.router``: a module brings its own routes."""
    routers = []
    for name in domain_modules():
        for part in ("api", "pages"):
            if importlib.util.find_spec(f"motcua.{name}.{part}") is not None:
                routers.append(importlib.import_module(f"motcua.{name}.{part}").router)
    return routers


async def _login_required(request: Request, _: Exception) -> Response:
    return login_redirect(request)


def _is_page(request: Request) -> bool:
    return not request.url.path.startswith("/api/")


async def _domain_error(request: Request, error: DomainError) -> Response:
    if _is_page(request):
        page = render(request, "error.html", {"messages": [error.message]}, error.status_code)
        page.headers.update(getattr(error, "headers", None) or {})
        return page
    return JSONResponse(
        {"code": error.code, "message": error.message, **error.details},
        status_code=error.status_code,
        headers=getattr(error, "headers", None),
    )


UNAVAILABLE_MESSAGE = (
    "Hệ thống tạm thời không phục vụ được yêu cầu này; chưa có gì được ghi lại. "
    "Vui lòng thử lại sau ít giây."
)
# The error page adds "nothing was changed, try again in a few minutes" itself.
UNAVAILABLE_PAGE_MESSAGE = "Hệ thống đang tạm gián đoạn nên chưa xử lý được yêu cầu của bạn."
UNAVAILABLE_RETRY_AFTER_S = 2


async def _unavailable(request: Request, error: Exception) -> Response:
    """The database out of reach (stopped, restarting, a connection cut): 503 with Retry-After,
    at once, instead of a 500; the request's transaction was rolled back, so a retry is safe,
    and the next request opens a fresh connection. Any other error of these kinds is a bug and
    stays a 500."""
    if not database_unavailable(error):
        raise error
    headers = {"Retry-After": str(UNAVAILABLE_RETRY_AFTER_S)}
    if _is_page(request):
        page = render(request, "error.html", {"messages": [UNAVAILABLE_PAGE_MESSAGE]}, 503)
        page.headers.update(headers)
        return page
    return JSONResponse(
        {"code": "temporarily-unavailable", "message": UNAVAILABLE_MESSAGE},
        status_code=503,
        headers=headers,
    )


HTTP_MESSAGES = {
    404: "Không có trang hoặc địa chỉ này.",
    405: "Địa chỉ này không nhận phương thức đó.",
}


async def _http_error(request: Request, error: StarletteHTTPException) -> Response:
    message = HTTP_MESSAGES.get(error.status_code, str(error.detail))
    if _is_page(request):
        return render(request, "error.html", {"messages": [message]}, error.status_code)
    return JSONResponse(
        {"code": f"http-{error.status_code}", "message": message},
        status_code=error.status_code,
        headers=error.headers,
    )


ECHO_MAX = 200
MAX_PROBLEMS = 20
CONTROL_PAGE_MESSAGE = (
    "Nội dung bạn gửi có ký tự điều khiển không in được (ví dụ ký tự NUL), thường do dán từ "
    "phần mềm khác. Vui lòng xóa ký tự đó, gõ lại nội dung rồi gửi lại."
)


async def _validation_error(request: Request, error: RequestValidationError) -> Response:
    """422 naming each bad parameter, in words a person can act on (a page for pages)."""
    problems: list[dict[str, Any]] = []
    for e in error.errors()[:MAX_PROBLEMS]:
        location = [str(part) for part in e["loc"] if part not in ("query", "path", "body")]
        name = ".".join(location)[:ECHO_MAX] or "request"
        problem = {"parameter": name, "message": str(e["msg"])[:ECHO_MAX]}
        if "input" in e:  # echoed only when short: a large input never comes back
            shown = str(e["input"])
            problem["input"] = shown if len(shown) <= ECHO_MAX else shown[:ECHO_MAX] + "…"
        problems.append(problem)
    names = ", ".join(p["parameter"] for p in problems)
    if _is_page(request):
        messages = [
            CONTROL_PAGE_MESSAGE
            if e["type"] == "control_character"
            else parameter_message(p["parameter"])
            for e, p in zip(error.errors(), problems, strict=False)
        ]
        return render(request, "error.html", {"messages": list(dict.fromkeys(messages))}, 422)
    return JSONResponse(
        {
            "code": "invalid-parameter",
            "message": f"Tham số không hợp lệ: {names}.",
            "errors": problems,
        },
        status_code=422,
    )
