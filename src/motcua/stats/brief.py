"""The steering brief for the five-day meeting, as Markdown and PDF.

Every number in it comes from the same service calls the API answers with (``statistics``,
``equipped_vs_used``, the monitoring roll-ups), so the brief and the dashboards cannot differ:
``compose`` keeps those answers, and the renderers only format them. The change since the last
brief compares the 30 days ending on the brief's date with the 30 days ending five days before.
"""

from datetime import date, timedelta
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.errors import DomainError
from motcua.core.settings import get_settings
from motcua.monitoring import service as monitoring
from motcua.monitoring.schemas import NonReporter, ProvinceRow
from motcua.stats import roadmap, service
from motcua.stats.equipped import equipped_vs_used
from motcua.stats.quality import registry_quality
from motcua.stats.schemas import Figures, RegistryQualityOut, StatsOut, UnitGap

EVERY_DAYS = 5
WINDOW_DAYS = 30
TOP = 5


class Brief(BaseModel):
    day: date
    previous_day: date
    current: StatsOut  # = GET /api/v1/stats/dossiers?start=…&end=…&group=province
    previous: StatsOut
    by_agency: StatsOut
    by_procedure: StatsOut
    red: list[ProvinceRow]
    silent: list[NonReporter]
    silent_total: int
    gaps: list[UnitGap]
    registries: RegistryQualityOut  # = GET /api/v1/stats/registries?start=…&end=…
    roadmap: roadmap.RoadmapOut  # = GET /api/v1/stats/roadmap?date=…


def window(day: date) -> tuple[date, date]:
    return day - timedelta(days=WINDOW_DAYS - 1), day


async def compose(session: AsyncSession, day: date | None) -> Brief:
    day = day or await monitoring.default_day(session)
    previous_day = day - timedelta(days=EVERY_DAYS)

    async def figures(end: date, group: str) -> StatsOut:
        start, end = window(end)
        return await service.statistics(session, service.Query(start=start, end=end, group=group))

    grid = await monitoring.province_grid(session, day)
    silent = await monitoring.non_reporters(session, day, None, 10_000)
    equipped = await equipped_vs_used(session, day, None)
    return Brief(
        day=day,
        previous_day=previous_day,
        current=await figures(day, "province"),
        previous=await figures(previous_day, "province"),
        by_agency=await figures(day, "agency"),
        by_procedure=await figures(day, "procedure"),
        red=[p for p in grid if p.status == "red"],
        silent=silent[: TOP * 4],
        silent_total=len(silent),
        gaps=[u for u in equipped.units if u.flags],
        registries=await registry_quality(
            session, service.Query(start=window(day)[0], end=window(day)[1])
        ),
        roadmap=await roadmap.roadmap(session, day),
    )


# --- formatting -----------------------------------------------------------------------------------


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%".replace(".", ",")


def num(value: float | int) -> str:
    return (
        f"{value:,}".replace(",", ".")
        if isinstance(value, int)
        else f"{value:.1f}".replace(".", ",")
    )


def _change(now: float | int | None, before: float | int | None, share: bool) -> str:
    if now is None or before is None:
        return "—"
    delta = now - before
    sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
    if share:
        return f"{sign}{abs(delta) * 100:.1f} điểm %".replace(".", ",")
    return f"{sign}{num(abs(delta))}"


def headline(brief: Brief) -> list[tuple[str, str, str]]:
    """(what, now, change since the last brief) for the figures the meeting looks at first."""
    now, before = brief.current.total, brief.previous.total
    rows: list[tuple[str, str, str]] = []

    def add(label: str, attr: str, share: bool) -> None:
        value, old = getattr(now, attr), getattr(before, attr)
        shown = pct(value) if share else ("—" if value is None else num(value))
        rows.append((label, shown, _change(value, old, share)))

    add("Hồ sơ tiếp nhận", "received", False)
    add("Tỷ lệ nộp trực tuyến", "online_share", True)
    add("Tỷ lệ trực tuyến toàn trình", "online_full_share", True)
    add("Tỷ lệ giải quyết đúng hạn", "on_time_rate", True)
    add("Số ngày làm việc giải quyết trung bình", "average_processing_days", False)
    add("Thành phần hồ sơ lấy từ cơ sở dữ liệu", "reuse_rate", True)
    add("Yêu cầu giấy tờ ngoài danh mục (vi phạm)", "violations", False)
    overdue, old_overdue = brief.current.pending_overdue, brief.previous.pending_overdue
    rows.append(
        ("Hồ sơ đang giải quyết đã quá hạn", num(overdue), _change(overdue, old_overdue, False))
    )
    return rows


def _top(stats: StatsOut, key: str, n: int = TOP) -> list[tuple[str, Figures]]:
    rows = [(r.name or r.key or "", r.figures) for r in stats.rows]
    return [r for r in sorted(rows, key=lambda r: -getattr(r[1], key)) if getattr(r[1], key)][:n]


