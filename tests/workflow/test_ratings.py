"""The applicant rates how their dossier was handled, once, after the result: through the page
(a refusal keeps what they typed) and the API; nobody else can; the rating feeds the service
index's satisfaction (5.4)."""

from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers.models import DossierRating
from motcua.sandbox import pki
from motcua.stats.index766 import rates
from motcua.workflow import service
from tests.forms import token_from
from tests.identity.helpers import as_citizen
from tests.workflow.conftest import SIMPLE, Team, file_dossier

MINE = "/ho-so-cua-toi"
STRANGER = "001099000555"


async def _with_result(session: AsyncSession, team: Team, storage: Path) -> str:
    pki.generate(storage / "pki", [(team.commune.code, team.commune.name)])
    code = await file_dossier(session, team.commune, SIMPLE)
    for who in ("c_receiving_officer", "c_handling_officer", "c_approver"):
        await service.complete(session, team[who], code)
    await service.sign_result(session, team["c_approver"], code, "Kết quả (dữ liệu thử nghiệm).")
    return code


async def _stored(session: AsyncSession, code: str) -> DossierRating | None:
    dossier = await dossiers_repository.plain_by_code(session, code)
    assert dossier is not None
    return await session.scalar(select(DossierRating).where(DossierRating.dossier_id == dossier.id))


async def test_the_applicant_rates_once_through_the_page(
    client: httpx.AsyncClient, session: AsyncSession, team: Team, storage: Path
) -> None:
    from tests.workflow.conftest import APPLICANT

    code = await _with_result(session, team, storage)
    me = as_citizen(APPLICANT)
    page = await client.get(f"{MINE}/{code}", headers=me)
    assert page.status_code == 200 and "Bạn hài lòng với việc giải quyết hồ sơ này" in page.text
    token = await token_from(client, f"{MINE}/{code}", me)
    typed = "Cán bộ hướng dẫn tận tình"
    missing = await client.post(
        f"{MINE}/{code}/danh-gia", data={"csrf_token": token, "y-kien": typed}, headers=me
    )
    assert missing.status_code == 422 and "Hãy chọn một mức" in missing.text
    assert typed in missing.text  # what they typed is still there
    assert await _stored(session, code) is None
    done = await client.post(
        f"{MINE}/{code}/danh-gia",
        data={"csrf_token": token, "muc": "satisfied", "y-kien": typed},
        headers=me,
    )
    assert done.status_code == 303
    stored = await _stored(session, code)
    assert stored is not None and (stored.level, stored.comment) == ("satisfied", typed)
    shown = await client.get(done.headers["location"], headers=me)
    assert "Cảm ơn bạn đã đánh giá" in shown.text and "<strong>Hài lòng</strong>" in shown.text
    again = await client.post(
        f"{MINE}/{code}/danh-gia",
        data={"csrf_token": token, "muc": "dissatisfied"},
        headers=me,
    )
    assert again.status_code == 409 and "Bạn đã đánh giá hồ sơ này" in again.text
    stored = await _stored(session, code)
    assert stored is not None and stored.level == "satisfied"


async def test_the_api_refuses_early_foreign_and_bad_ratings(
    client: httpx.AsyncClient, session: AsyncSession, team: Team, storage: Path
) -> None:
    from tests.workflow.conftest import APPLICANT

    me = as_citizen(APPLICANT)
    code = await _with_result(session, team, storage)
    early = await file_dossier(session, team.commune, SIMPLE)
    await session.commit()  # a refused request rolls back its own work only
    too_soon = await client.post(
        f"/api/v1/me/dossiers/{early}/rating", json={"level": "satisfied"}, headers=me
    )
    assert too_soon.status_code == 409 and too_soon.json()["code"] == "not-yet"
    url = f"/api/v1/me/dossiers/{code}/rating"
    stranger = await client.post(url, json={"level": "satisfied"}, headers=as_citizen(STRANGER))
    assert stranger.status_code == 404
    bad = await client.post(url, json={"level": "so-so"}, headers=me)
    assert bad.status_code == 422 and bad.json()["parameter"] == "level"
    long = await client.post(url, json={"level": "satisfied", "comment": "x" * 1001}, headers=me)
    assert long.status_code == 422
    assert await _stored(session, code) is None
    made = await client.post(url, json={"level": "dissatisfied"}, headers=me)
    assert made.status_code == 201 and made.json()["level"] == "dissatisfied"
    twice = await client.post(url, json={"level": "satisfied"}, headers=me)
    assert twice.status_code == 409 and twice.json()["code"] == "already-rated"


def test_satisfaction_counts_late_results_and_unhappy_ratings() -> None:
    counts = {"received": 10, "on_time": 3, "late": 1, "pending": 6, "online_full": 0}
    counts |= {"paid_online": 0, "with_fee": 0, "reused": 0}
    assert rates(counts, 0, (4, 1))["satisfaction_rate"] == 1 - 0.25 - 0.25
    assert rates(counts, 0, (0, 0))["satisfaction_rate"] == 0.75
    nothing = counts | {"on_time": 0, "late": 0}
    assert rates(nothing, 0, (0, 0))["satisfaction_rate"] is None
    assert rates(counts | {"late": 3}, 0, (2, 2))["satisfaction_rate"] == 0.0  # never below 0
