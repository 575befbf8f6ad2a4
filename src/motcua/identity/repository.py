"""All queries on officers and tokens."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.identity.models import ApiToken, Officer
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
