"""Dashboard pages (national overview, province drill-down, unit history, non-reporters),
the report form and CSV upload for officers, and CSV/XLSX exports of every table."""

from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock
from motcua.core.database import RequestSession
from motcua.core.errors import Invalid
from motcua.identity.auth import OptionalOfficer
from motcua.monitoring import charts, exports, kinds, progress, scenarios, service, tables, trends
from motcua.monitoring.models import TaskLevel
from motcua.monitoring.names import task_names
from motcua.monitoring.rules import STATUS_LABELS, Status
from motcua.monitoring.schemas import MilestonePoint, Summary
from motcua.web.templating import render

router = APIRouter(prefix="/monitoring", include_in_schema=False)
Day = Annotated[date | None, Query(alias="date")]
UnitCode = Annotated[str | None, Query(pattern=r"^[0-9A-Z.]{1,35}$")]
TREND_DAYS = 14
LEVEL_NAMES = {"ministry": "Bộ, cơ quan", "province": "Cấp tỉnh", "commune": "Cấp xã"}
MAX_UPLOAD = 5 * 1024 * 1024
SILENT_PAGE = 200  # non-reporters a page: a phone gets a page it can scroll, not thousands


def _labels() -> dict[str, str]:
    return {s.value: label for s, label in STATUS_LABELS.items()}


async def _day(session: AsyncSession, day: date | None) -> date:
    return day or await service.default_day(session)


def _login(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)


CommuneSort = Literal["trang-thai", "ten", "nhiem-vu", "bao-cao"]
ProvinceSort = Literal["trang-thai", "ten", "xa-xanh", "bao-cao"]
SilentSort = Literal["im-lang", "ten", "tinh"]
StatusFilter = Annotated[Status | None, Query(alias="trang-thai")]
NameFilter = Annotated[str, Query(alias="tim", max_length=100)]


def _kind_context(request: Request, khoi: str, anchor: str = "") -> dict[str, object]:
    params = dict(request.query_params)
    return {
        "khoi": khoi,
        "khoi_suffix": kinds.suffix(khoi),
        "kind_links": kinds.links(request.url.path, params, khoi, anchor),
        "kind_names": kinds.KIND_NAMES,
        "counted": kinds.COUNTED[khoi],
    }


async def _shares(
    session: AsyncSession, unit: str | None, day: date, plans: trends.Period, kind: str
) -> list[tuple[str, charts.ShareChart]]:
    """Per level, the colours of every day of the plans up to ``day``."""
    span = trends.chart_range(day, plans)
    if span is None:
        return []
    series = await trends.status_series(session, unit, *span, kind)
    return [(s.level.value, charts.share_chart(s.points)) for s in series]


def _milestone_chart(points: list[MilestonePoint], span: tuple[date, date]) -> charts.CountChart:
    return charts.count_chart([(p.day, p.met, p.expected) for p in points], *span)


@router.get("", response_class=HTMLResponse)
async def overview(
    request: Request,
    session: RequestSession,
    khoi: kinds.Chosen,
    day: Day = None,
    status: StatusFilter = None,
    name: NameFilter = "",
    sort: Annotated[ProvinceSort, Query(alias="sap-xep")] = "trang-thai",
) -> HTMLResponse:
    chosen = await _day(session, day)
    kind = kinds.KHOI[khoi]
    summary = await service.summary(session, chosen, None, kind)
    grid = await service.province_grid(session, chosen, kind)
    start = chosen - timedelta(days=TREND_DAYS - 1)
    trend = await service.trend(session, None, start, chosen, None, kind)
    milestones = await progress.milestones(
        session, chosen - timedelta(days=366), chosen, None, kind
    )
    plans = await trends.period(session, chosen)
    span = trends.chart_range(chosen, plans)
    return render(
        request,
        "monitoring/overview.html",
        {
            "day": chosen,
            "summary": summary,
            "levels": {f.level: f for f in summary.levels},
            "provinces_green": sum(1 for p in grid if p.status == Status.green),
            "grid": grid,
            "map": charts.tile_map([(p.code, p.name, p.status) for p in grid]),
            "rows": tables.chosen(grid, status, name, tables.PROVINCE_KEYS[sort]),
            "totals": tables.totals(grid),
            "chosen_status": status,
            "name": name,
            "sort": sort,
            "trend": trend,
            "shares": await _shares(session, None, chosen, plans, kind),
            "period": plans,
            "labels": _labels(),
            **_kind_context(request, khoi),
            "groups": await progress.groups(session, chosen, None, kind),
            "milestones": [
                (m, m.points, _milestone_chart(m.points, span or (m.points[0].day, chosen)))
                for m in milestones
                if m.points
            ],
            "span": span,
            "seed_days": await scenarios.loaded_days(session),
            "level_names": LEVEL_NAMES,
        },
    )


@router.get("/readiness", response_class=HTMLResponse)
async def readiness(
    request: Request, session: RequestSession, khoi: kinds.Chosen, day: Day = None
) -> HTMLResponse:
    """The commune centre's basic conditions: nationally, per province, never-reported."""
    chosen = await _day(session, day)
    tasks = await progress.readiness(session, chosen, kinds.KHOI[khoi])
    context = {"day": chosen, "tasks": tasks, **_kind_context(request, khoi)}
    return render(request, "monitoring/readiness.html", context)


