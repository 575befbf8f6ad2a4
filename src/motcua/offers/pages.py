"""Citizen pages of offers: the offer with what the event already says, the few fields left to
type, and the one-step confirmation or the refusal. Plain HTML forms; nothing typed is lost on
a refused form."""

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from motcua.core.database import RequestSession
from motcua.identity.auth import PageCitizen
from motcua.identity.citizens import require_level
from motcua.offers import filing, parents, service
from motcua.offers.models import OfferState
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)
OfferId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
FIELD = "field-"
BACK = ("/ca-nhan", "/ho-so-cua-toi")  # where a decline from a list returns to


async def _page(
    request: Request,
    session: RequestSession,
    view: service.OfferView,
    errors: list[tuple[str, str]] | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "offers/offer.html",
        {
            "view": view,
            "offer": view.offer,
            "errors": errors or [],
            "typed": typed if typed is not None else view.offer.answers,
            "states": OfferState,
            "without_other_parent": await parents.unconfirmed(session, view.offer),
        },
        status_code,
    )


@router.get("/de-nghi/{offer_id}", response_class=HTMLResponse)
async def offer_page(
    request: Request, offer_id: OfferId, session: RequestSession, citizen: PageCitizen
) -> Response:
    view = await service.get(session, offer_id, citizen.personal_id)
    if view.offer.state == OfferState.filed and view.url:
        return RedirectResponse(view.url, status_code=303)
    return await _page(request, session, view)


@router.post("/de-nghi/{offer_id}", response_class=HTMLResponse)
async def confirm_page(
    request: Request, offer_id: OfferId, session: RequestSession, citizen: PageCitizen
) -> Response:
    form = await request.form()
    typed = {
        str(k).removeprefix(FIELD): str(v)
        for k, v in form.items()
        if str(k).startswith(FIELD) and isinstance(v, str)
    }
    without = form.get("khong_cho_cha") == "1"
    chosen = form.get("lua_chon")
    combination = chosen[:40] if isinstance(chosen, str) and chosen else None
    offered = await service.get(session, offer_id, citizen.personal_id)
    require_level(citizen, offered.offer.procedure_code)
    try:
        await filing.confirm(
            session,
            offer_id,
            citizen.personal_id,
            typed,
            combination=combination,
            without_other_parent=without,
            person_name=citizen.full_name,
        )
    except service.OfferRefused as refused:
        view = await service.get(session, offer_id, citizen.personal_id)
        if combination:
            view.combination = combination
        return await _page(request, session, view, refused.problems, typed, 422)
    view = await service.get(session, offer_id, citizen.personal_id)
    if view.offer.state == OfferState.filed and view.url:
        return RedirectResponse(view.url, status_code=303)
    return RedirectResponse(f"/de-nghi/{offer_id}", status_code=303)


@router.post("/de-nghi/{offer_id}/tu-choi")
async def decline_page(
    request: Request, offer_id: OfferId, session: RequestSession, citizen: PageCitizen
) -> Response:
    await service.decline(session, offer_id, citizen.personal_id)
    back = (await request.form()).get("ve")
    return RedirectResponse(back if back in BACK else "/ho-so-cua-toi", status_code=303)
