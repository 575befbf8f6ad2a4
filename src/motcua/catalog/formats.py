"""Reading catalog files (JSON, YAML, XLSX) with line numbers, and writing JSON and CPSV-AP.

Parsing never touches the database: a file becomes a `CatalogDocument` and a map from each
location (``procedures[3].code``) to the line or row it came from, or a list of every problem.
"""

import io
import json
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from openpyxl import Workbook, load_workbook
from pydantic import ValidationError

from motcua.catalog.schemas import CatalogDocument, ImportProblem, ProcedureDoc

XLSX_PROCEDURE_COLUMNS = [
    "code", "name", "description", "sector", "levels", "managing_agency",
    "implementing_agencies", "legal_basis", "processing_days", "processing_note", "fees",
    "online_level", "result_documents", "result_evidence_type", "provenance", "basis_note",
    "same_day_cutoff", "synthetic", "status", "effective_from",
]  # fmt: skip
XLSX_REQUIREMENT_COLUMNS = [
    "procedure_code", "key", "name", "description", "mandatory", "originals", "copies",
    "form_template", "evidence_type", "subject", "fields", "declaration",
]  # fmt: skip
XLSX_EVIDENCE_COLUMNS = ["code", "name", "description", "registry_code", "fields"]


class UnreadableCatalog(Exception):
    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def read(path: Path) -> tuple[CatalogDocument, dict[str, int]]:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return read_xlsx(path.read_bytes())
    if suffix in {".json", ".yaml", ".yml"}:
        return read_text(path.read_text("utf-8"))
    raise UnreadableCatalog(
        [ImportProblem(line=None, location=str(path), message="chỉ nhận tệp .json, .yaml, .xlsx")]
    )


def read_text(content: str) -> tuple[CatalogDocument, dict[str, int]]:
    """JSON is read as YAML (a subset of it), so both report the line of each value."""
    try:
        node = yaml.compose(content, Loader=yaml.SafeLoader)
        data = yaml.safe_load(content)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise UnreadableCatalog(
            [ImportProblem(line=line, location="", message=f"tệp không đọc được: {error}")]
        ) from error
    lines: dict[str, int] = {}
    if node is not None:
        _index_lines(node, "", lines)
    return _validate(data, lines), lines


