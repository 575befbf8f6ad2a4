"""Declarations (tờ khai) as data: each procedure's declaration is a JSON Schema object in the
catalog. The form is generated from it, what a person types is validated against it with
messages in Vietnamese, and the officer and the signed result read it with the same titles.

The schema uses a small, checked part of JSON Schema 2020-12: an object whose properties are
strings (``maxLength``, ``pattern``, ``enum``, ``format: date``) or booleans, each with a
Vietnamese ``title``; ``required`` lists what must be filled. Two keywords of its own:
``x-prefill`` ("<requirement key>.<field>", a value a registry delivered, offered as the
default) and ``x-not-future`` (a date that cannot be after today).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

LONG_TEXT = 300  # longer strings get a text area, shorter ones a line
# The generic declaration's questions (applications.forms, the counter's desk), titled here too
# so that an answer filed under them reads as words wherever the procedure's own schema differs.
GENERIC_TITLES = {
    "noi_dung": "Nội dung đề nghị",
    "so_dien_thoai": "Số điện thoại liên hệ",
    "cam_doan": "Lời cam đoan",
}
# An answer whose key no declaration titles: said in words, never the key itself.
UNTITLED = "Nội dung khác đã kê khai"


@dataclass(frozen=True)
class Spec:
    """One question of the declaration as the form asks it."""

    name: str
    label: str
    kind: Literal["line", "text", "date", "select", "checkbox"]
    required: bool
    max_length: int
    options: tuple[str, ...] = ()
    prefill: str | None = None


def schema_problems(schema: Mapping[str, Any]) -> list[str]:
    """Why a catalog's declaration schema cannot be used (empty: it can)."""
    try:
        Draft202012Validator.check_schema(dict(schema))
    except SchemaError as error:
        return [f"lược đồ tờ khai không hợp lệ: {error.message}"]
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        return ["lược đồ tờ khai phải là một đối tượng có các mục (properties)"]
    problems = []
    for name, prop in schema["properties"].items():
        if not isinstance(prop, dict) or not prop.get("title"):
            problems.append(f"mục “{name}” của tờ khai cần tiêu đề (title) tiếng Việt")
        elif prop.get("type") not in ("string", "boolean"):
            problems.append(f"mục “{name}” chỉ được là chữ, ngày, lựa chọn hoặc có/không")
    for name in schema.get("required", []):
        if name not in schema["properties"]:
            problems.append(f"mục bắt buộc “{name}” không có trong tờ khai")
    return problems


def specs(schema: Mapping[str, Any]) -> list[Spec]:
    required = set(schema.get("required", []))
    out = []
    for name, prop in schema["properties"].items():
        kind: Literal["line", "text", "date", "select", "checkbox"]
        if prop.get("type") == "boolean":
            kind = "checkbox"
        elif "enum" in prop:
            kind = "select"
        elif prop.get("format") == "date":
            kind = "date"
        else:
            kind = "text" if prop.get("maxLength", LONG_TEXT + 1) > LONG_TEXT else "line"
        out.append(
            Spec(
                name=name,
                label=prop["title"],
                kind=kind,
                required=name in required,
                max_length=int(prop.get("maxLength", 10 if kind == "date" else 2000)),
                options=tuple(str(o) for o in prop.get("enum", ())),
                prefill=prop.get("x-prefill"),
            )
        )
    return out


def _clean(schema: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """The declaration's own answers (the form adds its oath), empty ones left out so that
    ``required`` catches them."""
    return {k: v for k, v in values.items() if k in schema["properties"] and v not in ("", None)}


def problems(
    schema: Mapping[str, Any], values: Mapping[str, Any], today: date, *, required: bool = True
) -> list[tuple[str, str]]:
    """(field, Vietnamese message) for every answer the declaration does not accept; with
    ``required=False`` answers not given yet are not reported (a draft being saved)."""
    properties = schema["properties"]

    def title(name: str) -> str:
        return str(properties.get(name, {}).get("title", name))

    found: list[tuple[str, str]] = []
    given = _clean(schema, values)
    validator = Draft202012Validator(dict(schema), format_checker=FormatChecker())
    for error in validator.iter_errors(given):
        name = str(error.path[0]) if error.path else ""
        if error.validator == "required":
            if not required:
                continue
            missing = str(error.message).split("'")[1]
            found.append((missing, f"Chưa điền “{title(missing)}”."))
        elif error.validator == "enum":
            found.append((name, f"“{title(name)}”: hãy chọn một giá trị trong danh sách."))
        elif error.validator == "format":
            found.append((name, f"“{title(name)}”: ngày không hợp lệ (ngày/tháng/năm)."))
        elif error.validator == "maxLength":
            limit = properties[name]["maxLength"]
            found.append((name, f"“{title(name)}” dài quá {limit} ký tự."))
        elif error.validator == "pattern":
            hint = properties[name].get("description", "")
            found.append((name, f"“{title(name)}” không đúng dạng. {hint}".strip()))
        elif error.validator == "type":
            found.append((name, f"“{title(name)}” không đúng kiểu dữ liệu."))
        elif error.validator == "additionalProperties":
            found.append(("", "Tờ khai có mục không thuộc biểu mẫu."))
        else:
            found.append((name, f"“{title(name)}” không hợp lệ."))
    for name, prop in properties.items():
        value = given.get(name)
        if prop.get("x-not-future") and isinstance(value, str):
            try:
                if date.fromisoformat(value) > today:
                    found.append((name, f"“{title(name)}” không thể sau ngày hôm nay."))
            except ValueError:
                pass  # reported as a format error above
    return found


@cache
def catalog_titles() -> dict[str, str]:
    """Every title the essential catalog gives a declaration question, by key: an answer kept
    under a key its procedure's current schema no longer has is still named in words."""
    text = resources.files("motcua.catalog").joinpath("data", "essential_services.yaml")
    data = yaml.safe_load(text.read_text("utf-8")) or {}
    titles: dict[str, str] = {}
    for procedure in data.get("procedures", []):
        for requirement in procedure.get("requirements", []):
            schema = requirement.get("declaration") or {}
            for name, prop in (schema.get("properties") or {}).items():
                if isinstance(prop, dict) and prop.get("title"):
                    titles.setdefault(name, str(prop["title"]))
    return titles


def title_of(name: str, titles: Mapping[str, str] | None = None) -> str:
    """The Vietnamese title of one declared answer: the procedure's own (``titles``), the
    generic declaration's, any the catalog gives that key, else :data:`UNTITLED`."""
    return (
        (titles or {}).get(name)
        or GENERIC_TITLES.get(name)
        or catalog_titles().get(name)
        or UNTITLED
    )


def in_words(value: Any, prop: Mapping[str, Any] | None = None) -> str:
    """One answer as a person reads it: yes/no in words, dates dd/mm/yyyy."""
    if value is True:
        return "Có"
    if value is False:
        return "Không"
    text = str(value)
    if (prop or {}).get("format") == "date" or (len(text) == 10 and text[4:5] == "-"):
        try:
            return date.fromisoformat(text).strftime("%d/%m/%Y")
        except ValueError:
            return text
    return text


def answers(schema: Mapping[str, Any], values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(title, answer) in the schema's order, for the declaration PDF, the officer and the
    result: dates as dd/mm/yyyy, yes/no in words."""
    out = []
    for name, prop in schema["properties"].items():
        value = values.get(name)
        if value in (None, ""):
            continue
        out.append((str(prop.get("title") or title_of(name)), in_words(value, prop)))
    return out
