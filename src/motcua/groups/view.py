"""The one view of a group filing: one status, the group's deadline beside each member's, and
one timeline made of the group's own history and every member dossier's."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog.schemas import GroupDoc
from motcua.catalog.wording import is_provisional
from motcua.core.errors import NotFound
from motcua.dossiers.models import DossierState
from motcua.dossiers.service import STATE_NAMES
from motcua.groups import repository
from motcua.groups.models import FilingState, GroupFiling, MemberState
from motcua.groups.schemas import GroupOut, MemberOut, TimelineEntry

MEMBER_STATES = {
    MemberState.waiting: "Chờ kết quả của thủ tục trước",
    MemberState.paused: "Tạm dừng, hệ thống tự thử lại",
    MemberState.stopped: "Không thực hiện",
}
STATUS_NAMES = {
    "in_progress": "Đang giải quyết",
    "paused": "Đang giải quyết, một bước đang chờ hệ thống thử lại",
    "stopped": "Dừng giải quyết",
    "done": "Đã có đủ kết quả",
}
# What the applicant is shown of a member's history: what concerns them (an officer claiming or
# completing an internal step is not news to them), as on a dossier's own page.
EVENT_TEXT = {
    "forwarded": "Chuyển cơ quan khác",
    "supplement-requested": "Đề nghị bổ sung",
    "supplement-answered": "Đã bổ sung",
    "refused": "Từ chối",
    "delay-apology": "Xin lỗi và hẹn lại ngày trả kết quả",
    "result-signed": "Đã ký kết quả điện tử",
    "returned": "Đã trả kết quả",
    "result-revoked": "Kết quả bị thu hồi",
}
GROUP_TEXT = {
    "filed": "Nộp hồ sơ liên thông",
    "started": "Bắt đầu giải quyết",
    "handed-over": "Nhận kết quả của thủ tục trước, bắt đầu giải quyết",
    "paused": "Tạm dừng: chưa lấy được kết quả của thủ tục trước, hệ thống tự thử lại",
    "refused": "Hồ sơ bị từ chối; các thủ tục sau không thực hiện",
}
FINISHED = {DossierState.result_ready, DossierState.returned}


async def of_filing(session: AsyncSession, filing: GroupFiling, created: bool = True) -> GroupOut:
    group = GroupDoc.model_validate(filing.definition)
    combination = next(c for c in group.combinations if c.key == filing.combination)
    rows = await repository.members(session, filing.id)
    ids = {r.dossier_id for r in rows if r.dossier_id is not None}
    dossiers = await repository.dossiers(session, ids)
    agencies = await repository.agencies(session, {r.agency_id for r in rows})
    limits = {m.key: m.working_days for m in group.members}
    names = {r.key: r.procedure_name for r in rows}
    members = []
    for position, row in enumerate(rows, start=1):
        dossier = dossiers.get(row.dossier_id or 0)
        if dossier is not None:
            state, name = dossier.state.value, STATE_NAMES[dossier.state]
        else:
            state, name = row.state.value, MEMBER_STATES[row.state]
        agency = agencies[row.agency_id]
        members.append(
            MemberOut(
                key=row.key,
                procedure_code=row.procedure_code,
                procedure_name=row.procedure_name,
                provisional_code=is_provisional(row.procedure_code),
                agency_code=agency.code,
                agency_name=agency.name,
                state=state,
                state_name=name,
                dossier_code=dossier.code if dossier else None,
                due_at=row.due_at,
                reason=row.reason,
                position=position,
                working_days=limits.get(row.key),
                after=row.after_key,
                after_name=names.get(row.after_key or ""),
            )
        )
    status = _status(filing, [m.state for m in members])
    by_dossier = {
        d.id: (d.code, names.get(r.key, "")) for r in rows if (d := dossiers.get(r.dossier_id or 0))
    }
    timeline = [
        TimelineEntry(
            at=e.at,
            text=f"{names[e.member_key]}: {GROUP_TEXT.get(e.kind, e.kind)}"
            if e.member_key
            else GROUP_TEXT.get(e.kind, e.kind),
            dossier_code=e.data.get("dossier_code"),
        )
        for e in await repository.events(session, filing.id)
    ]
    for event in await repository.dossier_events(session, ids):
        if event.kind not in EVENT_TEXT:
            continue  # internal steps; "submitted" is the group's own "started", with the agency
        code, name = by_dossier[event.dossier_id]
        timeline.append(
            TimelineEntry(
                at=event.at,
                text=f"{name}: {EVENT_TEXT[event.kind]}",
                dossier_code=code,
            )
        )
    timeline.sort(key=lambda t: t.at)
    return GroupOut(
        code=filing.code,
        group=group.code,
        group_name=group.name,
        combination=combination.key,
        combination_name=combination.name,
        status=status,
        status_name=STATUS_NAMES[status],
        reason=filing.reason,
        received_at=filing.received_at,
        due_at=filing.due_at,
        verification_due_at=filing.verification_due_at,
        members=members,
        timeline=timeline,
        created=created,
    )


def _status(filing: GroupFiling, states: list[str]) -> str:
    if filing.state == FilingState.stopped or DossierState.refused.value in states:
        return "stopped"
    if MemberState.paused.value in states:
        return "paused"
    if all(s in {x.value for x in FINISHED} for s in states):
        return "done"
    return "in_progress"


async def view(session: AsyncSession, code: str, person: str) -> GroupOut:
    """The applicant's (or the person acting for them) view; anyone else: not found."""
    filing = await repository.filing_by_code(session, code)
    if filing is None or person not in (filing.applicant_number, filing.actor_number):
        raise NotFound(f"Không có hồ sơ liên thông mã {code} của bạn.", code="unknown-group-filing")
    return await of_filing(session, filing, created=False)


async def mine(session: AsyncSession, person: str, limit: int = 20) -> list[GroupOut]:
    """The person's group filings, newest first, each with its one status."""
    return [
        await of_filing(session, f, created=False)
        for f in await repository.filings_of(session, person, limit)
    ]


@dataclass(frozen=True)
class Membership:
    """Where a member dossier stands in its group, for the dossier's own page."""

    code: str
    group_name: str
    status_name: str
    position: int
    total: int


async def membership(session: AsyncSession, dossier_id: int) -> Membership | None:
    """The group a dossier is a member of, if any (the caller has shown the dossier is theirs:
    the group filing's applicant is the member dossier's)."""
    member = await repository.member_of_dossier(session, dossier_id)
    if member is None:
        return None
    filing = await session.get(GroupFiling, member.filing_id)
    assert filing is not None
    out = await of_filing(session, filing, created=False)
    place = next(m.position for m in out.members if m.key == member.key)
    return Membership(out.code, out.group_name, out.status_name, place, len(out.members))
