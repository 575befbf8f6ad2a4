"""Contextual help on each officer step: every kind of step has it (meaning, forms, checks,
next), and the dossier page shows the current step's to the officer who can act on it."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.workflow import guidance, service
from motcua.workflow.definitions import StepKind
from tests.workflow.conftest import SIMPLE, Team, file_dossier
from tests.workflow.test_pages import QUEUE, cookie


def test_every_step_kind_has_its_help() -> None:
    for kind in StepKind:
        found = guidance.for_step(kind)
        assert found is not None, kind
        assert found["title"] and found["meaning"] and found["checks"] and found["next"]
        # every line is text a person reads (a line with a colon is no mapping to print raw)
        lines = [found["title"], found["meaning"], found["next"], *found["checks"]]
        assert all(isinstance(line, str) for line in lines + list(found.get("forms", []))), kind
    assert any("Mẫu 01" in form for form in guidance.for_step("receive")["forms"])  # type: ignore[index]
    assert guidance.for_step("no-such-step") is None


async def test_the_page_shows_the_current_steps_help(
    client: httpx.AsyncClient, session: AsyncSession, team: Team
) -> None:
    code = await file_dossier(session, team.commune, SIMPLE)
    receiving = await client.get(f"{QUEUE}/{code}", headers=cookie(team, "c_receiving_officer"))
    assert receiving.status_code == 200
    assert "Hướng dẫn bước này" in receiving.text and "Tiếp nhận hồ sơ" in receiving.text
    assert "Mẫu 01 Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in receiving.text
    await service.complete(session, team["c_receiving_officer"], code)
    assessing = await client.get(f"{QUEUE}/{code}", headers=cookie(team, "c_handling_officer"))
    assert "Thẩm định, xử lý hồ sơ" in assessing.text and "Mẫu 04" in assessing.text
