"""Concurrent actions on one dossier, on separate connections that really commit: exactly one
wins, the other gets 409 ``dossier-changed`` and changes nothing."""

import asyncio
import secrets
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from motcua.core import clock
from motcua.core.errors import DomainError
from motcua.dossiers import history as dossier_history
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers import service as dossiers
from motcua.dossiers.models import Dossier, DossierCounter, DossierEvent, DossierItem
from motcua.identity.models import Officer, Role
from motcua.identity.service import Subject
from motcua.units.models import Agency, AgencyLevel
from motcua.workflow import service
from tests.workflow.conftest import GROUP_ITEMS

ACTOR = "001099000077"  # this test's own applicant, so cleaning up touches nothing else


@pytest.fixture
async def committed(engine: AsyncEngine) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    yield sessions
    async with sessions() as session, session.begin():
        ids = select(Dossier.id).where(Dossier.actor_number == ACTOR)
        await session.execute(delete(DossierEvent).where(DossierEvent.dossier_id.in_(ids)))
        await session.execute(delete(DossierItem).where(DossierItem.dossier_id.in_(ids)))
        await session.execute(delete(Dossier).where(Dossier.actor_number == ACTOR))
        await session.execute(delete(Officer).where(Officer.username.like("wfc_%")))


async def test_two_officers_completing_one_step_exactly_one_wins(
    committed: async_sessionmaker[AsyncSession],
) -> None:
    async with committed() as session, session.begin():
        agency = await session.scalar(
            select(Agency).where(Agency.level == AgencyLevel.commune).order_by(Agency.code).limit(1)
        )
        assert agency is not None
        subjects = []
        for i in range(2):
            officer = Officer(
                username=f"wfc_{i}",
                full_name="Cán bộ thử (dữ liệu tổng hợp)",
                agency_id=agency.id,
                role=Role.receiving_officer,
                password_hash="-",
                active=True,
                created_at=clock.now(),
            )
            session.add(officer)
            await session.flush()
            subjects.append(
                Subject(
                    officer.id,
                    officer.username,
                    officer.full_name,
                    officer.role,
                    agency.id,
                    agency.code,
                    agency.name,
                    agency.level,
                    agency.unit_code,
                )
            )
        body = dossiers.SubmissionIn.model_validate(
            {
                "procedure_code": "0.000015",
                "channel": "counter",
                "receiving_agency": agency.code,
                "items": GROUP_ITEMS,
            }
        )
        code = (
            await dossiers.submit(session, body, actor=ACTOR, idempotency_key=secrets.token_hex(8))
        ).dossier.code
        agency_code = agency.code
        await service.current_definition(session, "0.000015", agency.id)

    async def act(subject: Subject) -> str:
        try:
            async with committed() as session, session.begin():
                await service.complete(session, subject, code, expected_version=1)
                await asyncio.sleep(0.05)  # hold the row while the other one tries
            return "won"
        except DomainError as error:
            return error.code

    outcomes = await asyncio.gather(*(act(s) for s in subjects))
    assert sorted(outcomes) == ["dossier-changed", "won"]
    async with committed() as session:
        dossier = await dossiers_repository.plain_by_code(session, code)
        assert dossier is not None
        events = await dossiers_repository.events_of(session, dossier.id)
        assert [e.kind for e in events] == ["submitted", "step-completed"]
        assert dossier.version == 2 and dossier_history.replay(events) == dossier.state
    async with committed() as session, session.begin():
        await session.execute(
            delete(DossierCounter).where(DossierCounter.agency_code == agency_code)
        )
