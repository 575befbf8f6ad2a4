"""All queries on officers and tokens."""

from collections.abc import Collection, Sequence
from typing import Any, cast

from sqlalchemy import Row, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.identity.models import ApiToken, Officer, Role
from motcua.units import repository as units_repository
from motcua.units.models import Agency


async def officer_by_username(session: AsyncSession, username: str) -> Officer | None:
    return await session.scalar(select(Officer).where(Officer.username == username))


async def token_with_officer(
    session: AsyncSession, token_hash: str
) -> tuple[ApiToken, Officer, Agency] | None:
    row = (
        await session.execute(
            select(ApiToken, Officer, Agency)
            .join(Officer, Officer.id == ApiToken.officer_id)
            .join(Agency, Agency.id == Officer.agency_id)
            .where(ApiToken.token_hash == token_hash)
        )
    ).first()
    return None if row is None else (row[0], row[1], row[2])


# What every authenticated request needs of a token, its officer and agency: the columns only,
# no ORM objects. Built once: building and keying a 14-column statement at each request cost
# about as much CPU as sending it and reading its row.
TOKEN_SUBJECT = (
    select(
        ApiToken.revoked,
        ApiToken.expires_at,
        ApiToken.practice,
        Officer.id.label("officer_id"),
        Officer.username,
        Officer.full_name,
        Officer.role,
        Officer.active,
        Officer.personal_id,
        Agency.id.label("agency_id"),
        Agency.code.label("agency_code"),
        Agency.name.label("agency_name"),
        Agency.level.label("agency_level"),
        Agency.unit_code,
        units_repository.agency_province(Agency.id).label("province_code"),
    )
    .join(Officer, Officer.id == ApiToken.officer_id)
    .join(Agency, Agency.id == Officer.agency_id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


async def token_subject(session: AsyncSession, token_hash: str) -> Row[Any] | None:
    """``TOKEN_SUBJECT``'s row for the token (read once per API request)."""
    row = (await session.execute(TOKEN_SUBJECT, {"token_hash": token_hash})).first()
    return cast("Row[Any] | None", row)


async def reachable_officers(
    session: AsyncSession, agency_ids: Collection[int], roles: Collection[Role]
) -> Sequence[Officer]:
    """Active officers of these agencies and roles who have an e-mail address."""
    if not agency_ids:
        return []
    result = await session.scalars(
        select(Officer)
        .where(
            Officer.agency_id.in_(agency_ids),
            Officer.role.in_(roles),
            Officer.active.is_(True),
            Officer.email.is_not(None),
        )
        .order_by(Officer.id)
    )
    return result.all()
