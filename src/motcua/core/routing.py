"""Route matching that does not try a module's routes on a path none of them can match.

FastAPI tries every included router in turn, and each of them every route it holds, until one
matches: with some thirty module routers and two hundred routes, a request for a path near the
end of the list (the officer's queue, the officer's pages) spent about a millisecond of CPU
finding its route. A module's paths start with a few fixed segments ("/api/v1/workflow",
"/can-bo", "/ho-so" ...), so a path that starts otherwise than all of them is answered "no
match" at once; anything else is matched by FastAPI as before, so which route answers a request
does not change.
"""

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import Scope

DEPTH = 3  # leading segments compared: "/api/v1/workflow" tells the API routers apart


def leading_segments(path: str) -> tuple[str, ...]:
    """ "/can-bo/ho-so/X" -> ("can-bo", "ho-so", "X"); "/" -> ("",); at most DEPTH of them."""
    return tuple(path.lstrip("/").split("/", DEPTH)[:DEPTH])


def literal_prefix(path: str) -> tuple[str, ...]:
    """The segments a route's path starts with before its first parameter."""
    literal = []
    for segment in leading_segments(path):
        if "{" in segment:
            break
        literal.append(segment)
    return tuple(literal)


def route_prefixes(routes: list[BaseRoute], prefix: str = "") -> frozenset[tuple[str, ...]] | None:
    """The literal starts of the routes' paths; None when one of them is of a kind not known
    here or starts with a parameter (it may match any path)."""
    found: set[tuple[str, ...]] = set()
    for route in routes:
        original = getattr(route, "original_router", None)  # a router included in this one
        if isinstance(original, APIRouter):
            context = getattr(route, "include_context", None)
            inner = route_prefixes(original.routes, prefix + getattr(context, "prefix", ""))
            if inner is None:
                return None
            found |= inner
            continue
        if not isinstance(route, APIRoute | Route | Mount):
            return None
        start = literal_prefix(prefix + route.path)
        if not start:
            return None
        found.add(start)
    return frozenset(found)


class SegmentRouter(APIRouter):
    """One module's router, included as it is, that declines at once a path that starts
    otherwise than every one of its routes."""

    def __init__(self, module_router: APIRouter) -> None:
        super().__init__()
        self.include_router(module_router)
        self.prefixes = route_prefixes(self.routes)
        self.lengths = sorted({len(start) for start in self.prefixes or ()})

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if self.prefixes is not None:
            segments = leading_segments(get_route_path(scope))
            if not any(segments[:length] in self.prefixes for length in self.lengths):
                return Match.NONE, {}
        return super().matches(scope)