def _index_lines(node: yaml.Node, path: str, lines: dict[str, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = f"{path}.{key.value}" if path else str(key.value)
            lines[child] = key.start_mark.line + 1
            _index_lines(value, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, f"{path}[{i}]", lines)


def _validate(data: Any, lines: dict[str, int]) -> CatalogDocument:
    try:
        return CatalogDocument.model_validate(data)
    except ValidationError as error:
        problems = []
        for e in error.errors():
            location = _location(e["loc"])
            line = lines.get(location)
            parent = location
            while line is None and parent:
                parent = parent.rsplit(".", 1)[0] if "." in parent else ""
                line = lines.get(parent)
            problems.append(ImportProblem(line=line, location=location, message=e["msg"]))
        raise UnreadableCatalog(problems) from error


def _location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# --- XLSX --------------------------------------------------------------------------------------


def read_xlsx(content: bytes) -> tuple[CatalogDocument, dict[str, int]]:
    """Sheets ``procedures``, ``requirements`` and (optional) ``evidence_types``; row 1 heads."""
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged file
        raise UnreadableCatalog(
            [ImportProblem(line=None, location="", message=f"tệp XLSX không đọc được: {error}")]
        ) from error
    if "procedures" not in book.sheetnames:
        raise UnreadableCatalog(
            [ImportProblem(line=None, location="procedures", message="thiếu trang 'procedures'")]
        )
    lines: dict[str, int] = {}
    procedures: list[dict[str, Any]] = []
    by_code: dict[str, dict[str, Any]] = {}
    for row_number, row in _rows(book["procedures"]):
        index = len(procedures)
        for column in row:
            lines[f"procedures[{index}].{column}"] = row_number
        lines[f"procedures[{index}]"] = row_number
        row["levels"] = _split(str(row.get("levels") or "").replace(",", "\n").replace(";", "\n"))
        for field in ("legal_basis", "result_documents"):
            row[field] = _split(row.get(field))
        row["fees"] = _fees(row.get("fees"))
        row["requirements"] = []
        for field in ("synthetic", "same_day_cutoff"):
            row[field] = _boolean(row.get(field), default=False)
        procedures.append(_drop_empty(row))
        by_code[str(row.get("code"))] = row
        row["_index"] = index

    problems: list[ImportProblem] = []
    if "requirements" in book.sheetnames:
        for row_number, row in _rows(book["requirements"]):
            owner = by_code.get(str(row.pop("procedure_code", None)))
            if owner is None:
                problems.append(
                    ImportProblem(
                        line=row_number,
                        location="requirements.procedure_code",
                        message="mã thủ tục không có trong trang 'procedures'",
                    )
                )
                continue
            index = len(owner["requirements"])
            for column in row:
                lines[f"procedures[{owner['_index']}].requirements[{index}].{column}"] = row_number
            lines[f"procedures[{owner['_index']}].requirements[{index}]"] = row_number
            row["mandatory"] = _boolean(row.get("mandatory"), default=True)
            row["fields"] = _split(row.get("fields"))
            if isinstance(row.get("declaration"), str):
                try:  # the declaration's JSON Schema, as JSON text in its cell
                    row["declaration"] = json.loads(row["declaration"])
                except ValueError:
                    problems.append(
                        ImportProblem(
                            line=row_number,
                            location="requirements.declaration",
                            message="tờ khai (declaration) phải là một lược đồ JSON hợp lệ",
                        )
                    )
                    continue
            owner["requirements"].append(_drop_empty(row))
    evidence: list[dict[str, Any]] = []
    if "evidence_types" in book.sheetnames:
        for row_number, row in _rows(book["evidence_types"]):
            for column in row:
                lines[f"evidence_types[{len(evidence)}].{column}"] = row_number
            row["fields"] = _split(row.get("fields"))
            evidence.append(_drop_empty(row))
    for row in procedures:
        row.pop("_index", None)
    try:
        document = _validate({"evidence_types": evidence, "procedures": procedures}, lines)
    except UnreadableCatalog as error:
        raise UnreadableCatalog(problems + error.problems) from error
    if problems:
        raise UnreadableCatalog(problems)
    return document, lines


def _rows(sheet: Any) -> list[tuple[int, dict[str, Any]]]:
    rows = sheet.iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
    out = []
    for number, values in enumerate(rows, start=2):
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        out.append((number, {h: v for h, v in zip(header, values, strict=False) if h}))
    return out


def _split(value: Any) -> list[str]:
    """A list cell holds one item per line."""
    if value is None:
        return []
    return [part.strip() for part in str(value).splitlines() if part.strip()]


def _fees(value: Any) -> list[dict[str, Any]]:
    """One fee per line, ``Lệ phí: 50000`` or just a description."""
    fees = []
    for part in _split(value):
        description, _, amount = part.rpartition(":")
        if description and amount.strip().isdigit():
            fees.append({"description": description.strip(), "amount_vnd": int(amount)})
        else:
            fees.append({"description": part})
    return fees


def _boolean(value: Any, *, default: bool) -> Any:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "có", "co", "x"}:
        return True
    if text in {"0", "false", "no", "không", "khong"}:
        return False
    return value  # let validation name the bad value


def _drop_empty(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if v is not None and v != ""}


def write_xlsx(document: CatalogDocument) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "procedures"
    sheet.append(XLSX_PROCEDURE_COLUMNS)
    requirements = book.create_sheet("requirements")
    requirements.append(XLSX_REQUIREMENT_COLUMNS)
    for procedure in document.procedures:
        data = procedure.model_dump(mode="json")
        data["fees"] = "\n".join(
            f"{f['description']}: {f['amount_vnd']}"
            if f["amount_vnd"] is not None
            else f["description"]
            for f in data["fees"]
        )
        for field in ("levels", "legal_basis", "result_documents"):
            data[field] = "\n".join(data[field])
        sheet.append([data.get(c) for c in XLSX_PROCEDURE_COLUMNS])
        for requirement in data["requirements"]:
            requirement["procedure_code"] = procedure.code
            requirement["fields"] = "\n".join(requirement["fields"])
            if requirement.get("declaration") is not None:
                requirement["declaration"] = json.dumps(
                    requirement["declaration"], ensure_ascii=False
                )
            requirements.append([requirement.get(c) for c in XLSX_REQUIREMENT_COLUMNS])
    evidence = book.create_sheet("evidence_types")
    evidence.append(XLSX_EVIDENCE_COLUMNS)
    for item in document.evidence_types:
        data = item.model_dump()
        data["fields"] = "\n".join(data["fields"])
        evidence.append([data.get(c) for c in XLSX_EVIDENCE_COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- JSON and CPSV-AP --------------------------------------------------------------------------


def to_json(document: CatalogDocument) -> str:
    return json.dumps(document.model_dump(mode="json"), ensure_ascii=False, indent=2)


def json_schema() -> dict[str, Any]:
    schema = CatalogDocument.model_json_schema()
    schema["$id"] = "https://motcua.example/schemas/motcua-catalog-1.json"
    schema["title"] = "motcua catalog document (motcua-catalog/1)"
    return schema


CPSV_CONTEXT = {
    "cpsv": "http://purl.org/vocab/cpsv#",
    "cv": "http://data.europa.eu/m8g/",
    "dct": "http://purl.org/dc/terms/",
    "eli": "http://data.europa.eu/eli/ontology#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def to_cpsv_ap(document: CatalogDocument, base_url: str) -> dict[str, Any]:
    """CPSV-AP 3 (the EU public-service vocabulary) as JSON-LD: one cpsv:PublicService each."""
    evidence = {e.code: e for e in document.evidence_types}
    return {
        "@context": CPSV_CONTEXT,
        "@graph": [_cpsv_service(p, evidence, base_url.rstrip("/")) for p in document.procedures],
    }


def _cpsv_service(p: ProcedureDoc, evidence: dict[str, Any], base: str) -> dict[str, Any]:
    uri = f"{base}/procedures/{p.code}"
    service: dict[str, Any] = {
        "@id": uri,
        "@type": "cpsv:PublicService",
        "dct:identifier": p.code,
        "dct:title": {"@value": p.name, "@language": "vi"},
        "dct:description": {"@value": p.description or p.name, "@language": "vi"},
        "cv:sector": {"@value": p.sector, "@language": "vi"},
        "cv:processingTime": {"@value": f"P{p.processing_days}D", "@type": "xsd:duration"},
        "dct:language": "http://publications.europa.eu/resource/authority/language/VIE",
        "cv:hasLegalResource": [
            {"@type": "eli:LegalResource", "dct:title": {"@value": basis, "@language": "vi"}}
            for basis in p.legal_basis
        ],
        "cv:hasCost": [
            {
                "@type": "cv:Cost",
                "dct:description": {"@value": fee.description, "@language": "vi"},
                **(
                    {"cv:value": fee.amount_vnd, "cv:currency": "VND"}
                    if fee.amount_vnd is not None
                    else {}
                ),
            }
            for fee in p.fees
        ],
        "cpsv:hasInput": [
            {
                "@id": f"{uri}#requirement-{r.key}",
                "@type": "cv:Evidence",
                "dct:title": {"@value": r.name, "@language": "vi"},
                **(
                    {
                        "dct:type": {
                            "@id": f"{base}/evidence-types/{r.evidence_type}",
                            "skos:prefLabel": evidence[r.evidence_type].name,
                        }
                    }
                    if r.evidence_type in evidence
                    else {}
                ),
            }
            for r in p.requirements
        ],
        "cpsv:produces": [
            {"@type": "cv:Output", "dct:title": {"@value": result, "@language": "vi"}}
            for result in p.result_documents
        ],
        "cv:hasChannel": [
            {"@type": "cv:Channel", "dct:type": channel}
            for channel in (["online", "counter"] if p.online_level != "none" else ["counter"])
        ],
    }
    if p.managing_agency:
        service["cv:hasCompetentAuthority"] = {
            "@type": "cv:PublicOrganisation",
            "dct:identifier": p.managing_agency,
        }
    return service


# --- the documents the platform ships ------------------------------------------------------


def essential_services() -> CatalogDocument:
    """The 25 essential services as the platform ships them (data/essential_services.yaml)."""
    text = resources.files("motcua.catalog").joinpath("data", "essential_services.yaml")
    return CatalogDocument.model_validate(yaml.safe_load(text.read_text("utf-8")))


def life_event_groups() -> CatalogDocument:
    """The two groups of interconnected procedures and their members that are not among the
    25 (imported after them: the groups name procedures of both documents)."""
    text = resources.files("motcua.catalog").joinpath("data", "groups.yaml")
    return CatalogDocument.model_validate(yaml.safe_load(text.read_text("utf-8")))
