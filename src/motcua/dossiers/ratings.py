"""The applicant rates how their dossier was handled, once, after the result or the refusal
(three levels, as the National Public Service Portal asks); the ratings feed the service
index's satisfaction (``stats.index766``)."""

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock
from motcua.core.errors import Conflict, Invalid
from motcua.core.repository import conflict_insert
from motcua.dossiers.models import DossierRating, DossierState
from motcua.dossiers.reading import for_person

LEVELS = {
    "very_satisfied": "Rất hài lòng",
    "satisfied": "Hài lòng",
    "dissatisfied": "Không hài lòng",
}
RATEABLE = frozenset({DossierState.result_ready, DossierState.returned, DossierState.refused})
COMMENT_MAX = 1000


async def rating_of(session: AsyncSession, dossier_id: int) -> DossierRating | None:
    return await session.get(DossierRating, dossier_id)


async def rate(
    session: AsyncSession, code: str, person: str, level: str, comment: str = ""
) -> DossierRating:
    """The applicant's (or filer's) one rating of a dossier that has its outcome."""
    dossier, _ = await for_person(session, code, person)
    if level not in LEVELS:
        raise Invalid(
            "Hãy chọn một mức: rất hài lòng, hài lòng hoặc không hài lòng.",
            code="invalid-rating",
            parameter="level",
        )
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        raise Invalid(
            f"Ý kiến dài tối đa {COMMENT_MAX} ký tự.", code="invalid-rating", parameter="comment"
        )
    if dossier.state not in RATEABLE:
        raise Conflict(
            "Hồ sơ chưa có kết quả: bạn đánh giá được sau khi nhận kết quả.", code="not-yet"
        )
    insert = conflict_insert(session.get_bind().dialect.name)
    values = {
        "dossier_id": dossier.id,
        "province_code": dossier.province_code,
        "level": level,
        "comment": comment,
        "rated_at": clock.now(),
    }
    # Two answers at once (a double click): the key lets one in, the other is told.
    added = await session.execute(insert(DossierRating).values(**values).on_conflict_do_nothing())
    if added.rowcount == 0:  # type: ignore[attr-defined]
        raise Conflict("Bạn đã đánh giá hồ sơ này.", code="already-rated")
    return DossierRating(**values)
