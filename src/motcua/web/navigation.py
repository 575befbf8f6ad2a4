"""Who is looking at a page, and the menu their role gets: a citizen never sees the officers'
links, and an officer never the citizen's.

The header needs a name and a role on every page, including public ones whose routes never
look the officer up. Signing in therefore also sets a signed, display-only cookie
(``OFFICER_VIEW_COOKIE``) with the officer's name, role and agency; it only chooses which links
the header shows. What an officer may do is still decided by their token on every request,
and the display cookie is ignored when the token cookie is gone.
"""

from dataclasses import asdict, dataclass
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from motcua.core.settings import get_settings
from motcua.identity.auth import COOKIE, citizen_from
from motcua.identity.models import Role

OFFICER_VIEW_COOKIE = "motcua_officer_view"


@dataclass(frozen=True)
class Link:
    href: str
    label: str  # a Vietnamese message id, translated where it is shown


@dataclass(frozen=True)
class OfficerView:
    full_name: str
    role: str
    agency_name: str
    practice: bool = False  # the session is in practice mode (workflow.practice): the band


@dataclass(frozen=True)
class Viewer:
    """Who the page is rendered for: ``kind`` is ``officer``, ``citizen`` or ``None``."""

    kind: str | None
    name: str | None
    role_label: str | None
    links: tuple[Link, ...]
    sign_out: str | None  # the form action that signs this person out
    practice: bool = False  # shows the "THỰC HÀNH" band on every page


ROLE_LABELS = {
    Role.receiving_officer: "Cán bộ một cửa",
    Role.handling_officer: "Cán bộ xử lý",
    Role.approver: "Lãnh đạo phê duyệt",
    Role.agency_admin: "Quản trị cơ quan",
    Role.provincial_monitor: "Cán bộ giám sát cấp tỉnh",
    Role.national_viewer: "Cán bộ theo dõi cấp quốc gia",
    Role.system_admin: "Quản trị hệ thống",
    Role.community_helper: "Thành viên Tổ công nghệ số cộng đồng",
}

PROCEDURES = Link("/", "Thủ tục")
TRACKING = Link("/tra-cuu", "Tra cứu hồ sơ")
MONITORING = Link("/monitoring", "Giám sát")
DAILY_REPORT = Link("/monitoring/report", "Báo cáo hằng ngày")
NON_REPORTERS = Link("/monitoring/non-reporters", "Đơn vị chưa báo cáo")

PUBLIC = (PROCEDURES, TRACKING, MONITORING)
CITIZEN = (
    PROCEDURES,
    Link("/ho-so-cua-toi", "Hồ sơ của tôi"),
    Link("/du-lieu/cua-toi", "Dữ liệu của tôi"),
    TRACKING,
)
OFFICER_MENUS: dict[Role, tuple[Link, ...]] = {
    Role.receiving_officer: (
        Link("/can-bo/quay", "Tiếp nhận tại quầy"),
        Link("/can-bo/ho-so", "Hồ sơ cần tiếp nhận"),
        TRACKING,
        DAILY_REPORT,
        PROCEDURES,
    ),
    Role.handling_officer: (Link("/can-bo/ho-so", "Hồ sơ cần xử lý"), DAILY_REPORT, PROCEDURES),
    Role.approver: (Link("/can-bo/ho-so", "Hồ sơ chờ phê duyệt"), DAILY_REPORT, PROCEDURES),
    Role.agency_admin: (
        Link("/can-bo/ho-so", "Hồ sơ của cơ quan"),
        DAILY_REPORT,
        Link("/monitoring/upload", "Tải báo cáo lên"),
        MONITORING,
    ),
    Role.provincial_monitor: (MONITORING, NON_REPORTERS, TRACKING),
    Role.national_viewer: (MONITORING, NON_REPORTERS),
    Role.system_admin: (MONITORING, Link("/can-bo/ho-so", "Hồ sơ"), NON_REPORTERS),
    Role.community_helper: (
        Link("/ho-tro", "Hỗ trợ nộp hồ sơ"),
        PROCEDURES,
        TRACKING,
    ),
}


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().session_key, salt="motcua.officer-view")


def set_officer_view(response: Response, request: Request, view: OfficerView, max_age: int) -> None:
    """At sign-in, beside the token cookie and for as long."""
    response.set_cookie(
        OFFICER_VIEW_COOKIE,
        str(_serializer().dumps(asdict(view))),
        max_age=max(max_age, 0),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def clear_officer_view(response: Response) -> None:
    response.delete_cookie(OFFICER_VIEW_COOKIE)


def officer_view(request: Request) -> OfficerView | None:
    if not request.cookies.get(COOKIE):
        return None
    value = request.cookies.get(OFFICER_VIEW_COOKIE)
    if not value:
        return None
    try:
        data: dict[str, Any] = _serializer().loads(value)
        return OfficerView(**data)
    except (BadSignature, TypeError, ValueError):
        return None


def viewer_of(request: Request) -> Viewer:
    officer = officer_view(request)
    if officer is not None:
        try:
            role: Role | None = Role(officer.role)
        except ValueError:
            role = None
        links = OFFICER_MENUS.get(role, (MONITORING,)) if role else (MONITORING,)
        label = ROLE_LABELS.get(role) if role else None
        return Viewer("officer", officer.full_name, label, links, "/logout", officer.practice)
    citizen = citizen_from(request)
    if citizen is not None:
        return Viewer("citizen", citizen.full_name, None, CITIZEN, "/dang-xuat")
    return Viewer(None, None, None, PUBLIC, None)


def _matches(path: str, href: str) -> bool:
    if href == "/":
        return path == "/" or path.startswith("/procedures")
    return path == href or path.startswith(href + "/")


def current_href(request: Request, links: tuple[Link, ...]) -> str | None:
    """The menu entry of the page shown (the longest that fits: ``/monitoring/report`` rather
    than ``/monitoring``), marked ``aria-current="page"``."""
    fitting = [link.href for link in links if _matches(request.url.path, link.href)]
    return max(fitting, key=len) if fitting else None
