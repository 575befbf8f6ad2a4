"""The FastAPI application: every module's routes, static files and error mapping."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from motcua import __version__
from motcua.catalog import api as catalog_api
from motcua.catalog import pages as catalog_pages
from motcua.core import api as core_api
from motcua.core.errors import DomainError
from motcua.units import api as units_api
from motcua.web.templating import WEB, render


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
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    return app


def _is_page(request: Request) -> bool:
    return not request.url.path.startswith("/api/")


async def _domain_error(request: Request, error: DomainError) -> Response:
    if _is_page(request):
        return render(request, "error.html", {"messages": [error.message]}, error.status_code)
    return JSONResponse(
        {"code": error.code, "message": error.message, **error.details},
        status_code=error.status_code,
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


async def _validation_error(request: Request, error: RequestValidationError) -> Response:
    """422 naming each bad parameter, in words a person can act on (a page for pages)."""
    problems: list[dict[str, Any]] = []
    for e in error.errors():
        location = [str(part) for part in e["loc"] if part not in ("query", "path", "body")]
        name = ".".join(location) or "request"
        problems.append({"parameter": name, "message": e["msg"], "input": str(e.get("input"))})
    names = ", ".join(p["parameter"] for p in problems)
    if _is_page(request):
        messages = [f"Giá trị của “{p['parameter']}” không hợp lệ." for p in problems]
        return render(request, "error.html", {"messages": messages}, 422)
    return JSONResponse(
        {
            "code": "invalid-parameter",
            "message": f"Tham số không hợp lệ: {names}.",
            "errors": problems,
        },
        status_code=422,
    )
