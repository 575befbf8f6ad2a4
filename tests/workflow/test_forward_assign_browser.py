"""The officer's dossier page in Chromium (Debian's): a leader's assign list names colleagues by
name and role, two officers of the same name told apart by e-mail and personal number, no
login name; an officer at a forward step with nobody to forward to reads why and what to do,
with no list and no button. Each page looked at with axe-core at 390 and 1280 px and for
horizontal scroll at 320 px; the app is served on loopback reading the test's transaction."""

import secrets
from datetime import timedelta

import pytest
from playwright.async_api import async_playwright
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock
from motcua.identity.models import ApiToken, Officer, Role
from motcua.identity.service import hash_token
from motcua.workflow import service
from tests.browser import launch, look
from tests.groups.test_counter_browser import base  # noqa: F401  (the served app)
from tests.workflow.conftest import SIMPLE, Team, file_dossier
from tests.workflow.test_forward_assign import BACK_HOME

pytestmark = pytest.mark.browser
LAN = "Nguyễn Thị Lan (dữ liệu tổng hợp)"


async def test_the_assign_list_and_a_forward_with_nobody_to_go_to(
    base: str,  # noqa: F811  (the fixture imported above)
    session: AsyncSession,
    team: Team,
) -> None:
    for username, email, number in (
        ("wfb_lan_a", "lan.nguyen@example.test", None),
        ("wfb_lan_b", None, "001190000456"),
    ):
        session.add(
            Officer(
                username=username,
                full_name=LAN,
                agency_id=team.commune.id,
                role=Role.receiving_officer,
                password_hash="-",
                active=True,
                created_at=clock.now(),
                email=email,
                personal_id=number,
            )
        )
    await service.save_definition(session, team["c_agency_admin"], SIMPLE, BACK_HOME)
    code = await file_dossier(session, team.commune, SIMPLE)
    await session.commit()
    problems: list[str] = []
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        context = await browser.new_context(viewport={"width": 1280, "height": 800})
        token = team.tokens["c_approver"]
        await context.add_cookies([{"name": "motcua_token", "value": token, "url": base}])
        page = await context.new_page()
        await page.goto(f"{base}/can-bo/ho-so/{code}")
        options = await page.locator("#assignee option").all_inner_texts()
        assert options == [
            "Cán bộ c_receiving_officer (dữ liệu tổng hợp) – Cán bộ một cửa",
            f"{LAN} – Cán bộ một cửa (thư điện tử lan.nguyen@example.test)",
            f"{LAN} – Cán bộ một cửa (số định danh có ba số cuối 456)",
        ]
        assert "wfb_" not in await page.inner_text("main")
        problems += await look(page, "assign-list", "workflow")
        await page.select_option("#assignee", label=options[2])
        await page.get_by_role("button", name="Phân công").click()
        await page.wait_for_url("**?xong=assign")
        assert LAN in await page.inner_text("main")

        # the officer assigned completes the receive step; the forward goes back home
        await context.clear_cookies()
        mine = await _token(session, team, "wfb_lan_b")
        await context.add_cookies([{"name": "motcua_token", "value": mine, "url": base}])
        await page.goto(f"{base}/can-bo/ho-so/{code}")
        await page.get_by_role("button", name="Hoàn thành bước").click()
        await page.wait_for_url("**?xong=complete")
        await page.goto(f"{base}/can-bo/ho-so/{code}")
        told = await page.inner_text("#no-forward")
        assert told.startswith("Không có cơ quan nào để chuyển hồ sơ đến")
        assert "quản trị cơ quan" in told
        assert await page.get_by_role("button", name="Chuyển hồ sơ").count() == 0
        assert await page.locator("#agency_code").count() == 0
        problems += await look(page, "forward-nobody", "workflow")
        await browser.close()
    assert problems == [], "\n".join(problems)


async def _token(session: AsyncSession, team: Team, username: str) -> str:
    """A session token for an officer added by the test (the team's own have theirs)."""
    officer = await session.scalar(select(Officer).where(Officer.username == username))
    assert officer is not None
    token = secrets.token_urlsafe(16)
    now = clock.now()
    session.add(
        ApiToken(
            token_hash=hash_token(token),
            officer_id=officer.id,
            created_at=now,
            expires_at=now + timedelta(hours=1),
            revoked=False,
        )
    )
    await session.commit()
    return token
