"""The statistics page for people: dossier figures per province, commune, procedure or channel,
with dates as dd/mm/yyyy, names rather than codes, and the concentration of online filings."""

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from motcua.core.database import RequestSession
from motcua.core.errors import Invalid
from motcua.stats import brief as briefs
from motcua.stats import index766, quality, repository, roadmap, service
from motcua.stats.equipped import equipped_vs_used
from motcua.stats.facts import CHANNEL_NAMES
from motcua.web.templating import render

router = APIRouter(prefix="/thong-ke", include_in_schema=False)
Text = Annotated[str | None, Query(max_length=40)]
PERIOD_NAMES = {"": "Cả khoảng", "day": "Theo ngày", "week": "Theo tuần", "month": "Theo tháng"}
GROUP_NAMES = {
    "": "Không chia nhóm",
    "province": "Theo tỉnh, thành phố",
    "commune": "Theo xã, phường",
    "procedure": "Theo thủ tục",
    "channel": "Theo kênh nộp",
}
PARAMETER_NAMES = {
    "start": "Từ ngày",
    "end": "Đến ngày",
    "unit": "Đơn vị",
    "period": "Kỳ",
    "group": "Chia nhóm",
    "procedure": "Thủ tục",
    "channel": "Kênh",
    "agency": "Cơ quan",
    "day": "Ngày báo cáo",
    "month": "Tháng",
    "province": "Tỉnh, thành phố",
    "on": "Ngày",
}


def _day(value: str | None, field: str) -> date | None:
    if not value or not value.strip():
        return None
    try:
        return datetime.strptime(value.strip(), "%d/%m/%Y").date()
    except ValueError as error:
        raise Invalid(
            f"{PARAMETER_NAMES[field]}: hãy ghi ngày theo dạng ngày/tháng/năm, ví dụ 05/12/2025.",
            code="invalid-parameter",
            parameter=field,
        ) from error


@router.get("", response_class=HTMLResponse)
async def overview(
    request: Request,
    session: RequestSession,
    tu: Text = None,
    den: Text = None,
    don_vi: Text = None,
    ky: Text = None,
    nhom: Text = None,
) -> HTMLResponse:
    typed = {"tu": tu or "", "den": den or "", "don_vi": don_vi or "", "ky": ky or "",
             "nhom": nhom or ""}  # fmt: skip
    provinces = await repository.provinces(session)
    context: dict[str, object] = {
        "typed": typed,
        "provinces": provinces,
        "periods": PERIOD_NAMES,
        "groups": GROUP_NAMES,
        "channels": CHANNEL_NAMES,
    }
    try:
        start, end = _day(tu, "start"), _day(den, "end")
        if start is None and end is None:
            start, end = await service.default_range(session)
        query = service.Query(
            start=start, end=end, unit=don_vi or None, period=ky or None, group=nhom or None
        )
        stats = await service.statistics(session, query)
        concentration = await service.concentration(session, query)
    except Invalid as error:
        context["error"] = _message(error)
        return render(request, "stats/overview.html", context, 422)
    if not typed["tu"] and not typed["den"]:
        typed["tu"], typed["den"] = f"{stats.start:%d/%m/%Y}", f"{stats.end:%d/%m/%Y}"
    context.update(stats=stats, concentration=concentration)
    return render(request, "stats/overview.html", context)


def _message(error: Invalid) -> str:
    """The service's message names the API's parameter; the page names its own field."""
    parameter = str(error.details.get("parameter", ""))
    message = error.message
    for code in ("(start..end)", "(start)", "(end)", "(period)", "(group)", "(channel)"):
        message = message.replace(" " + code, "")
    label = PARAMETER_NAMES.get(parameter)
    return f"{label}: {message}" if label and not message.startswith(label) else message


STATUS_NAMES = {"green": "Xanh", "yellow": "Vàng", "red": "Đỏ", "grey": "Chưa báo cáo"}


@router.get("/trang-bi-va-su-dung", response_class=HTMLResponse)
async def equipped(
    request: Request,
    session: RequestSession,
    ngay: Text = None,
    tinh: Annotated[str | None, Query(max_length=2)] = None,
) -> HTMLResponse:
    """Reported status beside the dossiers, for the provinces or one province's communes."""
    typed = {"ngay": ngay or "", "tinh": tinh or ""}
    context: dict[str, object] = {
        "typed": typed,
        "provinces": await repository.provinces(session),
        "statuses": STATUS_NAMES,
    }
    try:
        result = await equipped_vs_used(session, _day(ngay, "day"), tinh or None)
    except Invalid as error:
        context["error"] = _message(error)
        return render(request, "stats/equipped.html", context, 422)
    typed["ngay"] = typed["ngay"] or f"{result.day:%d/%m/%Y}"
    context["result"] = result
    context["province_name"] = dict(await repository.provinces(session)).get(tinh or "")
    return render(request, "stats/equipped.html", context)


