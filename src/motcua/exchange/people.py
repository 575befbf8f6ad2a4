"""What the page "Dữ liệu của ai được đọc" says of each role: one state, one sentence saying it,
and one thing to do next, so the page never shows a waiting request and a fresh request form at
once, nor promises an upload for a role that needs none.

States: ``self`` (the applicant holds the role: a mother registering her child), ``chosen`` (a
relation chosen from the population registry: the deceased, the child), ``confirmed``
(another adult said yes with their own e-ID), ``pending`` (asked, not answered yet),
``declined`` (said no, or let the request expire), ``none`` (nobody yet).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog.models import Requirement
from motcua.core.calendar import get_calendar
from motcua.exchange import subjects
from motcua.exchange.models import Consent, SubjectState
from motcua.exchange.schemas import FamilyMember, SubjectView

CONTINUE = "“Tiếp tục, lấy dữ liệu”"
OPTIONAL = "Thành phần này không bắt buộc: hồ sơ vẫn nộp được khi chưa có dữ liệu này."
UPLOAD = "Nếu không có, ở bước khai hồ sơ bạn sẽ được hỏi giấy tờ cho thành phần này."


@dataclass(frozen=True)
class RoleView:
    role: str
    label: str
    state: str
    status: str  # what is the case now
    next: str  # what the person does next (empty: nothing)
    ground: str | None = None
    form: str | None = None  # "family": choose a relation; "ask": type a personal number
    members: list[FamilyMember] = field(default_factory=list)
    person_id: str | None = None  # the relation chosen, checked in the family form


def _day(view: SubjectView) -> str:
    return f"{get_calendar().localise(view.expires_at):%d/%m/%Y}" if view.expires_at else ""


def _relations(role: str, family: Sequence[FamilyMember]) -> list[FamilyMember]:
    if role == "deceased":
        return list(family)
    return [m for m in family if m.relation == "child"]


def one(
    role: str,
    label: str,
    current: SubjectView | None,
    family: Sequence[FamilyMember],
    applicant: str,
    mandatory: bool,
) -> RoleView:
    """The one state of a role and what to do about it."""
    otherwise = UPLOAD if mandatory else OPTIONAL
    if role in subjects.FAMILY_ROLES:
        members = _relations(role, family)
        if current is not None and current.state in (SubjectState.chosen, SubjectState.confirmed):
            name = current.full_name or "người đã chọn"
            return RoleView(role, label, "chosen", f"Đã chọn: {name}.",
                            f"Dữ liệu được lấy khi bạn bấm {CONTINUE}; muốn chọn người khác, "
                            "chọn lại bên dưới.", current.ground, "family", members,
                            current.personal_id)  # fmt: skip
        if not members:
            return RoleView(role, label, "none",
                            "Cơ sở dữ liệu quốc gia về dân cư không ghi nhận người thân phù hợp "
                            "của bạn.", otherwise)  # fmt: skip
        return RoleView(role, label, "none", "Chưa chọn người nào.",
                        "Chọn một người trong gia đình bạn bên dưới.", None, "family",
                        members)  # fmt: skip
    if current is not None and current.personal_id == applicant:
        return RoleView(role, label, "self", "Là bạn: dữ liệu của chính bạn được dùng.", "",
                        current.ground)  # fmt: skip
    name = (current.full_name if current else None) or "Người được đề nghị"
    if current is not None and current.state in (SubjectState.chosen, SubjectState.confirmed):
        return RoleView(role, label, "confirmed",
                        f"{name} đã đồng ý bằng tài khoản định danh điện tử của mình.",
                        f"Dữ liệu được lấy khi bạn bấm {CONTINUE}.", current.ground)  # fmt: skip
    if current is not None and current.state == SubjectState.pending:
        wait = ("Người này thấy yêu cầu khi đăng nhập, và được báo qua thư điện tử nếu Cơ sở "
                "dữ liệu quốc gia về dân cư có địa chỉ của họ. Khi họ đồng ý, bạn quay lại trang "
                f"này và bấm {CONTINUE}.")  # fmt: skip
        if not mandatory:
            wait += " " + OPTIONAL
        return RoleView(role, label, "pending",
                        f"Đang chờ {current.full_name or 'người được đề nghị'} xác nhận bằng "
                        "tài khoản định danh điện tử, hạn đến "
                        f"ngày {_day(current)}.", wait)  # fmt: skip
    if current is not None:  # declined, or the request expired
        return RoleView(role, label, "declined",
                        f"{name} đã không đồng ý hoặc không trả lời kịp: dữ liệu của họ không "
                        "được đọc.",
                        "Bạn có thể gửi lại yêu cầu bên dưới (cho người này hoặc người khác). "
                        + otherwise, None, "ask")  # fmt: skip
    return RoleView(role, label, "none", "Chưa có người nào.",
                    "Ghi số định danh cá nhân của người này bên dưới; họ được báo và có 7 ngày "
                    "để đồng ý. " + otherwise, None, "ask")  # fmt: skip


async def mandatory_roles(session: AsyncSession, reference: str) -> set[str]:
    """Roles with at least one mandatory requirement in the consent's procedure version."""
    consent = await session.get(Consent, reference)
    if consent is None:
        return set()
    rows = await session.execute(
        select(Requirement.subject, Requirement.mandatory).where(
            Requirement.version_id == consent.procedure_version_id,
            Requirement.evidence_type_code.is_not(None),
        )
    )
    return {str(subject.value if hasattr(subject, "value") else subject)
            for subject, mandatory in rows if mandatory}  # fmt: skip


async def roles(
    session: AsyncSession,
    reference: str,
    wanted: Sequence[tuple[str, str]],
    chosen: Mapping[str, SubjectView],
    family: Sequence[FamilyMember],
    applicant: str,
) -> list[RoleView]:
    needed = await mandatory_roles(session, reference)
    return [
        one(role, label, chosen.get(role), family, applicant, role in needed)
        for role, label in wanted
    ]
