"""Reading an import file (JSON, CSV or XLSX) into plain rows, numbered as a person sees them."""

import csv
import io
import json
from pathlib import Path
from typing import Any

from motcua.core.errors import Invalid


def read_rows(name: str, data: bytes) -> list[tuple[int, dict[str, Any]]]:
    """(row number, fields) for each dossier: the list index + 1 in JSON, the sheet row in
    CSV and XLSX (row 1 is the header)."""
    suffix = Path(name).suffix.lower()
    try:
        if suffix == ".json":
            loaded = json.loads(data.decode("utf-8"))
            rows = loaded.get("dossiers") if isinstance(loaded, dict) else loaded
            if not isinstance(rows, list):
                raise Invalid("Tệp JSON cần một danh sách “dossiers”.", code="bad-file")
            return list(enumerate(rows, start=1))
        if suffix == ".csv":
            reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
            return [(i, _blank_to_none(r)) for i, r in enumerate(reader, start=2)]
        if suffix == ".xlsx":
            return _xlsx(data)
    except (UnicodeDecodeError, json.JSONDecodeError, csv.Error) as error:
        raise Invalid(f"Không đọc được tệp {name}: {error}", code="bad-file") from error
    raise Invalid("Chỉ nhận tệp .json, .csv hoặc .xlsx.", code="bad-file")


def _blank_to_none(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if v in ("", None) else v) for k, v in row.items() if k}


def _xlsx(data: bytes) -> list[tuple[int, dict[str, Any]]]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    lines = sheet.iter_rows(values_only=True)
    header = [str(h) if h is not None else "" for h in next(lines, ())]
    rows = []
    for number, values in enumerate(lines, start=2):
        if all(v is None for v in values):
            continue
        fields = {h: (None if v is None else str(v)) for h, v in zip(header, values, strict=False)}
        rows.append((number, _blank_to_none(fields)))
    return rows