@router.get("/provinces/{code}", response_class=HTMLResponse)
async def province(
    request: Request,
    session: RequestSession,
    khoi: kinds.Chosen,
    code: Annotated[str, Path(pattern=r"^\d{2}$")],
    day: Day = None,
    status: StatusFilter = None,
    name: NameFilter = "",
    sort: Annotated[CommuneSort, Query(alias="sap-xep")] = "trang-thai",
) -> HTMLResponse:
    chosen = await _day(session, day)
    kind = kinds.KHOI[khoi]
    rows = await service.communes(session, code, chosen, kind)
    summary = await service.summary(session, chosen, code, kind)
    shown = tables.chosen(rows, status, name, tables.COMMUNE_KEYS[sort])
    plans = await trends.period(session, chosen)
    return render(
        request,
        "monitoring/province.html",
        {
            "day": chosen,
            "summary": summary,
            "heading": await _province_heading(session, code, chosen, khoi, summary),
            "levels": {f.level: f for f in summary.levels},
            "rows": shown,
            "all_rows": len(rows),
            "totals": tables.totals(rows),
            "shares": await _shares(session, code, chosen, plans, kind),
            "period": plans,
            "level_names": LEVEL_NAMES,
            **_kind_context(request, khoi, "#communes"),
            "chosen_status": status,
            "name": name,
            "sort": sort,
            "labels": _labels(),
        },
    )


async def _province_heading(
    session: AsyncSession, code: str, day: date, khoi: str, summary: Summary
) -> tuple[str, str | None, str | None]:
    """(name, the chosen kind's words, status) heading a province page: its People's
    Committee and its own status; with another kind chosen, the province and the kind, coloured
    as the map colours it (the kind's province-level units together)."""
    if khoi == "chinh-quyen":
        return summary.scope.name, None, summary.own_status
    row = next(
        r for r in await service.province_grid(session, day, kinds.KHOI[khoi]) if r.code == code
    )
    return row.name, kinds.HEADINGS[khoi], row.status


@router.get("/units/{unit}", response_class=HTMLResponse)
async def unit_history(
    request: Request,
    session: RequestSession,
    unit: Annotated[str, Path(pattern=r"^[0-9A-Z.]{1,35}$")],
    khoi: kinds.Chosen,
    day: Day = None,
) -> HTMLResponse:
    chosen = await _day(session, day)
    start = chosen - timedelta(days=29)
    scope = await service.resolve_scope(session, unit)
    versions = await service.report_versions(session, unit, start, chosen)
    titles = {spec.code: spec for spec in (await service.catalogue(session)).specs.values()}
    return render(
        request,
        "monitoring/unit.html",
        {"day": chosen, "start": start, "unit": scope.ref, "versions": versions,
         "labels": _labels(), "titles": titles, **_kind_context(request, khoi)},
    )  # fmt: skip


