"""Every declaration of the 25 essential services (and of the life-event groups) reads in
words wherever a person meets it: the citizen's form, the officer's dossier view, the receipt
of what was declared and the signed result PDF. An answer under a key no schema titles (an
old schema, the generic declaration) is still named in Vietnamese, never by its key."""

import io
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from pypdf import PdfReader

from motcua.applications.forms import declaration_fields
from motcua.catalog import declarations
from motcua.catalog.formats import essential_services, life_event_groups
from motcua.catalog.models import Requirement
from motcua.core.text import fold
from motcua.dossiers.models import Dossier
from motcua.exchange.labels import vietnamese_labels
from motcua.units.models import Agency
from motcua.workflow import contents, results

EXTRA = {"noi_dung": "Đề nghị (dữ liệu tổng hợp)", "ghi_chu_rieng_cua_ho_so_cu": "Ghi chú"}
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _declarations() -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for document in (essential_services(), life_event_groups()):
        for procedure in document.procedures:
            for requirement in procedure.requirements:
                if requirement.declaration:
                    found.append((procedure.code, requirement.key, requirement.declaration))
    return found


def _sample(schema: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, prop in schema["properties"].items():
        if prop.get("type") == "boolean":
            values[name] = True
        elif prop.get("enum"):
            values[name] = prop["enum"][0]
        elif prop.get("format") == "date":
            values[name] = "2025-09-20"
        else:
            values[name] = "Giá trị mẫu (dữ liệu tổng hợp)"
    return {**values, **EXTRA}


def _in_words(label: str, key: str) -> bool:
    """A label a person reads: not the key, no underscore, not Vietnamese stripped of marks."""
    return label != key and "_" not in label and (fold(label) != label.lower() or not label)


def test_the_catalog_has_the_25_declarations() -> None:
    codes = {code for code, _, _ in _declarations()}
    assert len({c for c in codes if c in {p.code for p in essential_services().procedures}}) == 25


@pytest.mark.parametrize(("code", "key", "schema"), _declarations())
def test_every_declared_answer_is_named_in_words(
    code: str, key: str, schema: dict[str, Any]
) -> None:
    values = _sample(schema)
    requirement = Requirement(key=key, name="Tờ khai", declaration=schema)
    # the citizen's form
    for field in declaration_fields(schema):
        assert _in_words(field.label, field.name), (code, field.name, field.label)
    # the officer's dossier view (registry labels beside the declaration's, as contents does)
    labels = {**vietnamese_labels(), **contents.declaration_labels(requirement)}
    shown = contents.fields_of(values, labels)
    assert {f.name for f in shown} == set(values)
    for field in shown:
        assert _in_words(field.label, field.name), (code, field.name, field.label)
        assert not ISO_DATE.search(field.value), (code, field.name, field.value)
    own = schema["properties"].get("noi_dung", {}).get("title", "Nội dung đề nghị")
    assert any(f.label == own for f in shown)  # the procedure's title, else the generic one
    assert any(f.label == declarations.UNTITLED for f in shown)  # a key nobody titled
    # what the receipt and the signed result print
    printed = declarations.answers(schema, values)
    for title, answer in printed:
        assert _in_words(title, ""), (code, title)
        assert not ISO_DATE.search(answer), (code, title, answer)
    dossier = Dossier(
        code="H01.00-251206-0001",
        procedure_name="Thủ tục mẫu (dữ liệu tổng hợp)",
        procedure_code=code,
        applicant_number="001084000101",
        received_at=datetime(2025, 12, 6, tzinfo=UTC),
    )
    agency = Agency(code="000.00.00.H01", name="Ủy ban nhân dân xã mẫu (dữ liệu tổng hợp)")
    pdf = results.render(dossier, agency, "Kết quả mẫu.", "ma-kiem-tra", printed)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for name in schema["properties"]:
        assert name not in text, (code, name)
    assert "001084000101" in text  # the signed result is the legal record: the number in full
