"""Every one of the 25 essential services carries its own declaration (tờ khai) as a JSON Schema
the form can use; answers as a person gives them pass, and a wrong choice, an impossible date or
a missing answer is refused with a Vietnamese message naming the question."""

from datetime import date
from typing import Any

from motcua.catalog import declarations
from motcua.catalog.formats import essential_services

TODAY = date(2025, 10, 15)


def _answers(schema: dict[str, Any]) -> dict[str, Any]:
    """An answer to every question, as a person would give it (synthetic)."""
    out: dict[str, Any] = {}
    for spec in declarations.specs(schema):
        prop = schema["properties"][spec.name]
        if spec.kind == "checkbox":
            out[spec.name] = True
        elif spec.options:
            out[spec.name] = spec.options[0]
        elif spec.kind == "date":
            out[spec.name] = "2025-09-20"
        elif "pattern" in prop:
            out[spec.name] = "2024" if "19|20" in prop["pattern"] else "2"
        else:
            out[spec.name] = "Dữ liệu thử"
    return out


def test_each_of_the_25_has_a_usable_declaration_that_checks_its_answers() -> None:
    document = essential_services()
    assert len(document.procedures) == 25
    for procedure in document.procedures:
        schemas = [r.declaration for r in procedure.requirements if r.declaration]
        assert len(schemas) == 1, procedure.code
        schema = schemas[0]
        assert declarations.schema_problems(schema) == [], procedure.code
        good = _answers(schema)
        assert declarations.problems(schema, good, TODAY) == [], procedure.code
        titles = {name: prop["title"] for name, prop in schema["properties"].items()}
        # A missing required answer is named by its title.
        first = schema["required"][0]
        missing = declarations.problems(schema, {**good, first: ""}, TODAY)
        assert (first, f"Chưa điền “{titles[first]}”.") in missing, procedure.code
        # A choice not in the list is refused.
        chosen = next((s.name for s in declarations.specs(schema) if s.options), None)
        if chosen is not None:
            wrong = declarations.problems(schema, {**good, chosen: "Không có"}, TODAY)
            assert any(name == chosen and "chọn một giá trị" in m for name, m in wrong)
        # What the officer and the result read: every answer under its title.
        shown = dict(declarations.answers(schema, good))
        assert set(shown) == {titles[n] for n in good}, procedure.code