@router.get("/bao-cao-nhanh.{kind}", response_model=None)
async def brief(
    request: Request,
    session: RequestSession,
    kind: Annotated[str, Path(pattern=r"^(pdf|md)$")],
    ngay: Text = None,
) -> Response:
    """The steering brief of a day (default: the last report day), to download."""
    try:
        composed = await briefs.compose(session, _day(ngay, "day"))
    except Invalid as error:
        context = {"messages": [_message(error)]}
        return render(request, "error.html", context, 422)
    name = f"bao-cao-nhanh-{composed.day:%Y-%m-%d}.{kind}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if kind == "pdf":
        return Response(briefs.pdf(composed), media_type="application/pdf", headers=headers)
    return Response(
        briefs.markdown(composed), media_type="text/markdown; charset=utf-8", headers=headers
    )


@router.get("/du-lieu", response_class=HTMLResponse)
async def data_quality(
    request: Request, session: RequestSession, tu: Text = None, den: Text = None
) -> HTMLResponse:
    """Papers not cut and the registries' data quality, ranked."""
    typed = {"tu": tu or "", "den": den or ""}
    context: dict[str, object] = {"typed": typed}
    try:
        start, end = _day(tu, "start"), _day(den, "end")
        if start is None and end is None:
            start, end = await service.default_range(session)
        query = service.Query(start=start, end=end)
        papers = await quality.papers_not_cut(session, query)
        registries = await quality.registry_quality(session, query)
    except Invalid as error:
        context["error"] = _message(error)
        return render(request, "stats/quality.html", context, 422)
    typed["tu"] = typed["tu"] or f"{papers.start:%d/%m/%Y}"
    typed["den"] = typed["den"] or f"{papers.end:%d/%m/%Y}"
    context.update(papers=papers, registries=registries)
    return render(request, "stats/quality.html", context)


def _month(value: str | None) -> date | None:
    if not value or not value.strip():
        return None
    try:
        return datetime.strptime(value.strip(), "%m/%Y").date()
    except ValueError as error:
        raise Invalid(
            "Tháng: hãy ghi tháng theo dạng tháng/năm, ví dụ 12/2025.",
            code="invalid-parameter",
            parameter="month",
        ) from error


@router.get("/chi-so", response_class=HTMLResponse)
async def service_index(
    request: Request,
    session: RequestSession,
    thang: Text = None,
    tinh: Annotated[str | None, Query(max_length=2)] = None,
) -> HTMLResponse:
    """Decision 766's index per province or commune for a month, with every formula."""
    typed = {"thang": thang or "", "tinh": tinh or ""}
    provinces = await repository.provinces(session)
    context: dict[str, object] = {"typed": typed, "provinces": provinces}
    try:
        result = await index766.service_index(session, _month(thang), tinh or None)
    except Invalid as error:
        context["error"] = _message(error)
        return render(request, "stats/index.html", context, 422)
    typed["thang"] = typed["thang"] or f"{result.month:%m/%Y}"
    context.update(result=result, province_name=dict(provinces).get(tinh or ""))
    return render(request, "stats/index.html", context)


GAP_CHOICES = {
    "": "Mọi thủ tục còn thiếu",
    **{k: v["name"] for k, v in roadmap.settings()["criteria"].items()},
}


@router.get("/lo-trinh", response_class=HTMLResponse)
async def roadmap_page(
    request: Request,
    session: RequestSession,
    ngay: Text = None,
    thieu: Annotated[str | None, Query(max_length=16)] = None,
) -> HTMLResponse:
    """The 2,500-procedure roadmap: seamless procedures against the target, per ministry, over
    time, and the procedures still short of it with who answers for each gap."""
    typed = {"ngay": ngay or "", "thieu": thieu if thieu in GAP_CHOICES else ""}
    context: dict[str, object] = {"typed": typed, "gap_choices": GAP_CHOICES}
    try:
        day = _day(ngay, "on")
        plan = await roadmap.roadmap(session, day)
    except Invalid as error:
        context["error"] = _message(error)
        return render(request, "stats/roadmap.html", context, 422)
    total, short = await roadmap.procedures(session, plan.on, gap=typed["thieu"] or None, limit=50)
    typed["ngay"] = typed["ngay"] or f"{plan.on:%d/%m/%Y}"
    context.update(plan=plan, short=[p for p in short if not p.seamless], short_total=total)
    return render(request, "stats/roadmap.html", context)
