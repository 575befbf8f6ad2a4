"""Officer accounts and sign-in: argon2 password hashes, opaque bearer tokens."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock, identifiers
from motcua.core.errors import Conflict, DomainError, Invalid, NotFound
from motcua.identity import repository
from motcua.identity.models import ApiToken, Officer, Role
from motcua.units import repository as units
from motcua.units.models import AgencyLevel

TOKEN_LIFETIME = timedelta(hours=12)
_hasher = PasswordHasher()
# Verified against when the username is unknown, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("motcua-no-such-officer")


class Unauthenticated(DomainError):
    status_code = 401
    code = "unauthenticated"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


@dataclass(frozen=True)
class Subject:
    """Who is asking: what authorisation checks need, read once per request."""

    officer_id: int
    username: str
    full_name: str
    role: Role
    agency_id: int
    agency_code: str
    agency_name: str
    agency_level: AgencyLevel
    unit_code: str | None
    personal_id: str | None = None
    # Practice mode (workflow.practice): the agency above is the practice twin of the
    # officer's own agency, whose id is kept here.
    practice: bool = False
    real_agency_id: int | None = None
    # The agency's province ("" above the provinces; None when not read): the queue names it,
    # so a distributed database reads one shard (docs/scaling.md section 5).
    province_code: str | None = None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_officer(
    session: AsyncSession,
    *,
    username: str,
    full_name: str,
    agency_code: str,
    role: Role,
    password: str,
    personal_id: str | None = None,
    email: str | None = None,
) -> Officer:
    if email is not None and "@" not in email:
        raise Invalid(f"Địa chỉ thư điện tử không hợp lệ: {email!r}.", code="bad-address")
    if personal_id is not None:
        personal_id = identifiers.parse(personal_id).value
    if len(password) < 8:
        raise Invalid("Mật khẩu phải có ít nhất 8 ký tự.", code="weak-password")
    agency = await units.agency_by_code(session, agency_code)
    if agency is None:
        raise NotFound(f"Không có cơ quan mã {agency_code!r}.", code="unknown-agency")
    if role == Role.community_helper and (
        agency.level != AgencyLevel.commune or not agency.unit_code
    ):
        raise Invalid(
            "Thành viên Tổ công nghệ số cộng đồng thuộc một xã, phường: hãy chọn cơ quan cấp "
            "xã (Ủy ban nhân dân xã, phường).",
            code="helper-outside-commune",
        )
    if await repository.officer_by_username(session, username) is not None:
        raise Conflict(f"Tên đăng nhập {username!r} đã có người dùng.", code="username-taken")
    officer = Officer(
        username=username,
        full_name=full_name,
        agency_id=agency.id,
        role=role,
        password_hash=_hasher.hash(password),
        active=True,
        created_at=clock.now(),
        personal_id=personal_id,
        email=email,
    )
    session.add(officer)
    await session.flush()
    return officer


async def issue_token(
    session: AsyncSession, username: str, password: str, *, at: datetime | None = None
) -> tuple[str, datetime]:
    """Check the password and hand out a new token; the same refusal for every failure."""
    officer = await repository.officer_by_username(session, username)
    refused = Unauthenticated("Tên đăng nhập hoặc mật khẩu không đúng.", code="invalid-credentials")
    try:
        _hasher.verify(officer.password_hash if officer else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        raise refused from None
    if officer is None or not officer.active:
        raise refused
    now = at or clock.now()
    token = secrets.token_urlsafe(32)
    expires_at = now + TOKEN_LIFETIME
    session.add(
        ApiToken(
            token_hash=hash_token(token),
            officer_id=officer.id,
            created_at=now,
            expires_at=expires_at,
            revoked=False,
        )
    )
    await session.flush()
    return token, expires_at


async def subject_for_token(
    session: AsyncSession, token: str, *, at: datetime | None = None
) -> Subject:
    found = await repository.token_subject(session, hash_token(token))
    if found is None:
        raise Unauthenticated(
            "Phiên đăng nhập không hợp lệ. Hãy đăng nhập lại.", code="invalid-token"
        )
    if found.revoked or found.expires_at <= (at or clock.now()) or not found.active:
        raise Unauthenticated(
            "Phiên đăng nhập đã hết hạn. Hãy đăng nhập lại.", code="expired-token"
        )
    agency_id, agency_code, agency_name, agency_level, unit_code = (
        found.agency_id, found.agency_code, found.agency_name, found.agency_level, found.unit_code
    )  # fmt: skip
    province: str = found.province_code
    twin = await units.practice_twin(session, found.agency_id) if found.practice else None
    if twin is not None:  # in practice mode the officer works at their agency's twin
        agency_id, agency_code, agency_name, agency_level, unit_code = (
            twin.id, twin.code, twin.name, twin.level, twin.unit_code
        )  # fmt: skip
        province = await units.province_of_agency(session, twin.id)
    return Subject(
        officer_id=found.officer_id,
        username=found.username,
        full_name=found.full_name,
        role=found.role,
        agency_id=agency_id,
        agency_code=agency_code,
        agency_name=agency_name,
        agency_level=agency_level,
        unit_code=unit_code,
        personal_id=found.personal_id,
        practice=twin is not None,
        real_agency_id=found.agency_id,
        province_code=province,
    )


async def revoke_token(session: AsyncSession, token: str) -> None:
    found = await repository.token_with_officer(session, hash_token(token))
    if found is not None:
        found[0].revoked = True
        await session.flush()
