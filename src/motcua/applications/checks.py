"""The checks of a typed declaration's answers, per field and in Vietnamese: one set of rules for
the application form and for a declaration typed again in answer to a supplement request, so
the same answer is refused with the same words and codes wherever it is typed."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from motcua.applications.schemas import FormItem
from motcua.catalog import declarations
from motcua.dossiers.schemas import Problem


def typed(item: FormItem, given: Mapping[str, Any]) -> list[Problem]:
    """What the form sent for one declaration: known questions, the right kind of answer for
    each, within its length."""
    problems: list[Problem] = []
    known = {f.name: f for f in item.fields}
    for name, value in given.items():
        spec = known.get(name)
        found: tuple[str, str] | None = None
        if spec is None:
            found = ("unknown-field", f"Tờ khai không có mục “{name}”.")
        elif spec.kind == "checkbox" and not isinstance(value, bool):
            found = ("not-a-choice", f"“{spec.label}”: chọn có hoặc không.")
        elif spec.kind != "checkbox" and not isinstance(value, str):
            found = ("not-text", f"“{spec.label}” phải là chữ.")
        elif isinstance(value, str) and len(value) > spec.max_length:
            found = ("field-too-long", f"“{spec.label}” dài quá {spec.max_length} ký tự.")
        if found is not None:
            problems.append(
                Problem(field=f"values.{item.key}.{name}", code=found[0], message=found[1])
            )
    return problems


def missing(item: FormItem) -> list[Problem]:
    """Every required question left empty (the oath unticked included)."""
    return [
        Problem(
            field=f"values.{item.key}.{spec.name}",
            code="missing-field",
            message=f"{item.name}: chưa điền “{spec.label}”.",
        )
        for spec in item.fields
        if spec.required and item.values.get(spec.name) in (None, False, "")
    ]


def declared(
    key: str, schema: Mapping[str, Any] | None, values: Mapping[str, Any], today: date
) -> list[Problem]:
    """What the procedure's declaration schema says of these answers; missing answers are
    reported once, by :func:`missing`."""
    if schema is None:
        return []
    return [
        Problem(field=f"values.{key}.{name}", code="declaration-invalid", message=message)
        for name, message in declarations.problems(schema, values, today, required=False)
    ]
