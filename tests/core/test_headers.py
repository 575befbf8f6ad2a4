"""Every response carries the security headers; no template has an inline script or handler
the CSP would have to allow."""

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from motcua.core.settings import get_settings

SOURCE = Path(__file__).parents[2] / "src" / "motcua"
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|javascript:", re.IGNORECASE)


@pytest.fixture
def hsts(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("MOTCUA_HSTS_SECONDS", "31536000")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/api/v1/procedures",
        "/no-such-page",
        "/api/v1/no-such",
        "/sandbox/oidc/.well-known/openid-configuration",
    ],
)
async def test_every_answer_has_the_headers(client: httpx.AsyncClient, url: str) -> None:
    response = await client.get(url)
    csp = response.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["frame-ancestors"] == "'none'"
    assert directives["script-src"] == "'self'" and "unsafe" not in directives["default-src"]
    assert directives["object-src"] == "'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in response.headers  # plain HTTP by default


async def test_a_refused_body_has_them_too(client: httpx.AsyncClient) -> None:
    response = await client.post("/tra-cuu", content=b"x" * (3 * 1024 * 1024))
    assert response.status_code == 413
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_hsts_when_the_deployment_says_so(hsts: None, client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


def test_no_template_has_an_inline_script_or_handler() -> None:
    templates = list(SOURCE.rglob("*.html"))
    assert len(templates) > 20
    found = [
        f"{t.relative_to(SOURCE)}: {m.group(0)}"
        for t in templates
        for m in INLINE.finditer(t.read_text("utf-8"))
    ]
    assert not found
