"""Answering a ``needs_choice`` item: when a registry holds several matching records (two land
parcels, a first and a second marriage…), the person picks the one the application is about.

The chosen record is read again, for that evidence type only, through the same
``service.fetch_evidence`` every read goes through, so it is logged like any read. Or the person
says none is right, and the form asks for the paper instead. Only an id the registry offered is
accepted: anything else is refused before any read, and changes nothing.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock
from motcua.core.errors import NotFound
from motcua.exchange import repository, service
from motcua.exchange.models import Decision, ItemStatus
from motcua.exchange.schemas import ItemView

# The answer "none of these, I will upload".
NONE_OF_THESE = "none-of-these"
UPLOAD_INSTEAD = "Người nộp cho biết không bản ghi nào đúng; sẽ tải giấy tờ lên"


async def choose(
    session: AsyncSession, reference: str, actor: str, key: str, answer: str
) -> ItemView:
    """The item after the answer: ``delivered`` with the chosen record, or still
    ``needs_choice`` with the decision ``rejected`` (the form asks for an upload)."""
    items = await service.items(session, reference, actor)  # the consent holder only
    item = next((i for i in items if i.key == key), None)
    if item is None or item.status != ItemStatus.needs_choice:
        raise NotFound(
            "Thành phần hồ sơ này không có câu hỏi nào đang chờ bạn chọn.",
            code="no-choice-pending",
            key=key,
        )
    answer = answer.strip()
    if not answer:
        raise service.ChoiceRefused(
            "Bạn chưa chọn: hãy chọn một bản ghi, hoặc chọn “Không có bản ghi nào đúng, "
            "tôi sẽ tải giấy tờ lên”.",
            code="choice-required",
            key=key,
        )
    if answer == NONE_OF_THESE:
        row = next(r for r in await repository.items(session, reference) if r.key == key)
        row.decision, row.decided_at, row.decision_reason = (
            Decision.rejected,
            clock.now(),
            UPLOAD_INSTEAD,
        )
        await session.flush()
        return item.model_copy(update={"decision": Decision.rejected})
    # Any other answer must be a record the registry offered: the fetch refuses anything else
    # before reading (``choice-not-offered``), for this page and the API alike.
    result = await service.fetch_evidence(
        session, reference, actor, choices={key: answer}, only=item.evidence_type
    )
    return next(i for i in result.items if i.key == key)
