"""The input policy of every route (core.inputs): control characters in any string field are
refused with a 422 naming the field, integers are bounded by their int32 columns, bodies are
capped before parsing, and an error never echoes a large input. The operations come from the
app's own OpenAPI document, so a new route is covered the day it is added."""

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motcua.app import _routers, create_app
from motcua.core.inputs import CONTROL

REFUSED = [chr(c) for c in [*range(0, 32), 127] if chr(c) not in "\t\n\r"]
SAMPLE = ["\x00", "\x08", "\x1b", "\x7f"]  # per parameter; the property test draws from all
SPEC = create_app().openapi()
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=20)


def _operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in SPEC["paths"].items():
        for method, operation in operations.items():
            yield method.upper(), path, operation


def _url(path: str, fill: dict[str, str]) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: fill.get(m.group(1), "x"), path)


def _params(kind: str) -> list[tuple[str, str, str, str]]:
    """(method, path, where, name) of every query and path parameter of the given type."""
    found = []
    for method, path, operation in _operations():
        for p in operation.get("parameters", []):
            schema = p.get("schema", {})
            types = {schema.get("type")} | {s.get("type") for s in schema.get("anyOf", [])}
            if p["in"] in ("query", "path") and kind in types:
                found.append((method, path, p["in"], p["name"]))
    return found


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = SPEC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _json_string_fields() -> list[tuple[str, str, str]]:
    found = []
    for method, path, operation in _operations():
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            continue
        schema = _resolve(content["application/json"]["schema"])
        for name, prop in schema.get("properties", {}).items():
            prop = _resolve(prop)
            types = {prop.get("type")} | {_resolve(s).get("type") for s in prop.get("anyOf", [])}
            if "string" in types:
                found.append((method, path, name))
    return found


def _form_fields() -> list[tuple[str, str, str]]:
    """(method, path, field) of every form field a route declares, and for every other route
    that takes a body a field it reads from the raw form (workflow actions, report forms,
    drafts): the policy checks every field of every form, declared or not."""
    from fastapi.params import File, Form
    from fastapi.routing import APIRoute

    from tests.test_authz import ROUTES

    declared: dict[tuple[str, str], list[str]] = {}

    def walk(routes: list[Any], prefix: str) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                names = [
                    p.alias
                    for p in route.dependant.body_params
                    if isinstance(p.field_info, Form) and not isinstance(p.field_info, File)
                ]
                for method in route.methods:
                    declared[(method, prefix + route.path)] = names
            elif hasattr(route, "original_router"):
                walk(route.original_router.routes, prefix + route.include_context.prefix)

    for router in _routers():
        walk(router.routes, "")
    found = []
    for route in ROUTES:
        method, path = route.split(" ", 1)
        if method in ("POST", "PUT", "PATCH"):
            found += [(method, path, n) for n in declared.get((method, path)) or ["ghi_chu"]]
    return found


STRING_PARAMS = _params("string")
INT_PARAMS = _params("integer")
JSON_FIELDS = _json_string_fields()
FORM_FIELDS = _form_fields()


def _named(response: httpx.Response, name: str) -> None:
    assert response.status_code == 422, (response.status_code, response.text[:300])
    body = response.json()
    assert body["code"] == "invalid-parameter"
    assert name in [e["parameter"] for e in body["errors"]]


def test_the_operations_have_fields_to_probe() -> None:
    assert len(STRING_PARAMS) > 40 and len(INT_PARAMS) >= 5 and len(JSON_FIELDS) > 20


