"""Citizens: the signed session, the level of assurance per procedure, and acting for a child.

The session is a cookie signed with ``MOTCUA_SESSION_KEY`` (itsdangerous, timestamped): it
carries the person's number, name and level of assurance from the e-ID, and, once verified, the
person they act for. Nothing about citizens is stored in the database.

Acting on behalf of a child is verified by the exchange against the population registry
(``exchange.representation``); the session then carries the child as the subject.
"""

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from motcua.core import identifiers
from motcua.core.settings import get_settings
from motcua.identity.oidc import Identity, LoginTransaction
from motcua.identity.service import Forbidden

SESSION_COOKIE = "motcua_citizen"
LOGIN_COOKIE = "motcua_eid_login"
LOGIN_MAX_AGE_S = 600


@dataclass(frozen=True)
class Citizen:
    """The signed-in person and, when chosen and verified, the child they act for."""

    personal_id: str
    full_name: str
    acr: str
    level: int
    acting_for: str | None = None
    acting_for_name: str | None = None
    relation: str | None = None

    @property
    def subject(self) -> str:
        """Whose matter it is: the child when acting for one, the person otherwise."""
        return self.acting_for or self.personal_id


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().session_key, salt=salt)


def session_max_age() -> int:
    return int(get_settings().session_hours * 3600)


def encode_session(citizen: Citizen) -> str:
    return str(_serializer("motcua.citizen").dumps(asdict(citizen)))


def decode_session(value: str) -> Citizen | None:
    """The citizen the cookie names, or None when it is forged, altered or expired."""
    try:
        data: dict[str, Any] = _serializer("motcua.citizen").loads(value, max_age=session_max_age())
        return Citizen(**data)
    except (BadSignature, TypeError, ValueError):
        return None


def session_signed_at(value: str) -> datetime | None:
    """When the e-ID session cookie was issued (its signed timestamp): an assisted filing needs
    a sign-in made after it started."""
    try:
        _, signed = _serializer("motcua.citizen").loads(
            value, max_age=session_max_age(), return_timestamp=True
        )
    except (BadSignature, TypeError, ValueError):
        return None
    return signed if isinstance(signed, datetime) else None


def citizen_from_identity(identity: Identity) -> Citizen:
    return Citizen(identity.personal_id, identity.full_name, identity.acr, identity.level)


def encode_login(transaction: LoginTransaction) -> str:
    return str(_serializer("motcua.eid-login").dumps(asdict(transaction)))


def decode_login(value: str) -> LoginTransaction | None:
    try:
        data = _serializer("motcua.eid-login").loads(value, max_age=LOGIN_MAX_AGE_S)
        return LoginTransaction(**data)
    except (BadSignature, TypeError, ValueError):
        return None


# --- level of assurance -----------------------------------------------------------------------


def required_level(procedure_code: str) -> int:
    settings = get_settings()
    return settings.eid_procedure_levels.get(procedure_code, settings.eid_default_level)


def require_level(citizen: Citizen, procedure_code: str) -> None:
    """A procedure needs level 2 unless the settings say otherwise (VNeID level 2 for the
    National Public Service Portal)."""
    needed = required_level(procedure_code)
    if citizen.level < needed:
        raise Forbidden(
            f"Thủ tục {procedure_code} cần tài khoản định danh điện tử mức {needed}; "
            f"tài khoản của bạn đang ở mức {citizen.level}. Hãy nâng mức tài khoản trên "
            "ứng dụng VNeID rồi đăng nhập lại.",
            code="insufficient-assurance",
            required_level=needed,
            level=citizen.level,
        )


# --- subject: oneself, or a verified child ----------------------------------------------------


def subject_for(citizen: Citizen, requested: str | None) -> str:
    """The person whose data or dossier this is; only oneself or a verified child."""
    if requested is None:
        return citizen.subject
    number = identifiers.parse(requested).value
    if number in (citizen.personal_id, citizen.acting_for):
        return number
    raise Forbidden(
        "Bạn chưa được xác nhận là người đại diện của người này. Hãy chọn “Làm thủ tục cho "
        "con” trong trang cá nhân để hệ thống kiểm tra quan hệ trước.",
        code="representation-not-verified",
    )


def acting_for(
    citizen: Citizen,
    subject: str | None = None,
    subject_name: str | None = None,
    relation: str | None = None,
) -> Citizen:
    """The same session, now acting for a child the exchange verified (or for oneself)."""
    return Citizen(
        citizen.personal_id,
        citizen.full_name,
        citizen.acr,
        citizen.level,
        subject,
        subject_name if subject else None,
        relation if subject else None,
    )
