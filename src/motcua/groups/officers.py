"""What an officer sees of the group around the member dossier they hold: the other members,
their agencies and states, and the group's deadline; never the applicant's declaration."""

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.errors import NotFound
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers.models import Dossier
from motcua.groups import repository, view
from motcua.groups.models import GroupFiling, GroupMember
from motcua.groups.schemas import GroupOut
from motcua.identity.service import Subject
from motcua.workflow import repository as workflow_repository


async def around(session: AsyncSession, officer: Subject, code: str) -> GroupOut:
    # One statement: the membership of the dossier of that code, if the officer may read it.
    found = await dossiers_repository.of_code(session, code)
    readable = workflow_repository.readable(officer).where(*found)
    member = await repository.member_of_dossier(
        session, readable.with_only_columns(Dossier.id).scalar_subquery()
    )
    if member is None:
        raise NotFound(
            f"Hồ sơ {code} không thuộc nhóm thủ tục liên thông nào trong cơ quan của bạn.",
            code="not-in-a-group",
        )
    return await _group(session, member)


async def panel(session: AsyncSession, officer: Subject, dossier: Dossier) -> dict[str, object]:
    """The case page's extra context: the group, when the dossier is a member of one. The page
    has already found the dossier readable by this officer, so its membership is read by id
    (not again by code and readability, as ``around`` must)."""
    member = await repository.member_of_dossier(session, dossier.id)
    if member is None:
        return {}
    return {"group": await _group(session, member), "group_member_code": dossier.code}


async def _group(session: AsyncSession, member: GroupMember) -> GroupOut:
    filing = await session.get(GroupFiling, member.filing_id)
    assert filing is not None
    return await view.of_filing(session, filing, created=False)
