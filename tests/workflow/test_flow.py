"""The whole path of an interconnected dossier: commune -> province -> commune, one code,
one history, each agency's share tracked; signed result verified by its QR address."""

from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.errors import DomainError
from motcua.core.settings import get_settings
from motcua.dossiers import history as dossier_history
from motcua.dossiers import reading as dossier_reading
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers.models import DossierState
from motcua.sandbox import pki
from motcua.workflow import repository, results, service
from tests.workflow.conftest import APPLICANT, Team, file_dossier


@pytest.fixture
def keys(storage: Path, team: Team) -> Path:
    folder = storage / "pki"
    pki.generate(folder, [(a.code, a.name) for a in (team.commune, team.province)])
    return folder


async def _history_matches(session: AsyncSession, code: str) -> None:
    dossier = await dossiers_repository.by_code(session, code)
    assert dossier is not None
    events = await dossiers_repository.events_of(session, dossier.id)
    assert dossier_history.replay(events) == dossier.state


async def walk_group(session: AsyncSession, team: Team) -> tuple[str, str]:
    code = await file_dossier(session, team.commune)
    await service.claim(session, team["c_receiving_officer"], code)
    await service.complete(session, team["c_receiving_officer"], code)
    await service.complete(session, team["c_handling_officer"], code, "đã đăng ký khai sinh")
    await service.forward(session, team["c_handling_officer"], code, team.province.code)
    await service.complete(session, team["p_handling_officer"], code)
    await service.complete(session, team["p_approver"], code)
    _, verify_code = await service.sign_result(
        session, team["p_approver"], code, "Đã cấp thẻ BHYT."
    )
    await service.forward(session, team["p_handling_officer"], code, team.commune.code)
    await service.hand_back(session, team["c_receiving_officer"], code)
    return code, verify_code


async def test_interconnected_group_walks_commune_province_and_back(
    session: AsyncSession, team: Team, keys: Path
) -> None:
    code, verify_code = await walk_group(session, team)
    await _history_matches(session, code)
    view = await service.case_view(session, team["c_receiving_officer"], code)
    assert view.dossier.state == DossierState.returned
    assert [v.agency_code for v in view.visits] == [
        team.commune.code,
        team.province.code,
        team.commune.code,
    ]
    assert all(v.share_days is not None for v in view.visits)
    kinds = [e.kind for e in view.dossier.history]
    assert kinds.count("forwarded") == 2 and kinds[-1] == "returned"
    moves = [e.data["from_step"]["index"] for e in view.dossier.history[1:]]
    assert moves == sorted(moves)
    # the province still reads it (it was forwarded there); a third agency never did
    assert await repository.readable_by_code(session, team["p_handling_officer"], code)
    assert await repository.readable_by_code(session, team["o_receiving_officer"], code) is None
    # the applicant's own view shows where it went
    mine = await dossier_reading.view(session, code, APPLICANT)
    assert any(e.data.get("to_agency") == team.province.code for e in mine.history)
    verified = await service.verify(session, verify_code)
    assert verified.dossier_code == code and not verified.revoked


async def test_signed_result_verifies_and_a_tampered_copy_does_not(
    session: AsyncSession, team: Team, keys: Path
) -> None:
    _, verify_code = await walk_group(session, team)
    document = await repository.result(session, verify_code)
    assert document is not None
    good = await results.check(session, document.pdf)
    assert good.genuine and good.signature_intact and good.trusted
    tampered = bytearray(document.pdf)
    at = tampered.index(b"/Contents", len(tampered) // 10)
    tampered[at - 40] ^= 0x01
    bad = await results.check(session, bytes(tampered))
    assert not bad.genuine and not bad.issued_by_us
    await results.revoke(session, verify_code, "Cấp nhầm (thử nghiệm)")
    revoked = await results.check(session, document.pdf)
    assert revoked.signature_intact and revoked.revoked and not revoked.genuine
    assert (await service.verify(session, verify_code)).revoked


async def test_signing_without_a_certificate_is_refused(
    session: AsyncSession, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside the demo (or with on-demand certificates off) an agency without one cannot sign."""
    monkeypatch.setenv("MOTCUA_SANDBOX_ISSUE_CERTIFICATES", "false")
    get_settings.cache_clear()
    code = await file_dossier(session, team.commune)
    for name in ("c_receiving_officer", "c_handling_officer"):
        await service.complete(session, team[name], code)
    await service.forward(session, team["c_handling_officer"], code, team.province.code)
    await service.complete(session, team["p_handling_officer"], code)
    await service.complete(session, team["p_approver"], code)
    with pytest.raises(DomainError) as refused:
        await service.sign_result(session, team["p_approver"], code, "Kết quả")
    assert refused.value.code == "signing-key-missing"
    get_settings.cache_clear()


async def test_verify_page_opened_by_the_qr_code(
    client: httpx.AsyncClient, session: AsyncSession, team: Team, keys: Path
) -> None:
    _, verify_code = await walk_group(session, team)
    page = await client.get(f"/verify/{verify_code}")
    assert page.status_code == 200 and "Văn bản thật, còn giá trị" in page.text
    document = await client.get(f"/api/v1/workflow/results/{verify_code}/document.pdf")
    assert document.content.startswith(b"%PDF")
    assert (await client.get("/verify/khongcomacode")).status_code == 404
