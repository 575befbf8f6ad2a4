"""Assisted-filing fixtures: a community helper of a commune People's Committee with a bearer
token, the live sandbox registries, and the application fixtures (storage, a fee procedure)."""

from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.identity import service as identity
from motcua.identity.models import Role
from motcua.identity.service import Subject
from motcua.units.models import Agency, AgencyKind, AgencyLevel
from tests.applications.conftest import fee_procedure, storage  # noqa: F401  (fixtures)
from tests.dossiers.conftest import backend, s3_server  # noqa: F401  (fixtures)
from tests.exchange.conftest import fetcher, registries, sandbox  # noqa: F401  (fixtures)

PASSWORD = "mat-khau-thu-nghiem"


@dataclass
class Helper:
    subject: Subject
    token: str
    agency: Agency

    @property
    def cookies(self) -> dict[str, str]:
        return {"motcua_token": self.token}


async def communes(session: AsyncSession) -> list[Agency]:
    return list(
        (
            await session.scalars(
                select(Agency)
                .where(
                    Agency.level == AgencyLevel.commune, Agency.kind != AgencyKind.service_centre
                )
                .order_by(Agency.code)
                .limit(50)
            )
        ).all()
    )


async def make_helper(
    session: AsyncSession, username: str, agency: Agency, personal_id: str | None = None
) -> Helper:
    await identity.create_officer(
        session,
        username=username,
        full_name="Thành viên Tổ công nghệ số (dữ liệu tổng hợp)",
        agency_code=agency.code,
        role=Role.community_helper,
        password=PASSWORD,
        personal_id=personal_id,
    )
    token, _ = await identity.issue_token(session, username, PASSWORD)
    return Helper(await identity.subject_for_token(session, token), token, agency)


@pytest.fixture
async def helper(session: AsyncSession) -> Helper:
    found = await communes(session)
    made = await make_helper(session, "tocongnghe.thu", found[0], "001090099901")
    await session.commit()
    return made
