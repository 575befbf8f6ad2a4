"""The other parent of a birth offer (the father, as the offer goes to the mother).

The father is known when the population registry records the mother's spouse (the marital
presumption), or when the mother names him by his personal number in the offer's one step.
Nothing of his is read before he confirms with his own e-ID (the application's usual request,
at "Dữ liệu của tôi", seven days to answer): until then the offer is ``waiting`` and says so;
his answer files it by itself (his data on the e-birth certificate) or brings it back to the
mother. She may file without waiting: the certificate then leaves the father blank, as the
law allows when the father is not established (an unmarried mother); the father can be
recorded later by the civil-status procedures for that. Records that disagree (she names
another man than the registry's husband) are a question to her: nothing is filed.
"""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.applications.models import Application
from motcua.catalog.models import SubjectRole
from motcua.core import clock, outbox
from motcua.core.calendar import get_calendar
from motcua.core.errors import Invalid
from motcua.exchange import subjects
from motcua.exchange.connectors import Fetcher
from motcua.exchange.models import ConsentSubject, SubjectState
from motcua.offers import service
from motcua.offers.models import Offer, OfferState

ROLE = SubjectRole.spouse  # the role the birth procedures read the other parent under
RETRY = "offers.file"


async def _row(session: AsyncSession, reference: str) -> ConsentSubject | None:
    return await session.get(ConsentSubject, (reference, ROLE))


async def name(
    session: AsyncSession, offer: Offer, reference: str, fetcher: Fetcher | None
) -> None:
    """The father the mother named: asked to confirm, unless the registry already names
    another (a question to her: ``Invalid`` ``parents-disagree``, nothing filed)."""
    named = str(offer.answers.get(service.OTHER_PARENT_FIELD) or "")
    if not named:
        return
    row = await _row(session, reference)
    if row is not None and row.personal_id == named:
        return
    if row is not None and row.personal_id:
        husband = row.full_name or "một người khác"
        raise Invalid(
            f"Cơ sở dữ liệu quốc gia về dân cư ghi chồng của bạn là {husband}, khác với người "
            "có số định danh bạn khai là cha của trẻ. Hãy kiểm tra lại số định "
            "danh đã khai (để trống nếu cha của trẻ là chồng của bạn), hoặc liên hệ Bộ phận Một "
            "cửa của xã, phường để được hướng dẫn.",
            code="parents-disagree",
            field=service.OTHER_PARENT_FIELD,
        )
    await subjects.choose(
        session, reference, offer.person_personal_id, ROLE, named, fetcher=fetcher
    )


async def ready(session: AsyncSession, offer: Offer, reference: str) -> bool:
    """Whether the group may be filed now as far as the father goes; else the offer is left
    ``waiting`` (he has not answered) or ``pending`` (he said no, or did not answer in time)
    with a message saying so and what she can do."""
    row = await _row(session, reference)
    if row is None or offer.without_other_parent:
        return True
    if row.state in (SubjectState.chosen, SubjectState.confirmed):
        return True
    who = row.full_name or "Người cha"
    without = (
        " Bạn cũng có thể nộp ngay, không chờ: giấy khai sinh khi đó để trống phần khai về "
        "người cha."
    )
    if row.state == SubjectState.pending and (
        row.expires_at is None or row.expires_at > clock.now()
    ):
        until = get_calendar().localise(row.expires_at or clock.now())
        offer.state = OfferState.waiting
        offer.message = (
            f"Đang chờ {who}, cha của trẻ, xác nhận cho phép đọc dữ liệu của mình bằng tài "
            f"khoản định danh điện tử (hạn đến ngày {until:%d/%m/%Y}). Khi người cha xác nhận, "
            "hồ sơ được nộp tự động." + without
        )
        return False
    offer.state = OfferState.pending
    said = (
        "đã từ chối cho đọc dữ liệu"
        if row.state == SubjectState.declined
        else ("chưa xác nhận trong thời hạn")
    )
    offer.message = f"{who}, cha của trẻ, {said}, nên hồ sơ chưa được nộp." + without
    return False


async def unconfirmed(session: AsyncSession, offer: Offer) -> bool:
    """Whether the mother may choose to file now without the father: he was asked and has
    not confirmed (waiting, said no, or did not answer in time)."""
    if offer.without_other_parent or offer.application_id is None:
        return False
    if offer.state not in (OfferState.pending, OfferState.waiting):
        return False
    application = await session.get(Application, offer.application_id)
    row = await _row(session, application.consent_reference) if application else None
    return row is not None and row.state not in (SubjectState.chosen, SubjectState.confirmed)


async def answered(session: AsyncSession, reference: str, role: str) -> None:
    """The father answered: each offer waiting for him is filed again by the worker (his
    confirmation files it; a refusal brings it back to the mother)."""
    if role != ROLE:
        return
    waiting = await session.scalars(
        select(Offer)
        .join(Application, Application.id == Offer.application_id)
        .where(Application.consent_reference == reference, Offer.state == OfferState.waiting)
    )
    for offer in waiting:
        await outbox.enqueue(
            session, RETRY, {"offer": offer.id}, f"offer-answered:{offer.id}:{offer.attempts}"
        )


subjects.ANSWERED.append(answered)
