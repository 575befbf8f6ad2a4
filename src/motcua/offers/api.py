"""JSON routes of offers: the signed-in person's offers, confirm in one step, decline."""

from typing import Annotated

from fastapi import APIRouter, Path

from motcua.core.database import RequestSession
from motcua.identity.auth import CurrentCitizen
from motcua.identity.citizens import require_level
from motcua.offers import filing, service
from motcua.offers.schemas import AskedOut, ChoiceOut, ConfirmIn, OfferOut

router = APIRouter(prefix="/api/v1", tags=["offers"])
OfferId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


def out(view: service.OfferView) -> OfferOut:
    offer = view.offer
    return OfferOut(
        id=offer.id,
        title=view.title,
        procedure_code=offer.procedure_code,
        procedure_name=view.procedure_name,
        state=offer.state,
        facts=offer.facts,
        prefilled=dict(view.prefilled),
        asked=[
            AskedOut(
                name=a.name,
                label=a.label,
                kind=a.kind,
                options=list(a.options),
                required=a.required,
                hint=a.hint or None,
            )
            for a in view.asked
        ],
        combinations=[ChoiceOut(key=c.key, name=c.name) for c in view.choices],
        combination=view.combination,
        url=view.url,
        without_other_parent=offer.without_other_parent,
        message=offer.message,
        dossier_code=offer.dossier_code,
        created_at=offer.created_at,
    )


@router.get("/me/offers", response_model=list[OfferOut])
async def mine(citizen: CurrentCitizen, session: RequestSession) -> list[OfferOut]:
    """Services offered to the person because a registry showed something happened."""
    return [out(v) for v in await service.mine(session, citizen.personal_id)]


@router.get("/me/offers/{offer_id}", response_model=OfferOut)
async def one(offer_id: OfferId, citizen: CurrentCitizen, session: RequestSession) -> OfferOut:
    return out(await service.get(session, offer_id, citizen.personal_id))


@router.post("/me/offers/{offer_id}/confirm", response_model=OfferOut)
async def confirm(
    offer_id: OfferId, body: ConfirmIn, citizen: CurrentCitizen, session: RequestSession
) -> OfferOut:
    """File the offered service in one step; confirming again returns the same dossier."""
    offered = await service.get(session, offer_id, citizen.personal_id)
    require_level(citizen, offered.offer.procedure_code)
    await filing.confirm(
        session,
        offer_id,
        citizen.personal_id,
        body.answers,
        combination=body.combination,
        without_other_parent=body.without_other_parent,
        person_name=citizen.full_name,
    )
    return out(await service.get(session, offer_id, citizen.personal_id))


@router.post("/me/offers/{offer_id}/decline", response_model=OfferOut)
async def decline(offer_id: OfferId, citizen: CurrentCitizen, session: RequestSession) -> OfferOut:
    await service.decline(session, offer_id, citizen.personal_id)
    return out(await service.get(session, offer_id, citizen.personal_id))