async def test_control_characters_in_any_query_or_path_parameter(
    client: httpx.AsyncClient,
) -> None:
    for method, path, where, name in STRING_PARAMS:
        for char in SAMPLE:
            value = f"a{char}b"
            if where == "path":
                url, params = _url(path, {name: value.replace(char, f"%{ord(char):02X}")}), {}
            else:
                url, params = _url(path, {}), {name: value}
            response = await client.request(method, url, params=params)
            assert response.status_code != 500
            if where == "path" and response.status_code in (404, 405):
                continue  # a path that no longer matches the route is not found
            _named(response, name)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    field=st.sampled_from(JSON_FIELDS),
    char=st.sampled_from(REFUSED),
    before=TEXT,
    after=TEXT,
)
async def test_control_characters_in_any_json_string_field(
    client: httpx.AsyncClient, field: tuple[str, str, str], char: str, before: str, after: str
) -> None:
    """Property: whatever surrounds it, a control character in any string field of any JSON
    body is a 422 naming that field, before any login or lookup."""
    method, path, name = field
    response = await client.request(method, _url(path, {}), json={name: before + char + after})
    _named(response, name)
    assert char not in response.text and "\\u00" not in response.text


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    field=st.sampled_from(FORM_FIELDS),
    char=st.sampled_from(REFUSED),
    before=TEXT,
    after=TEXT,
)
async def test_control_characters_in_any_form_field_of_any_route(
    client: httpx.AsyncClient, field: tuple[str, str, str], char: str, before: str, after: str
) -> None:
    """Property: a control character in any form field of any route that takes a body (pages
    and API, declared fields or read from the raw form) is refused before anything else runs:
    a 422 naming the field, and on pages the Vietnamese sentence saying what to do."""
    method, path, name = field
    response = await client.request(method, _url(path, {}), data={name: before + char + after})
    if path.startswith("/api/"):
        _named(response, name)
    else:
        assert response.status_code == 422, (method, path, response.status_code)
        assert "ký tự điều khiển" in response.text
    assert char not in response.text


def test_every_route_that_takes_a_body_has_form_fields_to_probe() -> None:
    assert len(FORM_FIELDS) > 60
    assert ("POST", "/login", "password") in FORM_FIELDS
    assert ("POST", "/can-bo/ho-so/{code}/{action}", "ghi_chu") in FORM_FIELDS


@pytest.mark.parametrize("value", [2**31, -(2**31) - 1, 2**63, 10**30])
async def test_integers_past_int32_are_refused(client: httpx.AsyncClient, value: int) -> None:
    for method, path, where, name in INT_PARAMS:
        if where == "path":
            url, params = _url(path, {name: str(value)}), {}
        else:
            url, params = _url(path, {}), {name: str(value)}
        _named(await client.request(method, url, params=params), name)


async def test_an_integer_past_int32_in_a_json_body_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/monitoring/reports", json={"values": {"t": 2**40}})
    _named(response, "values.t")


async def test_pages_refuse_control_characters_in_vietnamese(client: httpx.AsyncClient) -> None:
    for url, form in (
        ("/tra-cuu", {"code": "H01\x00", "secret": "abc"}),
        ("/login", {"username": "a\x00", "password": "x"}),
    ):
        response = await client.post(url, data=form)
        assert response.status_code == 422, (url, response.text[:300])
        assert "ký tự điều khiển" in response.text and "\x00" not in response.text


async def test_a_file_name_with_a_control_character_is_refused(client: httpx.AsyncClient) -> None:
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="to\x01khai.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n%%EOF\r\n--b--\r\n"
    )
    response = await client.post(
        "/api/v1/uploads",
        content=body,
        headers={"content-type": "multipart/form-data; boundary=b"},
    )
    _named(response, "file")


async def test_bodies_past_their_cap_are_refused_before_parsing(client: httpx.AsyncClient) -> None:
    big = b'{"procedure_code": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    declared = await client.post(
        "/api/v1/applications", content=big, headers={"content-type": "application/json"}
    )
    assert declared.status_code == 413 and declared.json()["code"] == "body-too-large"
    assert len(declared.content) < 1000

    async def chunks() -> Any:  # no Content-Length: counted as it arrives
        for n in range(0, len(big), 65536):
            yield big[n : n + 65536]

    streamed = await client.post(
        "/api/v1/applications", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413 and len(streamed.content) < 1000
    page = await client.post("/tra-cuu", content=b"code=" + b"x" * (2 * 1024 * 1024))
    assert page.status_code == 413 and "quá lớn" in page.text


async def test_an_error_never_echoes_a_large_input(client: httpx.AsyncClient) -> None:
    large = "x" * (900 * 1024)  # under the body cap: the route's own validation refuses it
    response = await client.post(
        "/api/v1/applications", json={"procedure_code": large, "values": large}
    )
    assert 400 <= response.status_code < 500
    assert len(response.content) < 4096
    assert large[:1000] not in response.text


def test_the_pattern_refuses_exactly_the_control_characters() -> None:
    assert all(CONTROL.search(c) for c in REFUSED)
    assert not any(CONTROL.search(c) for c in "\t\n\r aĐờ€😀")
    assert json.dumps("\x00") == '"\\u0000"'
