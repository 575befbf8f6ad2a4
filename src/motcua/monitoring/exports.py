"""Every dashboard table as CSV or XLSX, with Vietnamese headers naming what is counted (the
communes for the People's Committees, the units of the chosen kind otherwise)."""

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

from motcua.monitoring.kinds import KIND_NAMES
from motcua.monitoring.rules import STATUS_LABELS, Status
from motcua.monitoring.schemas import NonReporter, ProvinceRow, UnitRow

Table = tuple[list[str], list[list[Any]]]


def _status(value: str) -> str:
    return STATUS_LABELS[Status(value)]


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


LEVEL_NAMES = {"ministry": "Bộ, cơ quan", "province": "Cấp tỉnh", "commune": "Cấp xã"}


def provinces_table(rows: Sequence[ProvinceRow], units: str = "xã") -> Table:
    """``units``: what the commune-level columns count ("xã", "đảng ủy xã, phường", …)."""
    header = ["Mã", "Tỉnh/thành phố", "Trạng thái", f"Số {units} phải báo cáo",
              f"Số {units} đã báo cáo", f"Số {units} báo cáo đúng hạn", f"Số {units} xanh",
              f"Tỷ lệ {units} xanh (%)", "Tỷ lệ báo cáo (%)"]  # fmt: skip
    return header, [
        [r.code, r.name, _status(r.status), r.communes_expected, r.communes_reported,
         r.communes_on_time, r.communes_green, _percent(r.share_communes_green),
         _percent(r.reporting_rate)]
        for r in rows
    ]  # fmt: skip


def communes_table(rows: Sequence[UnitRow], committees_only: bool = True) -> Table:
    """One row per commune-level unit; its kind in a column when not only the committees."""
    header = ["Mã", "Xã/phường" if committees_only else "Đơn vị", "Trạng thái", "Đã báo cáo",
              "Đúng hạn", "Số nhiệm vụ xanh", "Báo cáo gần nhất"]  # fmt: skip
    body = [
        [r.code, r.name, _status(r.status), "có" if r.reported else "không",
         "" if r.on_time is None else ("có" if r.on_time else "không"), r.tasks_green,
         r.last_reported_on.isoformat() if r.last_reported_on else ""]
        for r in rows
    ]  # fmt: skip
    if committees_only:
        return header, body
    kinds = [KIND_NAMES.get(r.kind or "", "") for r in rows]
    return [*header[:2], "Loại đơn vị", *header[2:]], [
        [*row[:2], kind, *row[2:]] for row, kind in zip(body, kinds, strict=True)
    ]


def non_reporters_table(rows: Sequence[NonReporter]) -> Table:
    header = ["Mã", "Đơn vị", "Cấp", "Tỉnh", "Báo cáo gần nhất", "Số ngày chưa báo cáo"]
    return header, [
        [r.code, r.name, LEVEL_NAMES.get(r.level.value, ""), r.province_code or "",
         r.last_reported_on.isoformat() if r.last_reported_on else "chưa bao giờ",
         "" if r.days_silent is None else r.days_silent]
        for r in rows
    ]  # fmt: skip


def to_csv(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table[0])
    writer.writerows(table[1])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel reads UTF-8


def to_xlsx(table: Table, title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(table[0])
    for row in table[1]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
