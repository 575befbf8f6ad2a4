"""The FastAPI application: every module's routes, static files and error mapping."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from motcua import __version__
from motcua.catalog import api as catalog_api
from motcua.catalog import pages as catalog_pages
from motcua.core import api as core_api
from motcua.core.errors import DomainError
from motcua.units import api as units_api
from motcua.web.templating import WEB


def create_app() -> FastAPI:
    app = FastAPI(
        title="motcua",
        version=__version__,
        description="Dịch vụ công trực tuyến toàn trình và hệ thống giám sát.",
        openapi_url="/openapi.json",
        docs_url="/docs",
    )
    for router in (core_api.router, units_api.router, catalog_api.router, catalog_pages.router):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    app.add_exception_handler(DomainError, _domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    return app


async def _domain_error(_: Request, error: DomainError) -> JSONResponse:
    return JSONResponse(
        {"code": error.code, "message": error.message, **error.details},
        status_code=error.status_code,
    )


async def _validation_error(_: Request, error: RequestValidationError) -> JSONResponse:
    """422 naming each bad parameter, in words a person can act on."""
    problems: list[dict[str, Any]] = []
    for e in error.errors():
        location = [str(part) for part in e["loc"] if part not in ("query", "path", "body")]
        name = ".".join(location) or "request"
        problems.append({"parameter": name, "message": e["msg"], "input": e.get("input")})
    names = ", ".join(p["parameter"] for p in problems)
    return JSONResponse(
        {
            "code": "invalid-parameter",
            "message": f"Tham số không hợp lệ: {names}.",
            "errors": problems,
        },
        status_code=422,
    )
