"""Revoking a signed result (thu hồi): only an approver or administrator of the agency that
signed it, with a reason; afterwards the QR address says so. Refusals change nothing."""

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.errors import DomainError
from motcua.dossiers import history as dossier_history
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers.models import DossierState
from motcua.notify.models import Notification
from motcua.workflow import service
from tests.workflow.conftest import SIMPLE, Team, file_dossier
from tests.workflow.test_flow import keys as keys
from tests.workflow.test_flow import walk_group

REASON = "Cấp nhầm người nộp (dữ liệu thử nghiệm)"


async def _snapshot(session: AsyncSession, code: str) -> tuple[DossierState, int, int]:
    dossier = await dossiers_repository.by_code(session, code)
    assert dossier is not None
    await session.refresh(dossier)
    events = await dossiers_repository.events_of(session, dossier.id)
    return dossier.state, dossier.version, len(events)


async def revoke(
    client: httpx.AsyncClient, team: Team, who: str, code: str, reason: str = REASON
) -> httpx.Response:
    return await client.post(
        f"/api/v1/workflow/dossiers/{code}/result/revoke",
        json={"reason": reason},
        headers=team.auth(who),
    )


async def test_the_signing_agency_revokes_and_the_qr_page_says_so(
    client: httpx.AsyncClient, session: AsyncSession, team: Team, keys: Path
) -> None:
    code, verify_code = await walk_group(session, team)  # signed by the province, returned
    await session.commit()  # a savepoint: a refused request rolls back to here, not further
    before = await _snapshot(session, code)
    refusals = {
        "p_handling_officer": (403, "role-not-allowed"),
        "c_approver": (403, "not-issuing-agency"),  # received it, did not sign it
        "o_approver": (404, "unknown-dossier"),  # never saw it
    }
    for who, (status, error) in refusals.items():
        refused = await revoke(client, team, who, code)
        assert (refused.status_code, refused.json()["code"]) == (status, error), who
    short = await revoke(client, team, "p_approver", code, "nhầm")
    assert short.status_code == 422 and short.json()["code"] == "reason-required"
    assert await _snapshot(session, code) == before
    assert "Văn bản thật, còn giá trị" in (await client.get(f"/verify/{verify_code}")).text

    done = await revoke(client, team, "p_approver", code)
    assert done.status_code == 200, done.text
    assert done.json()["verify_code"] == verify_code and done.json()["state"] == "returned"
    verified = (await client.get(f"/api/v1/workflow/results/{verify_code}")).json()
    assert verified["revoked"] is True and verified["revoked_reason"] == REASON
    page = await client.get(f"/verify/{verify_code}")
    assert "Văn bản đã bị thu hồi, không còn giá trị" in page.text and REASON in page.text
    state, version, events = await _snapshot(session, code)
    assert (state, version, events) == (before[0], before[1] + 1, before[2] + 1)
    dossier = await dossiers_repository.by_code(session, code)
    assert dossier is not None
    history = await dossiers_repository.events_of(session, dossier.id)
    assert history[-1].kind == "result-revoked" and history[-1].data["reason"] == REASON
    assert history[-1].data["officer"] == team["p_approver"].username
    assert dossier_history.replay(history) == state

    again = await revoke(client, team, "p_approver", code)
    assert again.status_code == 409 and again.json()["code"] == "already-revoked"
    assert await _snapshot(session, code) == (state, version, events)


async def test_an_agency_administrator_may_revoke_and_no_result_is_a_409(
    client: httpx.AsyncClient, session: AsyncSession, team: Team, keys: Path
) -> None:
    code = await file_dossier(session, team.commune, SIMPLE)
    await session.commit()
    nothing = await revoke(client, team, "c_approver", code)
    assert nothing.status_code == 409 and nothing.json()["code"] == "no-result"
    for who in ("c_receiving_officer", "c_handling_officer", "c_approver"):
        await service.complete(session, team[who], code)
    _, verify_code = await service.sign_result(session, team["c_approver"], code, "Đã cấp.")
    done = await revoke(client, team, "c_agency_admin", code)
    assert done.status_code == 200 and done.json()["state"] == "result_ready"
    assert (await client.get(f"/api/v1/workflow/results/{verify_code}")).json()["revoked"]
    stale = await client.post(
        f"/api/v1/workflow/dossiers/{code}/result/revoke",
        json={"reason": REASON, "version": 1},
        headers=team.auth("c_approver"),
    )
    assert stale.status_code == 409 and stale.json()["code"] == "dossier-changed"


async def test_the_applicant_is_told_once_that_the_result_was_revoked(
    session: AsyncSession, team: Team, keys: Path
) -> None:
    code = await file_dossier(session, team.commune, SIMPLE, email="nguoidan@example.test")
    await service.claim(session, team["c_receiving_officer"], code)
    for who in ("c_receiving_officer", "c_handling_officer", "c_approver"):
        await service.complete(session, team[who], code)
    _, verify_code = await service.sign_result(session, team["c_approver"], code, "Đã cấp.")
    await service.revoke_result(session, team["c_approver"], code, REASON)
    with pytest.raises(DomainError) as again:
        await service.revoke_result(session, team["c_approver"], code, REASON)
    assert again.value.code == "already-revoked"
    told = (
        await session.scalars(
            select(Notification).where(
                Notification.kind == "result_revoked", Notification.recipient.like("nguoidan@%")
            )
        )
    ).all()
    assert len(told) == 1 and told[0].event_key.endswith(verify_code)
    assert REASON in told[0].body and told[0].subject.startswith("Kết quả của hồ sơ")
