"""One input policy for every route (invariant 7: no input, however malformed or large, causes a
5xx). Two parts:

- ``BodyLimit``, an ASGI middleware: a request body is counted before anything parses it and
  refused with 413 past its route's cap (multipart forms carry one upload; everything else,
  JSON included, is small), so a 200 MiB body never reaches memory or a parser.
- ``check``, a dependency every route runs first: control characters (NUL and the other C0
  characters but tab and line breaks, and DEL) in a query, path, form or JSON value are refused
  with a 422 naming the field, and an integer query or path parameter outside its column's
  range (int32) is refused the same way, before a database sees either.
"""

import json
import re
from collections.abc import Iterator
from typing import Any, get_args

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.datastructures import UploadFile
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from motcua.core.settings import get_settings

INT32 = 2**31 - 1
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A JSON text carries control characters only as escapes (\b and \f among them) or, for DEL,
# raw; when one may be there, the body is read to name the field. Long digit runs are read
# too: an integer past int32 may not reach an int32 column.
JSON_SUSPECT = re.compile(rb"\\u00[01][0-9a-fA-F]|\\u007[fF]|\\[bf]|\x7f|\d{10,}")
CONTROL_MESSAGE = "contains a control character (NUL or another non-printing character)"
RANGE_MESSAGE = f"must be an integer between {-INT32 - 1} and {INT32}"
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _problem(location: tuple[str, ...], message: str, kind: str) -> dict[str, Any]:
    # No ``input``: the refused value is never echoed back.
    return {"type": kind, "loc": location, "msg": message}


def _json_problems(value: Any, location: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    if isinstance(value, str):
        if CONTROL.search(value):
            yield _problem(location, CONTROL_MESSAGE, "control_character")
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if not -INT32 - 1 <= value <= INT32:
            yield _problem(location, RANGE_MESSAGE, "int_out_of_range")
    elif isinstance(value, dict):
        for key, item in value.items():
            if CONTROL.search(key):
                yield _problem((*location, "(key)"), CONTROL_MESSAGE, "control_character")
            yield from _json_problems(item, (*location, str(key)[:64]))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _json_problems(item, (*location, str(n)))


def _integers(dependant: Dependant) -> Iterator[str]:
    for param in dependant.query_params + dependant.path_params:
        annotation = param.field_info.annotation
        if annotation is int or int in get_args(annotation):  # int, or int | None
            yield param.alias
    for sub in dependant.dependencies:
        yield from _integers(sub)


_INT_PARAMS: dict[int, frozenset[str]] = {}


def _int_params(request: Request) -> frozenset[str]:
    """Names of the route's integer query and path parameters (its dependencies' too)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return frozenset()
    found = _INT_PARAMS.get(id(route))
    if found is None:
        found = _INT_PARAMS[id(route)] = frozenset(_integers(route.dependant))
    return found


def _past_int32(value: str) -> bool:
    text = value.strip()
    return bool(re.fullmatch(r"[+-]?\d+", text)) and not -INT32 - 1 <= int(text) <= INT32


async def check(request: Request) -> None:
    """Refuse control characters anywhere a person can type, and integers past their column."""
    problems: list[dict[str, Any]] = []
    integers = _int_params(request)
    for where, pairs in (
        ("query", request.query_params.multi_items()),
        ("path", list(request.path_params.items())),
    ):
        for name, value in pairs:
            if not isinstance(value, str):
                continue
            if CONTROL.search(value) or CONTROL.search(name):
                problems.append(_problem((where, name[:64]), CONTROL_MESSAGE, "control_character"))
            elif name in integers and _past_int32(value):
                problems.append(_problem((where, name), RANGE_MESSAGE, "int_out_of_range"))
    if request.method in BODY_METHODS:
        problems += await _body_problems(request)
    if problems:
        raise RequestValidationError(problems)


async def _body_problems(request: Request) -> list[dict[str, Any]]:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        problems = []
        for name, value in (await request.form()).multi_items():
            text = value.filename or "" if isinstance(value, UploadFile) else value
            if CONTROL.search(text) or CONTROL.search(name):
                problems.append(_problem(("body", name[:64]), CONTROL_MESSAGE, "control_character"))
        return problems
    if kind == "application/json" or kind.endswith("+json"):
        body = await request.body()
        if not JSON_SUSPECT.search(body):
            return []
        try:
            parsed = json.loads(body)
        except ValueError:
            return []  # the route's own parsing answers 422 for that
        return list(_json_problems(parsed, ("body",)))
    return []


class BodyLimit:
    """Cap each request's body before the app reads it: 413 past the route's cap."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    @staticmethod
    def cap(path: str, content_type: str) -> int:
        settings = get_settings()
        for prefix, limit in settings.body_max_bytes_by_path.items():
            if path.startswith(prefix):
                return limit
        if content_type.startswith("multipart/form-data"):
            return settings.upload_max_bytes + settings.body_max_bytes
        return settings.body_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        cap = self.cap(scope["path"], headers.get("content-type", "").lower())
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            await self._refuse(scope, send, cap)
            return
        chunks, size = [], 0
        while True:  # read it all (as the app would), counting, before the app sees any
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > cap:
                await self._refuse(scope, send, cap)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body, sent = b"".join(chunks), False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(scope: Scope, send: Send, cap: int) -> None:
        limit = f"{cap / 1024 / 1024:.0f} MB" if cap >= 1024 * 1024 else f"{cap // 1024} KB"
        message = f"Dữ liệu gửi lên quá lớn: tối đa {limit} cho địa chỉ này."
        if scope["path"].startswith("/api/"):
            body = json.dumps(
                {"code": "body-too-large", "message": message, "max_bytes": cap},
                ensure_ascii=False,
            ).encode()
            kind = b"application/json"
        else:
            body = (
                '<!doctype html><html lang="vi"><meta charset="utf-8"><title>Dữ liệu quá lớn'
                f"</title><main><h1>Dữ liệu quá lớn</h1><p>{message}</p>"
                '<p><a href="/">Về trang chủ</a></p></main></html>'
            ).encode()
            kind = b"text/html; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", kind),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
