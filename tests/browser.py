"""What every page test in Debian's Chromium shares: how the browser starts, where screenshots
go, and one look at a page as people reach it. A look runs axe-core (the copy bundled by the
``axe-playwright-python`` package, so nothing downloads at test time) and counts serious and
critical violations at a phone's and a desktop's width, measures horizontal scroll at 320 px,
and saves full-page screenshots at 1280 and 390 px under ``test-artifacts/`` (git-ignored) for
a person to look at."""

import os
import subprocess
import sys
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, Playwright
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from motcua.core.settings import get_settings

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
ARTIFACTS = Path(__file__).parents[1] / "test-artifacts"
BLOCKING = {"serious", "critical"}
PHONE, NARROWEST, DESKTOP = 390, 320, 1280
# The rules whose outcome a phone's layout changes (every rule runs at the desktop width): a
# table that scrolls in its box, a tap target squeezed, focus inside the folded menu.
LAYOUT = ["scrollable-region-focusable", "target-size", "aria-hidden-focus"]

_axe = Axe()
_installed = Path(CHROMIUM).exists()


async def launch(playwright: Playwright) -> Browser:
    """Debian's Chromium (``make browser``); Playwright downloads no browser of its own. Its
    own words (file picker, date fields as dd/mm/yyyy) are Vietnamese, as a person's here."""
    assert _installed, "install Debian's chromium (make browser)"
    vietnamese = os.environ | {"LANGUAGE": "vi", "LANG": "vi_VN.UTF-8"}
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, env=vietnamese)


async def accessibility(page: Page, rules: list[str] | None = None) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line each
    (every rule, or only ``rules``)."""
    options: dict[str, object] = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": rules}
    results = await _axe.run(page, options=options)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING:
            targets = "; ".join(
                f"{' '.join(map(str, node['target']))} {node['html'][:100]}"
                for node in violation["nodes"][:5]
            )
            found.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return found


async def look(page: Page, name: str, folder: str = "journeys") -> list[str]:
    """The page as it is now: scroll at 320 px; axe-core and a screenshot at 390 px (the rules a
    phone's layout changes) and at 1280 px (every rule).

    Returns what is wrong, each line prefixed with ``name``; the window is put back as it was,
    so the journey goes on as the person left it."""
    problems: list[str] = []
    before = page.viewport_size or {"width": DESKTOP, "height": 800}
    target = ARTIFACTS / folder
    target.mkdir(parents=True, exist_ok=True)
    for width in (NARROWEST, PHONE, DESKTOP):
        await page.set_viewport_size({"width": width, "height": 800})
        scroll = await page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            problems.append(f"{name}: {scroll} px wide in a {width} px window")
        if width != NARROWEST:
            for line in await accessibility(page, LAYOUT if width == PHONE else None):
                if f"{name}: {line}" not in problems:
                    problems.append(f"{name}: {line}")
            path = target / f"{name}-{width}.png"
            await page.screenshot(path=str(path), full_page=True)
    await page.set_viewport_size(before)
    return problems


def run_cli(env: dict[str, str], *args: str) -> None:
    """``motcua …`` as the demo runs it, in a process of its own."""
    command = [str(Path(sys.executable).parent / "motcua"), *args]
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=300)


@contextmanager
def storage_folder(folder: Path) -> Iterator[Path]:
    """MOTCUA_STORAGE_DIR pointed at ``folder`` (uploads, signing keys) for a test module and
    the server it starts; the setting before it comes back afterwards."""
    before = os.environ.get("MOTCUA_STORAGE_DIR")
    os.environ["MOTCUA_STORAGE_DIR"] = str(folder)
    get_settings.cache_clear()
    try:
        yield folder
    finally:
        if before is None:
            os.environ.pop("MOTCUA_STORAGE_DIR", None)
        else:
            os.environ["MOTCUA_STORAGE_DIR"] = before
        get_settings.cache_clear()


def record_only_procedure(code: str, name: str, **extra: Any) -> dict[str, Any]:
    """A synthetic province procedure whose data all come from registries (identity and
    residence) beside one declaration, as a catalog document's procedure."""
    return {
        "code": code,
        "name": name,
        "sector": "Lý lịch tư pháp",
        "levels": ["province"],
        "managing_agency": "000.00.00.G01",
        "processing_days": 10,
        "online_level": "full",
        "synthetic": True,
        "legal_basis": ["Văn bản mô phỏng (dữ liệu thử)"],
        "requirements": [
            {"key": "to_khai", "name": "Tờ khai", "form_template": "Tờ khai (mẫu thử)"},
            {"key": "nhan_than", "name": "Thông tin nhân thân",
             "evidence_type": "population.person",
             "fields": ["personal_id", "full_name", "date_of_birth"]},
            {"key": "noi_cu_tru", "name": "Nơi cư trú", "evidence_type": "residence.record",
             "fields": ["personal_id", "permanent_address", "residence_unit_code"]},
        ],
        **extra,
    }  # fmt: skip


async def remove_applicant(
    engine: AsyncEngine, applicant: str, officers: Collection[str], code: str
) -> None:
    """After a journey: the applicant's dossiers with every row keyed by them, their uploads,
    consents and fetched evidence, the notifications about dossier ``code``, and the officers
    the test made with their tokens."""
    from motcua.dossiers.models import Dossier, DossierEvent, DossierItem, Upload
    from motcua.exchange.models import Consent, EvidenceItem
    from motcua.identity.models import ApiToken, Officer
    from motcua.notify.models import Notification
    from motcua.workflow.models import (
        Disclosure,
        ResultDocument,
        SupplementRequest,
        WorkflowCase,
        WorkflowVisit,
    )

    async with AsyncSession(engine) as session, session.begin():
        ids = select(Dossier.id).where(Dossier.actor_number == applicant)
        for table in (
            DossierEvent,
            DossierItem,
            WorkflowCase,
            WorkflowVisit,
            SupplementRequest,
            ResultDocument,
            Disclosure,
        ):
            await session.execute(delete(table).where(table.dossier_id.in_(ids)))  # type: ignore[attr-defined]
        await session.execute(delete(Dossier).where(Dossier.actor_number == applicant))
        await session.execute(delete(Upload).where(Upload.owner_number == applicant))
        mine = select(Consent.reference).where(Consent.actor_personal_id == applicant)
        await session.execute(delete(EvidenceItem).where(EvidenceItem.consent_reference.in_(mine)))
        await session.execute(delete(Consent).where(Consent.actor_personal_id == applicant))
        await session.execute(
            delete(Notification).where(Notification.event_key.like("%" + code + "%"))
        )
        made = select(Officer.id).where(Officer.username.in_(officers))
        await session.execute(delete(ApiToken).where(ApiToken.officer_id.in_(made)))
        await session.execute(delete(Officer).where(Officer.username.in_(officers)))
