"""Public catalog pages: search, and a procedure page that says plainly what to bring."""

import enum
from typing import Annotated, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from motcua.catalog import readiness, service
from motcua.catalog.models import Level, OnlineLevel
from motcua.catalog.readiness_routes import pages as readiness_pages
from motcua.core.database import RequestSession
from motcua.core.errors import NotFound
from motcua.core.settings import get_settings
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)
router.include_router(readiness_pages)  # /san-sang-du-lieu
E = TypeVar("E", bound=enum.Enum)

# Display names of the registries that serve evidence (CSDL quốc gia / chuyên ngành).
REGISTRY_NAMES = {
    "population": "Cơ sở dữ liệu quốc gia về dân cư",
    "identity": "Cơ sở dữ liệu căn cước",
    "residence": "Cơ sở dữ liệu về cư trú",
    "civil_status": "Cơ sở dữ liệu hộ tịch điện tử",
    "health": "Dữ liệu y tế (giấy chứng sinh, báo tử điện tử)",
    "insurance": "Cơ sở dữ liệu bảo hiểm xã hội, bảo hiểm y tế",
    "land": "Cơ sở dữ liệu đất đai",
    "business": "Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp",
    "driving_licence": "Cơ sở dữ liệu giấy phép lái xe",
    "vehicle": "Cơ sở dữ liệu đăng ký xe",
    "tax": "Cơ sở dữ liệu thuế",
    "judicial_records": "Cơ sở dữ liệu lý lịch tư pháp",
    "traffic_fines": "Dữ liệu xử phạt vi phạm giao thông",
    "social_affairs": "Cơ sở dữ liệu lao động, người có công và xã hội",
    "ket_qua": "Kho kết quả giải quyết thủ tục hành chính điện tử",
}


def _choice(enum: type[E], value: str | None) -> E | None:
    """Unknown filter values from a page form are ignored, not a 422 page."""
    try:
        return enum(value) if value else None
    except ValueError:
        return None


@router.get("/", response_class=HTMLResponse)
async def search_page(
    request: Request,
    session: RequestSession,
    q: Annotated[str, Query(max_length=200)] = "",
    level: str | None = None,
    online_level: str | None = None,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> HTMLResponse:
    results = await service.search(
        session,
        q,
        level=_choice(Level, level),
        online_level=_choice(OnlineLevel, online_level),
        page=page,
    )
    return render(
        request,
        "catalog/search.html",
        {
            "q": q,
            "level": level or "",
            "online_level": online_level or "",
            "results": results,
            "pages": (results.total + results.page_size - 1) // results.page_size,
        },
    )


@router.get("/procedures/{code}", response_class=HTMLResponse)
async def procedure_page(request: Request, code: str, session: RequestSession) -> HTMLResponse:
    try:
        procedure = await service.current(session, code)
    except NotFound as error:
        return render(
            request, "catalog/not_found.html", {"code": code, "error": error}, status_code=404
        )
    # "You need not bring" promises only what a connected, enabled registry delivers today.
    sources = await readiness.Sources.load(session)
    fetched, not_connected = sources.promise(procedure.requirements)
    to_bring = [r for r in procedure.requirements if r.evidence_type is None]
    return render(
        request,
        "catalog/procedure.html",
        {
            "p": procedure,
            "fetched": fetched,
            "to_bring": to_bring,
            "not_connected": not_connected,
            "registry_names": REGISTRY_NAMES,
            "receipt_cutoff": get_settings().receipt_cutoff.strftime("%H:%M"),
        },
    )
