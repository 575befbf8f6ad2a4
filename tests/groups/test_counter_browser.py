"""The birth group at the counter in Chromium: the one-stop officer opens the visit for Hoa
(sandbox persona), is taken to the group's page (the relation "Mẹ" pre-selected, the child's
residence optional with the online offer's hint), files without choosing (refused, nothing
lost), chooses the combination with her and receives the group with the residence left empty
(the mother's permanent address filled in); each page looked at with
axe-core at 390 and 1280 px and for horizontal scroll at 320 px. The app is served by uvicorn
on loopback in the test's event loop, reading the test's transaction."""

import asyncio
import re
from collections.abc import AsyncIterator

import pytest
import uvicorn
from playwright.async_api import async_playwright
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from motcua.app import create_app
from motcua.core.database import get_session
from motcua.groups.models import GroupFiling, GroupMember
from motcua.units.models import Agency
from tests.browser import launch, look
from tests.exchange.conftest import registries, sandbox  # noqa: F401  (fixtures)
from tests.groups.test_counter import CHILD, HOA, KEY, hoa_centre  # noqa: F401  (fixture)
from tests.served import free_port

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("registries")]


@pytest.fixture
async def base(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[str]:
    app = create_app()

    async def request_session() -> AsyncIterator[AsyncSession]:
        async with sessions() as own:
            try:
                yield own
                await own.commit()
            except BaseException:
                await own.rollback()
                raise

    app.dependency_overrides[get_session] = request_session
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


async def test_the_officer_receives_the_birth_group_at_the_counter(
    base: str,
    hoa_centre: tuple[Agency, dict[str, str]],  # noqa: F811  (the fixture imported above)
    session: AsyncSession,
) -> None:
    _, me = hoa_centre
    token = me["Cookie"].split("=", 1)[1]
    problems: list[str] = []
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        context = await browser.new_context(viewport={"width": 390, "height": 800})
        await context.add_cookies([{"name": "motcua_token", "value": token, "url": base}])
        page = await context.new_page()
        await page.goto(f"{base}/can-bo/quay?ma=0.000015")
        await page.fill("#so_dinh_danh", HOA)
        await page.check("input[name=kiem_tra][value=chip_card]")
        await page.check("#dong_y")
        await page.click("form[method=post] button[type=submit]")
        await page.wait_for_url("**/lien-thong")
        assert "Lê Thị Hoa" in await page.inner_text("main")
        problems += await look(page, "counter-group", "groups")

        assert await page.input_value(f"#field-{KEY}-quan_he") == "Mẹ"  # as the offer
        residence = page.get_by_label("Nơi đăng ký thường trú cho trẻ (không bắt buộc)")
        assert await residence.input_value() == ""
        hint = await page.inner_text(f"#field-{KEY}-noi_thuong_tru_cua_tre-hint")
        assert hint == "Để trống nếu trẻ đăng ký thường trú cùng nơi thường trú của mẹ."
        await page.fill(f"#field-{KEY}-ho_ten_tre", CHILD["ho_ten_tre"])
        await page.check(f"#field-{KEY}-cam_doan")
        await page.click("#nop button[type=submit]")
        alert = page.locator("[role=alert]")
        assert "Hãy chọn cùng công dân" in await alert.inner_text()
        assert await page.input_value(f"#field-{KEY}-ho_ten_tre") == CHILD["ho_ten_tre"]
        problems += await look(page, "counter-group-refused", "groups")

        await page.check("#lua-chon-ba-trong-mot")
        assert await page.input_value(f"#field-{KEY}-quan_he") == "Mẹ"
        if not await page.is_checked(f"#field-{KEY}-cam_doan"):
            await page.check(f"#field-{KEY}-cam_doan")
        await page.click("#nop button[type=submit]")
        await page.wait_for_url("**/lien-thong/bien-nhan")
        problems += await look(page, "counter-group-receipt", "groups")
        shown = await page.inner_text("main")
        await browser.close()
    assert problems == []
    code = re.search(r"LT-[0-9A-Z.]+-\d{6}-\d{4}", shown)
    assert code is not None
    filing = await session.scalar(select(GroupFiling).where(GroupFiling.code == code.group(0)))
    assert filing is not None and filing.channel == "counter"
    mother = filing.reads["noi_cu_tru_cha_me"]["value"]["permanent_address"]
    assert mother and filing.declaration["noi_thuong_tru_cua_tre"] == mother
    assert filing.declaration["quan_he"] == "Mẹ"
    members = list(
        await session.scalars(select(GroupMember).where(GroupMember.filing_id == filing.id))
    )
    assert len(members) == 3 and len({m.agency_id for m in members}) == 3
