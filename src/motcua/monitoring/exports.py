"""Every dashboard table as CSV or XLSX, with Vietnamese headers."""

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

from motcua.monitoring.rules import STATUS_LABELS, Status
from motcua.monitoring.schemas import NonReporter, ProvinceRow, UnitRow

Table = tuple[list[str], list[list[Any]]]


def _status(value: str) -> str:
    return STATUS_LABELS[Status(value)]


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


def provinces_table(rows: Sequence[ProvinceRow]) -> Table:
    header = ["Mã", "Tỉnh/thành phố", "Trạng thái", "Số xã phải báo cáo", "Số xã đã báo cáo",
              "Số xã báo cáo đúng hạn", "Số xã xanh", "Tỷ lệ xã xanh (%)",
              "Tỷ lệ báo cáo (%)"]  # fmt: skip
    return header, [
        [r.code, r.name, _status(r.status), r.communes_expected, r.communes_reported,
         r.communes_on_time, r.communes_green, _percent(r.share_communes_green),
         _percent(r.reporting_rate)]
        for r in rows
    ]  # fmt: skip


def communes_table(rows: Sequence[UnitRow]) -> Table:
    header = ["Mã", "Xã/phường", "Trạng thái", "Đã báo cáo", "Đúng hạn", "Số nhiệm vụ xanh",
              "Báo cáo gần nhất"]  # fmt: skip
    return header, [
        [r.code, r.name, _status(r.status), "có" if r.reported else "không",
         "" if r.on_time is None else ("có" if r.on_time else "không"), r.tasks_green,
         r.last_reported_on.isoformat() if r.last_reported_on else ""]
        for r in rows
    ]  # fmt: skip


def non_reporters_table(rows: Sequence[NonReporter]) -> Table:
    header = ["Mã", "Đơn vị", "Cấp", "Tỉnh", "Báo cáo gần nhất", "Số ngày chưa báo cáo"]
    return header, [
        [r.code, r.name, r.level.value, r.province_code or "",
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
