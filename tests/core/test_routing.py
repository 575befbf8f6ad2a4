"""Route matching skips the module routers a path cannot belong to, and nothing else changes:
every route of the platform is still found by its own router, and an unknown path is a 404."""

import re
from typing import Any

import httpx
from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.routing import Match

from motcua.app import create_app
from motcua.core.routing import SegmentRouter, route_prefixes


def _scope(method: str, path: str) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", path)


def _api_routes(router: APIRouter, prefix: str = "") -> list[tuple[str, str]]:
    """(method, path) of every route, with the prefixes it is included under."""
    found: list[tuple[str, str]] = []
    for route in router.routes:
        original = getattr(route, "original_router", None)
        if isinstance(original, APIRouter):
            found.extend(_api_routes(original, prefix + route.include_context.prefix))  # type: ignore[attr-defined]
        elif isinstance(route, APIRoute):
            found.append((sorted(route.methods)[0], prefix + route.path))
    return found


def test_every_route_is_matched_by_its_own_router_and_declined_by_the_others() -> None:
    app = create_app()
    entries = [
        r
        for r in app.router.routes
        if isinstance(getattr(r, "original_router", None), SegmentRouter)
    ]
    assert len(entries) > 20  # every module's api and pages
    checked = 0
    for entry in entries:
        for method, path in _api_routes(entry.original_router):  # type: ignore[attr-defined]
            match, _ = entry.matches(_scope(method, _concrete(path)))
            assert match == Match.FULL, path
            checked += 1
    assert checked > 150
    # A path under a prefix nobody has is declined by every module router at once.
    assert all(
        entry.matches(_scope("GET", "/khong-co/trang/nay"))[0] == Match.NONE for entry in entries
    )


def test_a_router_whose_path_starts_with_a_parameter_is_always_tried() -> None:
    router = APIRouter()

    @router.get("/{anything}/a")
    async def anything() -> None: ...

    assert route_prefixes(router.routes) is None
    wrapped = SegmentRouter(router)
    assert wrapped.prefixes is None


def test_prefixes_are_the_literal_starts_of_the_paths() -> None:
    router = APIRouter(prefix="/api/v1/workflow")

    @router.get("/queue")
    async def queue() -> None: ...

    @router.get("/cases/{code}/steps")
    async def steps() -> None: ...

    pages = APIRouter()

    @pages.get("/")
    async def home() -> None: ...

    pages.include_router(router)
    pages.include_router(APIRouter(routes=[APIRoute("/ho-so/{code}", home)]), prefix="/can-bo")
    assert route_prefixes(pages.routes) == {("",), ("api", "v1", "workflow"), ("can-bo", "ho-so")}


async def test_unknown_and_known_paths_answer_as_before(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/v1/khong-co")
    assert missing.status_code == 404
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/api/v1/workflow/queue")).status_code == 401
    page = await client.get("/khong-co-trang-nay")
    assert page.status_code == 404
    assert "text/html" in page.headers["content-type"]