def _papers_not_cut(stats: StatsOut) -> list[tuple[str, Figures]]:
    rows = [(r.name or r.key or "", r.figures) for r in stats.rows]
    rows = [r for r in rows if r[1].items_upload + r[1].items_counter]
    return sorted(rows, key=lambda r: -(r[1].items_upload + r[1].items_counter))[:TOP]


def sections(brief: Brief) -> list[tuple[str, list[str], list[list[str]]]]:
    """The brief as (title, header, rows) tables; Markdown and PDF both print these."""
    start, end = window(brief.day)
    delayed = sorted(
        (r for r in brief.current.rows),
        key=lambda r: -(r.figures.late + r.figures.pending),
    )[:TOP]
    return [
        (
            f"Chỉ số chính ({start:%d/%m/%Y} – {end:%d/%m/%Y}; so với kỳ báo cáo ngày "
            f"{brief.previous_day:%d/%m/%Y})",
            ["Chỉ số", "Hiện nay", "Thay đổi"],
            [list(r) for r in headline(brief)],
        ),
        (
            "Tỉnh, thành phố trạng thái đỏ",
            ["Tỉnh, thành phố", "Tỷ lệ báo cáo của xã", "Xã xanh"],
            [[p.name, pct(p.reporting_rate), pct(p.share_communes_green)] for p in brief.red],
        ),
        (
            f"Đơn vị chưa báo cáo ({num(brief.silent_total)} đơn vị; liệt kê tối đa {TOP * 4})",
            ["Đơn vị", "Lần báo cáo gần nhất"],
            [
                [
                    s.name,
                    s.last_reported_on.strftime("%d/%m/%Y")
                    if s.last_reported_on
                    else "chưa bao giờ",
                ]
                for s in brief.silent
            ],
        ),
        (
            "Trang bị và sử dụng: báo cáo chênh với thực tế",
            ["Tỉnh, thành phố", "Cảnh báo", "Báo cáo", "Thực tế (hồ sơ)"],
            [
                [
                    u.name,
                    f.title,
                    f.evidence.reported,
                    f"{f.evidence.computed} ({num(f.evidence.dossiers)})",
                ]
                for u in brief.gaps
                for f in u.flags
            ],
        ),
        (
            "Cơ quan có nhiều vi phạm (yêu cầu giấy tờ ngoài danh mục)",
            ["Cơ quan", "Vi phạm", "Hồ sơ"],
            [
                [name, num(f.violations), num(f.received)]
                for name, f in _top(brief.by_agency, "violations")
            ],
        ),
        (
            "Thủ tục có nhiều vi phạm",
            ["Thủ tục", "Vi phạm", "Hồ sơ"],
            [
                [name, num(f.violations), num(f.received)]
                for name, f in _top(brief.by_procedure, "violations")
            ],
        ),
        (
            "Chậm giải quyết",
            ["Tỉnh, thành phố", "Trễ hạn", "Đang giải quyết", "Đúng hạn"],
            [
                [
                    r.name or "",
                    num(r.figures.late),
                    num(r.figures.pending),
                    pct(r.figures.on_time_rate),
                ]
                for r in delayed
            ],
        ),
        (
            "Giấy tờ chưa cắt giảm (thành phần vẫn nộp giấy hoặc tải lên)",
            ["Thủ tục", "Nộp giấy/tải lên", "Lấy từ CSDL", "Tỷ lệ dùng lại"],
            [
                [
                    name,
                    num(f.items_upload + f.items_counter),
                    num(f.items_registry),
                    pct(f.reuse_rate),
                ]
                for name, f in _papers_not_cut(brief.by_procedure)
            ],
        ),
        (
            "Chất lượng dữ liệu các cơ sở dữ liệu (có lượt đọc)",
            ["Cơ sở dữ liệu", "Lượt đọc", "Sẵn sàng", "Không tìm thấy", "Bị từ chối"],
            [
                [
                    r.name,
                    num(r.reads),
                    pct(r.availability),
                    pct(r.not_found_rate),
                    pct(r.rejected_rate),
                ]
                for r in brief.registries.registries
                if r.reads
            ],
        ),
        _roadmap_section(brief.roadmap),
    ]


def _roadmap_section(plan: roadmap.RoadmapOut) -> tuple[str, list[str], list[list[str]]]:
    """The roadmap: seamless procedures against the target, the ministries furthest behind."""
    title = (
        f"Lộ trình thủ tục thông suốt: {num(plan.seamless)}/{num(plan.target)} "
        f"({pct(plan.share_of_target)}), mốc {plan.milestone:%d/%m/%Y}"
    )
    return (
        title,
        ["Bộ, cơ quan quản lý", "Thủ tục", "Thông suốt", "Tỷ lệ", "Chưa toàn trình"],
        [
            [g.name, num(g.total), num(g.seamless), pct(g.share), num(g.gaps["online"])]
            for g in plan.by_ministry[: TOP * 2]
        ],
    )


