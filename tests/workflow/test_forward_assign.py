"""Two rough edges of the officer's dossier page: the forward form when there is nobody to
forward to (a sentence saying why and what to do, no submit button; the service refuses with
the same words and changes nothing), and the assign list, which names each officer with their
role, never by login name, and tells apart only those who share a name."""

import re

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock
from motcua.core.errors import Conflict
from motcua.identity.models import Officer, Role
from motcua.workflow import service, steps
from tests.workflow.conftest import SIMPLE, Team, file_dossier
from tests.workflow.test_pages import QUEUE, cookie, form_of, post, state_of

# A definition whose forward step sends the dossier back to where it was received: at the
# agency that received it, there is nobody to forward it to.
BACK_HOME = """steps:
  - {kind: receive, role: receiving_officer, share: 10, name: Tiếp nhận}
  - {kind: forward, role: receiving_officer, share: 10, name: Chuyển về nơi tiếp nhận}
  - {kind: assess, role: handling_officer, share: 40, name: Thẩm định}
  - {kind: approve, role: approver, share: 20, name: Phê duyệt}
  - {kind: sign, role: approver, share: 10, name: Ký kết quả}
  - {kind: return, role: receiving_officer, share: 10, name: Trả kết quả}
"""


async def test_a_forward_with_nobody_to_forward_to_says_why_and_is_refused(
    client: httpx.AsyncClient, session: AsyncSession, team: Team
) -> None:
    await service.save_definition(session, team["c_agency_admin"], SIMPLE, BACK_HOME)
    code = await file_dossier(session, team.commune, SIMPLE)
    done = await post(client, team, "c_receiving_officer", code, "complete")
    assert done.status_code == 303, done.text
    page = await client.get(f"{QUEUE}/{code}", headers=cookie(team, "c_receiving_officer"))
    form = form_of(page.text, "forward")
    assert "Không có cơ quan nào để chuyển hồ sơ đến" in form
    assert "hồ sơ được tiếp nhận tại chính cơ quan bạn" in form
    assert "Hãy báo quản trị cơ quan sửa quy trình" in form
    assert "<button" not in form and "<select" not in form  # nothing to submit, no empty list

    before = await state_of(session, code)
    for target in (team.commune.code, team.province.code):
        refused = await post(
            client, team, "c_receiving_officer", code, "forward", agency_code=target
        )
        assert refused.status_code == 409, refused.text
        assert "Không có cơ quan nào để chuyển hồ sơ đến" in refused.text
    with pytest.raises(Conflict) as raised:
        await service.forward(session, team["c_receiving_officer"], code, team.province.code)
    assert raised.value.code == "no-forward-target"
    assert raised.value.message == steps.RECEIVED_HERE
    assert await state_of(session, code) == before


async def test_a_forward_step_with_agencies_to_go_to_keeps_its_list(
    client: httpx.AsyncClient, session: AsyncSession, team: Team
) -> None:
    """The usual case is unchanged: the next level's agencies, a submit button, and a target of
    the wrong level refused in Vietnamese words, not level codes."""
    from tests.workflow.conftest import GROUP

    code = await file_dossier(session, team.commune, GROUP)
    for who in ("c_receiving_officer", "c_handling_officer"):
        assert (await post(client, team, who, code, "complete")).status_code == 303
    page = await client.get(f"{QUEUE}/{code}", headers=cookie(team, "c_handling_officer"))
    form = form_of(page.text, "forward")
    assert f'value="{team.province.code}"' in form and "<button" in form
    assert "Không có cơ quan nào" not in form
    wrong = await post(
        client, team, "c_handling_officer", code, "forward", agency_code=team.ministry.code
    )
    assert wrong.status_code == 409
    assert "do cơ quan cấp tỉnh thực hiện" in wrong.text and "province" not in wrong.text


def _options(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<option value="([^"]+)"[^>]*>([^<]*)</option>', form_of(html, "assign"))


async def test_the_assign_list_names_officers_by_name_and_role_not_login(
    client: httpx.AsyncClient, session: AsyncSession, team: Team
) -> None:
    now = clock.now()
    lan = "Nguyễn Thị Lan (dữ liệu tổng hợp)"
    for username, email, number in (
        ("wf_lan_a", "lan.nguyen@example.test", None),
        ("wf_lan_b", None, "001190000123"),
        ("wf_lan_c", None, None),
    ):
        session.add(
            Officer(
                username=username,
                full_name=lan,
                agency_id=team.commune.id,
                role=Role.receiving_officer,
                password_hash="-",
                active=True,
                created_at=now,
                email=email,
                personal_id=number,
            )
        )
    await session.flush()
    code = await file_dossier(session, team.commune, SIMPLE)
    page = await client.get(f"{QUEUE}/{code}", headers=cookie(team, "c_approver"))
    options = _options(page.text)
    shown = [label for _, label in options]
    assert shown == [
        "Cán bộ c_receiving_officer (dữ liệu tổng hợp) – Cán bộ một cửa",
        f"{lan} – Cán bộ một cửa (thư điện tử lan.nguyen@example.test)",
        f"{lan} – Cán bộ một cửa (số định danh có ba số cuối 123)",
        f"{lan} – Cán bộ một cửa (tài khoản wf_lan_c)",  # the record holds nothing else
    ]
    assert not any("wf_lan_a" in s or "wf_lan_b" in s or "wf_c_" in s for s in shown)
    assert "(wf_" not in page.text  # no login name in brackets anywhere on the page
    done = await post(client, team, "c_approver", code, "assign", username=options[2][0])
    assert done.status_code == 303, done.text
    shown_after = await client.get(done.headers["location"], headers=cookie(team, "c_approver"))
    assert lan in shown_after.text
    selected = re.search(r'<option value="wf_lan_b" selected>', shown_after.text)
    assert selected is not None
