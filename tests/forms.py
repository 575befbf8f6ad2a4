"""Posting page forms as a browser does: the hidden token is read from a page the same session
was given (``identity.csrf``), never computed by the test."""

import re

import httpx

TOKEN = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]*)">')


def token_in(html: str) -> str:
    found = TOKEN.search(html)
    assert found, "the page has no form with a token"
    return found.group(1)


async def token_from(
    client: httpx.AsyncClient, url: str, headers: dict[str, str] | None = None
) -> str:
    """Open a page with a form, as the person would before posting it, and read its token."""
    page = await client.get(url, headers=headers)
    return token_in(page.text)