def _synthetic_note(brief: Brief) -> str | None:
    total = brief.current.total
    if not total.synthetic:
        return None
    return (
        f"Dữ liệu mẫu: {num(total.synthetic)}/{num(total.received)} hồ sơ là hồ sơ tổng hợp để "
        "trình diễn; báo cáo giám sát cũng có thể là dữ liệu mẫu."
    )


def markdown(brief: Brief) -> str:
    lines = [f"# Báo cáo nhanh phục vụ họp Ban Chỉ đạo ngày {brief.day:%d/%m/%Y}", ""]
    if note := _synthetic_note(brief):
        lines += [f"> {note}", ""]
    for title, header, rows in sections(brief):
        lines += [f"## {title}", ""]
        if not rows:
            lines += ["Không có.", ""]
            continue
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        lines += ["| " + " | ".join(c.replace("|", "/") for c in row) + " |" for row in rows]
        lines.append("")
    return "\n".join(lines)


def pdf(brief: Brief) -> bytes:
    """The same sections as the Markdown, with a chart of the online share per province."""
    settings = get_settings()
    regular, bold = settings.font_dir / "DejaVuSans.ttf", settings.font_dir / "DejaVuSans-Bold.ttf"
    if not regular.exists() or not bold.exists():
        raise DomainError(
            "Máy chủ thiếu phông chữ DejaVu (gói fonts-dejavu-core) để in báo cáo.",
            code="brief-font-missing",
        )
    document = FPDF(format="A4")
    document.set_title(f"Báo cáo nhanh ngày {brief.day:%d/%m/%Y}")
    document.set_lang("vi")
    document.add_font("DejaVu", "", str(regular))
    document.add_font("DejaVu", "B", str(bold))
    document.set_margins(15, 12, 15)
    document.set_auto_page_break(True, margin=14)
    document.add_page()
    document.set_font("DejaVu", "B", 14)
    document.multi_cell(0, 7, f"Báo cáo nhanh phục vụ họp Ban Chỉ đạo ngày {brief.day:%d/%m/%Y}",
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    if note := _synthetic_note(brief):
        document.set_font("DejaVu", "", 9)
        document.multi_cell(0, 5, note, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for index, (title, header, rows) in enumerate(sections(brief)):
        document.ln(3)
        document.set_font("DejaVu", "B", 11)
        document.multi_cell(0, 6, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        document.set_font("DejaVu", "", 8.5)
        if not rows:
            document.multi_cell(0, 5, "Không có.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        else:
            with document.table(text_align="LEFT", line_height=4.6) as table:
                table.row(header)
                for row in rows:
                    table.row(row)
        if index == 0:
            _chart(document, brief)
    return bytes(document.output())


def _chart(document: FPDF, brief: Brief) -> None:
    """Horizontal bars: online share per province, drawn on the server into the PDF."""
    rows = sorted(
        (r for r in brief.current.rows if r.key), key=lambda r: -(r.figures.online_share or 0)
    )
    document.ln(3)
    document.set_font("DejaVu", "B", 11)
    document.multi_cell(0, 6, "Tỷ lệ nộp trực tuyến theo tỉnh, thành phố",
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    document.set_font("DejaVu", "", 7)
    label_w, bar_w, h = 48.0, document.epw - 48.0 - 14, 3.6
    for row in rows:
        if document.get_y() + h > document.page_break_trigger:
            document.add_page()
        y, x = document.get_y(), document.l_margin
        share = row.figures.online_share or 0
        document.set_xy(x, y)
        document.cell(label_w, h, (row.name or "")[:34])
        document.set_fill_color(228, 228, 228)
        document.rect(x + label_w, y + 0.5, bar_w, h - 1, style="F")
        document.set_fill_color(11, 74, 168)
        document.rect(x + label_w, y + 0.5, bar_w * share, h - 1, style="F")
        document.set_xy(x + label_w + bar_w + 1, y)
        document.cell(13, h, pct(row.figures.online_share))
        document.set_xy(x, y + h)


def write(brief: Brief, folder: Path) -> list[Path]:
    """Write ``bao-cao-nhanh-YYYY-MM-DD.md`` and ``.pdf`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"bao-cao-nhanh-{brief.day:%Y-%m-%d}"
    md, pdf_path = stem.with_suffix(".md"), stem.with_suffix(".pdf")
    md.write_text(markdown(brief), encoding="utf-8")
    pdf_path.write_bytes(pdf(brief))
    return [md, pdf_path]
