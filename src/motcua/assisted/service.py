"""Assisted filing (hỗ trợ nộp hồ sơ): a member of a commune's community digital team (Tổ công
nghệ số cộng đồng) files WITH a citizen who is present, on the team's tablet.

Why a hand-over on one device: a commune team works with one tablet at a table in the
commune hall, and many people they help have VNeID on their own phone but no habit of using
a portal. So the helper starts the filing for the person named, hands the tablet over, and the
citizen signs in with THEIR OWN e-ID (the same OpenID Connect sign-in as at home, password or
the VNeID app's QR code); the sign-in must be fresh (made after the helper started) and be the
person named, and the citizen then confirms on a page in words. A one-time code approved from
the citizen's own signed-in session would need a second device and a session the person rarely
has; the hand-over needs neither, and the helper never learns the person's credentials.

From then on the application is the citizen's own: consent, registry reads, declaration and
submission run under the citizen's session, the citizen is actor and applicant, owns the
dossier, its notifications and "Hồ sơ của tôi". This row records who assisted (helper,
commune, how the citizen confirmed) and the dossier filed; the helper sees only these rows and
the status of their dossiers. A confirmation is good for one dossier, within a time limit.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import uuid4

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.assisted import repository
from motcua.assisted.models import AssistedFiling, AssistState, ConfirmMethod
from motcua.core import clock, identifiers
from motcua.core.errors import Conflict, DomainError, NotFound
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers.models import Dossier
from motcua.identity.citizens import Citizen
from motcua.identity.models import Role
from motcua.identity.service import Forbidden, Subject
from motcua.units.models import AgencyLevel

CONFIRM_WINDOW = timedelta(minutes=10)  # from the start to the citizen's confirmation
FILING_WINDOW = timedelta(hours=1)  # from the confirmation to the submission

METHOD_NAMES = {ConfirmMethod.vneid: "Công dân đăng nhập VNeID của mình để xác nhận"}
STATE_NAMES = {
    AssistState.waiting: "Chờ công dân xác nhận",
    AssistState.confirmed: "Công dân đã xác nhận, đang khai hồ sơ",
    AssistState.filed: "Đã nộp hồ sơ",
    AssistState.closed: "Đã kết thúc, không nộp hồ sơ",
}


class Expired(DomainError):
    status_code = 410
    code = "assisted-confirmation-expired"


def _helper(subject: Subject) -> str:
    """The helper's commune; only a community helper of a commune People's Committee."""
    if subject.role != Role.community_helper:
        raise Forbidden(
            "Chỉ thành viên Tổ công nghệ số cộng đồng mới hỗ trợ công dân nộp hồ sơ.",
            code="not-a-community-helper",
        )
    if subject.agency_level != AgencyLevel.commune or not subject.unit_code:
        raise Forbidden(
            "Tài khoản của bạn không gắn với một xã, phường nên không hỗ trợ nộp hồ sơ được. "
            "Hãy đề nghị quản trị cấp lại tài khoản tại Ủy ban nhân dân xã, phường.",
            code="helper-outside-commune",
        )
    return subject.unit_code


async def start(
    session: AsyncSession, helper: Subject, citizen_number: str, commune_code: str | None = None
) -> AssistedFiling:
    """Open an assisted filing for the person named; nothing is filed until they confirm."""
    own = _helper(helper)
    if commune_code is not None and commune_code != own:
        raise Forbidden(
            "Bạn chỉ hỗ trợ nộp hồ sơ tại xã, phường của Tổ công nghệ số cộng đồng mình.",
            code="helper-outside-commune",
        )
    number = identifiers.parse(citizen_number).value
    if number == helper.personal_id:
        raise Forbidden(
            "Bạn không tự hỗ trợ chính mình được: hãy tự đăng nhập VNeID và nộp hồ sơ như "
            "mọi công dân.",
            code="assisted-self",
        )
    now = clock.now()
    row = AssistedFiling(
        id=uuid4().hex,
        helper_id=helper.officer_id,
        agency_id=helper.agency_id,
        commune_code=own,
        citizen_number=number,
        state=AssistState.waiting,
        created_at=now,
        confirm_by=now + CONFIRM_WINDOW,
    )
    session.add(row)
    await session.flush()
    return row


async def own(
    session: AsyncSession, helper: Subject, filing_id: str, *, for_update: bool = False
) -> AssistedFiling:
    """The helper's own assisted filing; another commune's is refused, another helper's of the
    same commune is as unknown as a wrong id."""
    commune = _helper(helper)
    row = await repository.filing(session, filing_id, for_update=for_update)
    if row is not None and row.commune_code != commune:
        raise Forbidden(
            "Lượt hỗ trợ này thuộc xã, phường khác; bạn chỉ làm việc với lượt hỗ trợ của xã, "
            "phường mình.",
            code="helper-outside-commune",
        )
    if row is None or row.helper_id != helper.officer_id:
        raise NotFound("Không có lượt hỗ trợ này.", code="assisted-not-found")
    return row


def _check_confirmation(row: AssistedFiling, citizen: Citizen, signed_in_at: datetime) -> None:
    """Each way a confirmation is refused, in the words the citizen and helper read."""
    if row.state != AssistState.waiting:
        raise Conflict(
            "Lượt hỗ trợ này đã được xác nhận hoặc đã kết thúc; mỗi lần xác nhận chỉ dùng cho "
            "một hồ sơ. Hãy bắt đầu lượt hỗ trợ mới.",
            code="assisted-confirmation-used",
        )
    if clock.now() > row.confirm_by:
        raise Expired(
            "Đã quá 10 phút kể từ khi bắt đầu mà công dân chưa xác nhận. Hãy bắt đầu lượt hỗ "
            "trợ mới và mời công dân đăng nhập VNeID ngay."
        )
    if citizen.personal_id != row.citizen_number:
        raise Forbidden(
            "Người vừa đăng nhập VNeID không phải là công dân đã nêu khi bắt đầu. Chỉ chính "
            "công dân đó được xác nhận; không có gì được ghi nhận.",
            code="assisted-wrong-person",
        )
    if signed_in_at < row.created_at.replace(microsecond=0):
        raise Forbidden(
            "Công dân cần đăng nhập VNeID lại ngay trên thiết bị này sau khi bắt đầu lượt hỗ "
            "trợ; phiên đăng nhập cũ không dùng để xác nhận được.",
            code="assisted-login-not-fresh",
        )


async def confirmable(
    session: AsyncSession,
    helper: Subject,
    filing_id: str,
    citizen: Citizen,
    signed_in_at: datetime,
) -> AssistedFiling:
    """The filing the citizen is about to confirm, refused as ``confirm`` would be."""
    row = await own(session, helper, filing_id)
    _check_confirmation(row, citizen, signed_in_at)
    return row


async def confirm(
    session: AsyncSession,
    helper: Subject,
    filing_id: str,
    citizen: Citizen,
    signed_in_at: datetime,
) -> AssistedFiling:
    """The citizen, signed in with their own e-ID, confirms that the helper files with them."""
    row = await own(session, helper, filing_id, for_update=True)
    _check_confirmation(row, citizen, signed_in_at)
    now = clock.now()
    row.state, row.method = AssistState.confirmed, ConfirmMethod.vneid
    row.citizen_name, row.confirmed_at = citizen.full_name, now
    row.file_by = now + FILING_WINDOW
    await session.flush()
    return row


async def for_submission(
    session: AsyncSession, filing_id: str, helper: Subject | None, citizen: Citizen
) -> AssistedFiling:
    """Before an assisted submission: the confirmation must be the citizen's, unspent and in
    time, and the helper still signed in; otherwise nothing is filed."""
    if helper is None or helper.role != Role.community_helper:
        raise Forbidden(
            "Phiên hỗ trợ nộp hồ sơ không còn hiệu lực (người hỗ trợ đã đăng xuất). Hãy kết "
            "thúc lượt hỗ trợ và bắt đầu lại.",
            code="assisted-helper-signed-out",
        )
    row = await own(session, helper, filing_id, for_update=True)
    if row.state == AssistState.waiting:
        raise Forbidden(
            "Công dân chưa xác nhận bằng VNeID của mình nên chưa nộp được hồ sơ. Hãy mời công "
            "dân đăng nhập VNeID để xác nhận.",
            code="assisted-not-confirmed",
        )
    if row.state != AssistState.confirmed:
        raise Conflict(
            "Lần xác nhận này đã được dùng cho một hồ sơ hoặc lượt hỗ trợ đã kết thúc. Hãy "
            "bắt đầu lượt hỗ trợ mới để công dân xác nhận lại.",
            code="assisted-confirmation-used",
        )
    if row.file_by is None or clock.now() > row.file_by:
        raise Expired(
            "Lần xác nhận của công dân đã hết hạn (quá 1 giờ). Hãy bắt đầu lượt hỗ trợ mới để "
            "công dân xác nhận lại."
        )
    if citizen.personal_id != row.citizen_number:
        raise Forbidden(
            "Hồ sơ đang được khai bằng tài khoản VNeID của người khác, không phải công dân đã "
            "xác nhận; không có gì được nộp.",
            code="assisted-wrong-person",
        )
    return row


async def record_filing(
    session: AsyncSession, row: AssistedFiling, dossier_code: str, group_code: str | None = None
) -> None:
    """After the submission, in its transaction: the dossier is the one assisted (for a group,
    its first member's, with the group's code), and the confirmation is spent."""
    dossier = await dossiers_repository.plain_by_code(session, dossier_code)
    if dossier is None:  # pragma: no cover - the submission just made it
        raise NotFound(f"Không có hồ sơ mã {dossier_code}.", code="unknown-dossier")
    row.state, row.dossier_id, row.filed_at = AssistState.filed, dossier.id, clock.now()
    row.group_code = group_code
    await session.flush()


async def close(session: AsyncSession, helper: Subject, filing_id: str) -> None:
    """The helper ends the visit; a filing not yet filed can no longer be."""
    row = await own(session, helper, filing_id, for_update=True)
    if row.state in (AssistState.waiting, AssistState.confirmed):
        row.state = AssistState.closed
        await session.flush()


@dataclass(frozen=True)
class Assisted:
    """One line of the helper's list: what they may see, and nothing of the citizen's other
    data."""

    id: str
    state: AssistState
    citizen_number: str
    citizen_name: str | None
    created_at: datetime
    method: ConfirmMethod | None
    dossier_code: str | None
    procedure_name: str | None
    dossier_state: str | None
    received_at: datetime | None


def _line(row: AssistedFiling, dossier: Dossier | None, group_name: str | None = None) -> Assisted:
    return Assisted(
        id=row.id,
        state=row.state,
        citizen_number=row.citizen_number,
        citizen_name=row.citizen_name,
        created_at=row.created_at,
        method=row.method,
        dossier_code=row.group_code or (dossier.code if dossier else None),
        procedure_name=group_name or (dossier.procedure_name if dossier else None),
        dossier_state=dossier.state.value if dossier else None,
        received_at=dossier.received_at if dossier else None,
    )


async def mine(session: AsyncSession, helper: Subject, limit: int = 50) -> list[Assisted]:
    _helper(helper)
    return [_line(row, dossier, group) for row, dossier, group in await repository.of_helper(
        session, helper.officer_id, limit
    )]  # fmt: skip
