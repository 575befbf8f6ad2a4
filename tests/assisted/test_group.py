"""An assisted filing of a group of procedures: the mother confirms on the helper's device, the
birth group is filed through its pages, and the help is recorded on the group (its code in the
helper's list, one filing in the indicator)."""

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.assisted.models import AssistedFiling, AssistState
from motcua.catalog import service as catalog
from motcua.catalog.formats import life_event_groups
from motcua.groups.models import GroupFiling, GroupMember
from tests.applications.conftest import HOA
from tests.assisted.conftest import Helper
from tests.assisted.test_pages import _start
from tests.forms import token_in
from tests.groups.test_journey import DECLARED, _start_and_fetch
from tests.identity.helpers import citizen_cookie

pytestmark = pytest.mark.usefixtures("registries")


async def test_an_assisted_birth_group_is_recorded_on_the_group(
    client: httpx.AsyncClient, session: AsyncSession, helper: Helper
) -> None:
    await catalog.import_document(session, life_event_groups())
    await session.commit()
    handover = await _start(client, helper, HOA)
    client.cookies.set("motcua_citizen", citizen_cookie(HOA, name="Trần Thị Hoa"))
    asked = await client.get(handover + "/xac-nhan")
    assert asked.status_code == 200, asked.text
    done = await client.post(handover + "/xac-nhan", data={"csrf_token": token_in(asked.text)})
    assert done.status_code == 303 and "motcua_assisted=" in done.headers["set-cookie"]

    draft = await _start_and_fetch(client)
    form_url = f"/ho-so/{draft['id']}"
    page = await client.get(form_url)
    fields = {f"field-to_khai_lien_thong-{k}": v for k, v in DECLARED.items()}
    data = {"action": "submit", **fields, "field-to_khai_lien_thong-cam_doan": "1"}
    sent = await client.post(form_url, data={**data, "csrf_token": token_in(page.text)})
    assert sent.status_code == 303, sent.text
    choose = await client.get(sent.headers["location"])
    assert choose.status_code == 200
    filed = await client.post(
        sent.headers["location"],
        data={"lua_chon": "ba-trong-mot", "csrf_token": token_in(choose.text)},
    )
    assert filed.status_code == 303, filed.text

    group = await session.scalar(select(GroupFiling).where(GroupFiling.applicant_number == HOA))
    assert group is not None
    row = await session.scalar(select(AssistedFiling).where(AssistedFiling.citizen_number == HOA))
    assert row is not None and row.state == AssistState.filed and row.group_code == group.code
    first = await session.scalar(
        select(GroupMember.dossier_id).where(
            GroupMember.filing_id == group.id, GroupMember.key == "khai_sinh"
        )
    )
    assert row.dossier_id == first

    # the helper's list names the group, and the indicator counts one filing
    client.cookies.delete("motcua_citizen")
    client.cookies.delete("motcua_assisted")
    listed = await client.get("/ho-tro")
    assert group.code in listed.text and group.group_name in listed.text
    figures = (await client.get("/api/v1/stats/assisted-filings")).json()
    assert figures["total"] == 1
