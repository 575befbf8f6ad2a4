"""Jinja2 rendering with the visitor's language (Vietnamese first, English available)."""

import re
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel.numbers import format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from motcua.core.calendar import get_calendar
from motcua.core.masking import mask
from motcua.exchange.labels import (
    UNSEEN_FIELDS,
    field_label,
    outcome_label,
    purpose_label,
    registry_name,
)
from motcua.modules import domain_modules
from motcua.units.service import any_unit_name, unit_name
from motcua.web.i18n import LANGUAGES as LANGUAGES
from motcua.web.i18n import WEB as WEB
from motcua.web.i18n import translations as translations
from motcua.web.navigation import current_href, viewer_of


@cache
def templates() -> Jinja2Templates:
    roots = [str(WEB / "templates")]
    for module in domain_modules():
        folder = Path(str(resources.files(f"motcua.{module}"))) / "templates"
        if module != "web" and folder.is_dir():
            roots.append(str(folder))
    environment = Jinja2Templates(directory=roots)
    # The templates are the package's files, never changed under a running process: no stat of
    # each template (and of each one it imports) on every page to see whether it changed.
    environment.env.auto_reload = False
    environment.env.filters["urlencode_without_lang"] = _query_without_lang
    environment.env.filters["day"] = day
    environment.env.filters["moment"] = moment
    environment.env.filters["field_label"] = _field_label
    environment.env.filters["registry_name"] = _registry_name
    environment.env.filters["masked"] = mask  # core.masking: one style everywhere
    environment.env.filters["field_value"] = _field_value
    environment.env.filters["outcome_label"] = _localised(outcome_label)
    environment.env.filters["purpose_label"] = _localised(purpose_label)
    environment.env.globals["current_href"] = current_href
    environment.env.globals["unseen_fields"] = UNSEEN_FIELDS  # a result's hash, its address
    environment.env.filters["unit_name"] = unit_name
    environment.env.filters["any_unit_name"] = any_unit_name  # a former commune's too
    environment.env.filters["origin_name"] = _origin_name
    environment.env.filters["local"] = _local
    return environment


def day(value: date | datetime | str | None) -> str:
    """``{{ x | day }}``: a date as a person reads it, dd/mm/yyyy (an ISO string too); a moment
    is first put in the platform's time zone."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return value
        return day(parsed)
    if isinstance(value, datetime) and value.tzinfo:
        value = get_calendar().localise(value)
    return value.strftime("%d/%m/%Y")


def moment(value: datetime | str | None) -> str:
    """``{{ x | moment }}``: a moment as 24-hour time and dd/mm/yyyy, in the platform's zone."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            return moment(datetime.fromisoformat(value))
        except ValueError:
            return value
    if value.tzinfo:
        value = get_calendar().localise(value)
    return value.strftime("%H:%M %d/%m/%Y")


ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def field_value(value: Any, language: str) -> str:
    """A registry value as a person reads it: dates dd/mm/yyyy, yes/no in words, a record's
    parts under their names, never JSON."""
    gettext = translations(language).gettext
    if value is None or value == [] or value == "":
        return "—"
    if value is True or value is False:
        return gettext("Có") if value else gettext("Không")
    if isinstance(value, str):
        if ISO_DAY.match(value):
            return day(value)
        if ISO_MOMENT.match(value):
            return moment(value)
        return value
    if isinstance(value, dict):
        named = value.items()
        parts = (f"{field_label(k, language)}: {field_value(v, language)}" for k, v in named)
        return "; ".join(parts)
    if isinstance(value, list | tuple):
        separator = " | " if any(isinstance(v, dict) for v in value) else ", "
        return separator.join(field_value(v, language) for v in value)
    if isinstance(value, int | float):
        return str(format_decimal(value, locale=language))
    return str(value)


@pass_context
def _field_value(context: Context, value: Any) -> str:
    return field_value(value, str(context.get("lang", "vi")))


def _localised(label: Callable[[str, str], str]) -> Callable[[Context, str], str]:
    """A ``(code, locale)`` label function as a filter that reads the page's language."""

    @pass_context
    def apply(context: Context, code: str) -> str:
        return label(code, str(context.get("lang", "vi")))

    return apply


_registry_name = _localised(registry_name)


_field_label = _localised(field_label)  # ``{{ code | field_label }}``


@pass_context
def _local(context: Context, item: Any, field: str = "title") -> str:
    """``{{ task | local }}``: words that are data (a plan's or task's title, a group's label)
    in the page's language: in English mode its ``<field>_en`` when it has one, otherwise the
    Vietnamese it was written in (Babel's catalog cannot hold data)."""
    if context.get("lang") == "en":
        english = getattr(item, f"{field}_en", None)
        if english:
            return str(english)
    return str(getattr(item, field))


@pass_context
def _origin_name(context: Context, item: Any) -> str:
    """``{{ item | origin_name }}``: where a dossier item came from (kê khai, từ cơ sở dữ
    liệu, tải lên, kết quả liên thông), from a stored item or the officer's view of one."""
    from motcua.dossiers.sources import ORIGIN_NAMES, Origin, origin_of

    found = getattr(item, "origin", None)
    name = ORIGIN_NAMES[Origin(found) if found else origin_of(item)]
    return str(translations(str(context.get("lang", "vi"))).gettext(name))


def _query_without_lang(params: Any) -> str:
    kept = [(k, v) for k, v in params.multi_items() if k != "lang"]
    return urlencode(kept) + "&" if kept else ""


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
        {
            "_": gettext,
            "lang": language,
            "number": number,
            "viewer": viewer_of(request),
            "status_code": status_code,
            **context,
        },
        status_code=status_code,
    )
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie("lang", language, max_age=365 * 24 * 3600, samesite="lax")
    return response
