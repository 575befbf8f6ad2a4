"""A draft of a group procedure submitted through the API files the group in the combination
sent (none is assumed: missing or unknown, a 422 naming the allowed ones, nothing filed); a
second submission answers with the same filing. Registries over real HTTP."""

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.applications.models import Application, ApplicationState
from motcua.catalog import service as catalog
from motcua.catalog.formats import life_event_groups
from motcua.groups.models import GroupFiling, GroupMember
from tests.exchange.conftest import registries, sandbox  # noqa: F401  (fixtures)
from tests.groups.test_journey import DECLARED, ME, _start_and_fetch

pytestmark = pytest.mark.usefixtures("registries")


async def test_submit_files_the_group_in_the_combination_sent(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await catalog.import_document(session, life_event_groups())
    draft = await _start_and_fetch(client)
    url = f"/api/v1/applications/{draft['id']}/submit"
    values = {"to_khai_lien_thong": {**DECLARED, "cam_doan": True}}
    missing = await client.post(url, json={"values": values}, headers=ME)
    assert missing.status_code == 422, missing.text
    assert missing.json()["code"] == "missing-combination"
    assert "combination" in missing.json()["message"]
    assert "“ba-trong-mot”" in missing.json()["message"]
    unknown = await client.post(url, json={"values": values, "combination": "tat-ca"}, headers=ME)
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown-combination"
    assert (
        "tat-ca" in unknown.json()["message"] and "khai-sinh-the-bhyt" in unknown.json()["message"]
    )
    assert await session.scalar(select(func.count()).select_from(GroupFiling)) == 0
    app = await session.get(Application, draft["id"], populate_existing=True)
    assert app is not None and app.state == ApplicationState.draft

    body = {"values": values, "combination": "khai-sinh-the-bhyt"}
    filed = await client.post(url, json=body, headers=ME)
    assert filed.status_code == 201, filed.text
    code = filed.json()["code"]
    assert code.startswith("LT-") and filed.headers["location"] == f"/api/v1/groups/filings/{code}"
    assert filed.json()["combination"] == "khai-sinh-the-bhyt"
    assert [m["key"] for m in filed.json()["members"]] == ["khai_sinh", "the_bhyt"]
    again = await client.post(url, json=body, headers=ME)
    assert again.status_code == 200 and again.json()["code"] == code
    [filing] = await session.scalars(select(GroupFiling))
    members = await session.scalar(
        select(func.count()).select_from(GroupMember).where(GroupMember.filing_id == filing.id)
    )
    assert filing.code == code and members == 2
    followed = await client.get(f"/api/v1/groups/filings/{code}", headers=ME)
    assert followed.status_code == 200


async def test_a_combination_for_a_procedure_that_is_not_a_group_is_refused(
    client: httpx.AsyncClient,
) -> None:
    started = await client.post(
        "/api/v1/applications", json={"procedure_code": "1.001193"}, headers=ME
    )
    assert started.status_code == 201
    answer = await client.post(
        f"/api/v1/applications/{started.json()['id']}/submit",
        json={"combination": "ba-trong-mot"},
        headers=ME,
    )
    assert answer.status_code == 422 and answer.json()["code"] == "not-a-group"