@router.get("/non-reporters", response_class=HTMLResponse)
async def non_reporters(
    request: Request,
    session: RequestSession,
    khoi: kinds.Chosen,
    day: Day = None,
    unit: UnitCode = None,
    never: bool = False,
    level: Annotated[TaskLevel | None, Query(alias="cap")] = None,
    sort: Annotated[SilentSort, Query(alias="sap-xep")] = "im-lang",
    page: Annotated[int, Query(alias="trang", ge=1, le=1000)] = 1,
) -> HTMLResponse:
    """Longest silence first (the service's order, read a page at a time), or by name or
    province (every silent unit of the level read, sorted here); one level only;
    ``SILENT_PAGE`` units a page."""
    chosen = await _day(session, day)
    kind = kinds.KHOI[khoi]
    counts = await service.silent_counts(session, chosen, unit, never=never, kind=kind)
    total = counts.get(level, 0) if level else sum(counts.values())
    pages = max(1, -(-total // SILENT_PAGE))
    page = min(page, pages)
    first = (page - 1) * SILENT_PAGE
    if sort == "im-lang":
        rows = await service.non_reporters(session, chosen, unit, SILENT_PAGE, never=never,
                                           kind=kind, level=level, offset=first)  # fmt: skip
    else:
        every = await service.non_reporters(
            session, chosen, unit, 100_000, never=never, kind=kind, level=level
        )
        rows = tables.silent(every, None, sort)[first : first + SILENT_PAGE]
    scope = await service.resolve_scope(session, unit)
    return render(
        request,
        "monitoring/non_reporters.html",
        {"day": chosen, "rows": rows,
         "page": page, "pages": pages, "first": first + 1,
         "shown": total, "all_rows": sum(counts.values()),
         "counts": {lv.value: counts.get(lv, 0) for lv in TaskLevel},
         "chosen_level": level.value if level else None, "sort": sort, "scope": scope.ref,
         "unit": unit or "", "never": never, "level_names": LEVEL_NAMES,
         **_kind_context(request, khoi)},
    )  # fmt: skip


@router.get("/export/{table}.{fmt}")
async def export(
    session: RequestSession,
    table: Literal["provinces", "communes", "non-reporters"],
    fmt: Literal["csv", "xlsx"],
    khoi: kinds.Chosen,
    day: Day = None,
    unit: UnitCode = None,
) -> Response:
    """The table of a dashboard as a file, for the kind of units the dashboard shows."""
    chosen = await _day(session, day)
    kind = kinds.KHOI[khoi]
    if table == "provinces":
        units = "xã" if khoi == "chinh-quyen" else kinds.COUNTED[khoi][0]
        data = exports.provinces_table(await service.province_grid(session, chosen, kind), units)
    elif table == "communes":
        if unit is None:
            raise Invalid("Cần chọn một tỉnh, thành phố để tải bảng các xã.", code="unit-required")
        rows = await service.communes(session, unit, chosen, kind)
        data = exports.communes_table(rows, committees_only=khoi == "chinh-quyen")
    else:
        data = exports.non_reporters_table(
            await service.non_reporters(session, chosen, unit, 100_000, kind=kind)
        )
    parts = [table, unit or "", "" if khoi == "chinh-quyen" else khoi, chosen.isoformat()]
    name = "-".join(part for part in parts if part)
    if fmt == "xlsx":
        return Response(
            exports.to_xlsx(data, table),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    return Response(
        exports.to_csv(data),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.get("/report", response_class=HTMLResponse)
async def report_form(
    request: Request,
    session: RequestSession,
    officer: OptionalOfficer,
    unit: UnitCode = None,
    day: Day = None,
) -> Response:
    if officer is None:
        return _login(request)
    chosen_unit = unit or service.own_unit(officer)
    today = clock.now().astimezone(service.zone()).date()
    chosen = day or today
    form = await service.report_form(session, officer, chosen_unit, chosen, today)
    sent_at = form.sent_at.astimezone(service.zone()) if form.sent_at else None
    return render(
        request,
        "monitoring/report_form.html",
        {"officer": officer, "unit": chosen_unit, "unit_name": form.unit_name, "day": chosen,
         "tasks": form.tasks, "form": form, "values": form.sent_values,
         "note": form.sent_note, "sent_at": sent_at},
    )  # fmt: skip


@router.post("/report", response_class=HTMLResponse)
async def report_submit(
    request: Request, session: RequestSession, officer: OptionalOfficer
) -> Response:
    if officer is None:
        return _login(request)
    form = await request.form()
    unit = str(form.get("unit") or service.own_unit(officer))
    note = str(form.get("note") or "")[:2000]
    try:
        day = date.fromisoformat(str(form.get("day") or ""))
    except ValueError:
        day = None
    today = clock.now().astimezone(service.zone()).date()
    due = await service.report_form(session, officer, unit, day or today, today)
    values: dict[str, object] = {}
    for task in due.tasks:
        field = f"task:{task.code}"
        if task.kind == "checklist":
            values[task.code] = [str(v) for v in form.getlist(field)]
        elif field in form:
            values[task.code] = str(form.get(field))
    try:
        if day is None:
            raise Invalid("Ngày báo cáo không hợp lệ.", code="invalid-day")
        report = await service.submit_report(
            session,
            subject=officer,
            unit=unit,
            day=day,
            values=values,
            note=note or None,
            submitted_at=clock.now(),
            source="form",
        )
    except Invalid as refusal:
        # The form again with what was typed (the note too) and why it was refused.
        await session.rollback()
        context = {"officer": officer, "unit": unit, "unit_name": due.unit_name,
                   "day": day or today, "tasks": due.tasks, "form": due, "values": values,
                   "note": note, "error": refusal.message}  # fmt: skip
        return render(request, "monitoring/report_form.html", context, 422)
    names = await task_names(session)
    return render(
        request,
        "monitoring/report_done.html",
        {"report": report, "labels": _labels(), "names": names},
        201,
    )


@router.get("/upload", response_class=HTMLResponse)
async def upload_form(request: Request, officer: OptionalOfficer) -> Response:
    if officer is None:
        return _login(request)
    return render(request, "monitoring/upload.html", {"officer": officer, "problems": None})


@router.post("/upload", response_class=HTMLResponse)
async def upload(
    request: Request, session: RequestSession, officer: OptionalOfficer, file: UploadFile
) -> Response:
    if officer is None:
        return _login(request)
    content = await file.read(MAX_UPLOAD + 1)
    try:
        if len(content) > MAX_UPLOAD:
            raise Invalid("Tệp quá lớn (tối đa 5 MB).", code="file-too-large")
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Invalid("Tệp phải là CSV mã hoá UTF-8.", code="invalid-csv") from None
        result = await service.submit_csv(
            session, subject=officer, content=text, submitted_at=clock.now()
        )
    except Invalid as error:
        problems = error.details.get("problems") or [{"line": 0, "message": error.message}]
        context = {"officer": officer, "problems": problems, "message": error.message}
        return render(request, "monitoring/upload.html", context, 422)
    context = {"officer": officer, "problems": [], "result": result}
    return render(request, "monitoring/upload.html", context, 201)
