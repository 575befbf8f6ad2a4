"""Jinja2 rendering with the visitor's language (Vietnamese first, English available)."""

import io
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from motcua.modules import domain_modules
from motcua.units.service import unit_name

LANGUAGES = ("vi", "en")
WEB = Path(str(resources.files("motcua.web")))


@cache
def templates() -> Jinja2Templates:
    roots = [str(WEB / "templates")]
    for module in domain_modules():
        folder = Path(str(resources.files(f"motcua.{module}"))) / "templates"
        if module != "web" and folder.is_dir():
            roots.append(str(folder))
    environment = Jinja2Templates(directory=roots)
    environment.env.filters["urlencode_without_lang"] = _query_without_lang
    environment.env.filters["unit_name"] = unit_name
    return environment


def _query_without_lang(params: Any) -> str:
    kept = [(k, v) for k, v in params.multi_items() if k != "lang"]
    return urlencode(kept) + "&" if kept else ""


@cache
def translations(language: str) -> NullTranslations:
    """Vietnamese is the source language; other languages come from ``locales/<lang>``."""
    po = WEB / "locales" / language / "LC_MESSAGES" / "messages.po"
    if language == "vi" or not po.exists():
        return NullTranslations()
    with po.open("rb") as source:
        catalog = read_po(source, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def language_of(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get("lang")
    return chosen if chosen in LANGUAGES else "vi"


def render(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    language = language_of(request)
    gettext = translations(language).gettext

    def number(value: float | int) -> str:
        return str(format_decimal(value, locale=language))

    response = templates().TemplateResponse(
        request,
        template,
        {"_": gettext, "lang": language, "number": number, **context},
        status_code=status_code,
    )
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie("lang", language, max_age=365 * 24 * 3600, samesite="lax")
    return response
