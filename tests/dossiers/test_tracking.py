"""Public tracking page, receipt slip (Mẫu 01) as PDF, and the history that makes the state."""

import asyncio
import io
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from motcua.core.errors import Conflict
from motcua.core.migrate import upgrade
from motcua.dossiers import history as dossier_history
from motcua.dossiers import reading as dossier_reading
from motcua.dossiers import repository, service
from motcua.dossiers.models import DossierState, HistoryIsAppendOnly
from motcua.dossiers.schemas import SubmissionIn
from tests.dossiers.conftest import APPLICANT, OFFICER, OTHER, counter_item
from tests.identity.helpers import as_citizen


async def submitted(
    session: AsyncSession, code: str, key: str = "track-0001", **extra: object
) -> service.Submission:
    body = SubmissionIn.model_validate(
        {
            "procedure_code": code,
            "items": [
                {
                    "requirement_key": "to_khai",
                    "source": "counter",
                    "value": {"ho_ten": "Nguyễn Văn A (dữ liệu thử)"},
                },
                counter_item(),
            ],
            "channel": "counter",
            "applicant": APPLICANT,
            **extra,
        }
    )
    return await service.submit(session, body, actor=OFFICER, idempotency_key=key)


async def test_tracking_page_shows_status_and_dates_only(
    client: httpx.AsyncClient, session: AsyncSession, procedures: dict[str, str]
) -> None:
    result = await submitted(session, procedures["online"])
    form = await client.get("/tra-cuu")
    assert form.status_code == 200
    assert '<label for="code">Mã hồ sơ</label>' in form.text and 'for="secret"' in form.text
    page = await client.post(
        "/tra-cuu", data={"code": result.dossier.code, "secret": result.tracking_secret}
    )
    assert page.status_code == 200, page.text
    assert "Đã tiếp nhận" in page.text and result.dossier.code in page.text
    assert "Ngày hẹn trả kết quả" in page.text
    assert APPLICANT not in page.text and OFFICER not in page.text
    lower = await client.post(
        "/tra-cuu",
        data={"code": result.dossier.code, "secret": str(result.tracking_secret).lower()},
    )
    assert lower.status_code == 200


async def test_a_wrong_secret_and_an_unknown_code_look_the_same(
    client: httpx.AsyncClient, session: AsyncSession, procedures: dict[str, str]
) -> None:
    result = await submitted(session, procedures["online"])
    wrong = await client.post("/tra-cuu", data={"code": result.dossier.code, "secret": "AAAAAAAA"})
    unknown = await client.post("/tra-cuu", data={"code": "X-000000-0000", "secret": "AAAAAAAA"})
    assert wrong.status_code == unknown.status_code == 404
    assert 'role="alert"' in wrong.text and "Không tìm thấy hồ sơ" in wrong.text
    assert "Đã tiếp nhận" not in wrong.text
    empty = await client.post("/tra-cuu", data={"code": "", "secret": ""})
    assert empty.status_code == 422 and 'aria-invalid="true"' in empty.text


async def test_receipt_slip_is_a_vietnamese_pdf_for_every_channel(
    client: httpx.AsyncClient, session: AsyncSession, procedures: dict[str, str]
) -> None:
    result = await submitted(session, procedures["online"])
    response = await client.get(
        f"/api/v1/dossiers/{result.dossier.code}/receipt.pdf",
        headers=as_citizen(APPLICANT),
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    flat = " ".join(text.split())
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in flat
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in flat
    assert f"Mã hồ sơ: {result.dossier.code}" in flat
    assert f"Mã tra cứu: {result.tracking_secret}" in flat
    assert "Thủ tục thử nghiệm 9.990001" in flat and "Giấy chứng sinh" in flat
    assert "Hình thức nộp: trực tiếp" in flat and "5 ngày làm việc" in flat
    assert "Phí, lệ phí: 50.000 đồng" in flat
    stranger = await client.get(
        f"/api/v1/dossiers/{result.dossier.code}/receipt.pdf", headers=as_citizen(OTHER)
    )
    assert stranger.status_code == 404


async def test_the_state_is_what_the_history_says(
    session: AsyncSession, procedures: dict[str, str]
) -> None:
    result = await submitted(session, procedures["online"])
    code = result.dossier.code
    steps = [
        ("taken_up", DossierState.in_progress),
        ("supplement_requested", DossierState.supplement_requested),
        ("supplemented", DossierState.in_progress),
        ("decided", DossierState.result_ready),
    ]
    for kind, state in steps:
        dossier = await dossier_history.record(
            session, code, actor=OFFICER, kind=kind, to_state=state
        )
        assert dossier.state == state == dossier_history.replay(dossier.events)
    session.expunge_all()
    reloaded = await repository.by_code(session, code)
    assert reloaded is not None
    assert [e.seq for e in reloaded.events] == [1, 2, 3, 4, 5]
    assert dossier_history.replay(reloaded.events) == reloaded.state == DossierState.result_ready
    assert reloaded.version == 5
    with pytest.raises(Conflict) as refused:
        await dossier_history.record(
            session, code, actor=OFFICER, kind="again", to_state=DossierState.in_progress
        )
    assert refused.value.code == "transition-not-allowed"
    with pytest.raises(Conflict) as stale:
        await dossier_history.record(
            session,
            code,
            actor=OFFICER,
            kind="returned",
            to_state=DossierState.returned,
            expected_version=1,
        )
    assert stale.value.code == "dossier-changed"


async def test_history_cannot_be_rewritten(
    session: AsyncSession, procedures: dict[str, str]
) -> None:
    result = await submitted(session, procedures["online"])
    [first] = await repository.events_of(session, result.dossier.id)  # as stored, not as sent
    first.kind = "forged"
    with pytest.raises(HistoryIsAppendOnly):
        await session.flush()
    await session.rollback()


def test_a_broken_history_is_detected() -> None:
    from motcua.dossiers.models import DossierEvent

    events = [
        DossierEvent(seq=1, from_state=None, to_state=DossierState.received),
        DossierEvent(
            seq=2, from_state=DossierState.in_progress, to_state=DossierState.result_ready
        ),
    ]
    with pytest.raises(ValueError, match="event 2"):
        dossier_history.replay(events)
    with pytest.raises(ValueError):
        dossier_history.replay([])


async def test_secrets_handed_out_before_the_salt_column_still_track(tmp_path: Path) -> None:
    """Dossiers filed before migration 0015 had their secret derived from the code: the
    migration makes the code their salt, so the slips already printed keep working."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'before-0015.db'}"
    await asyncio.to_thread(upgrade, url, "0006_dossiers")
    code = "000.00.00.G15-250701-0001"
    old_secret = service.tracking_secret(code)  # the old derivation: from the code
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO dossiers (code, secret_hash, procedure_version_id, procedure_code,"
                " procedure_name, receiving_agency_id, applicant_number, actor_number,"
                " on_behalf, channel, state, received_at, due_at, payment_state,"
                " idempotency_key, request_hash, version) VALUES (:code, :hash, 1, '9.990001',"
                " 'Thủ tục thử', 1, :person, :person, 0, 'online', 'received',"
                " '2025-07-01 01:00:00', '2025-07-04 01:00:00', 'not_required', 'k', 'h', 1)"
            ),
            {"code": code, "hash": service.hash_secret(code, old_secret), "person": APPLICANT},
        )
    await engine.dispose()
    await asyncio.to_thread(upgrade, url)
    engine = create_async_engine(url)
    async with AsyncSession(engine) as session:
        dossier = await repository.plain_by_code(session, code)
        assert dossier is not None and dossier.tracking_salt == code
        assert service.secret_of(dossier) == old_secret
        view = await dossier_reading.track(session, code, old_secret)
        assert view.code == code
    await engine.dispose()


async def test_public_tracking_lists_each_change_of_state_once(
    session: AsyncSession, procedures: dict[str, str]
) -> None:
    """An officer's claim and steps inside one state do not repeat "Đang giải quyết"."""
    result = await submitted(session, procedures["online"])
    code = result.dossier.code
    dossier = await dossier_history.record(
        session, code, actor=OFFICER, kind="taken_up", to_state=DossierState.in_progress
    )
    for _ in range(2):  # steps inside the same state
        dossier_history.append(
            session,
            dossier,
            actor=OFFICER,
            kind="step-completed",
            to_state=DossierState.in_progress,
        )
        await session.flush()
    await dossier_history.record(
        session, code, actor=OFFICER, kind="decided", to_state=DossierState.result_ready
    )
    view = await dossier_reading.track(session, code, result.tracking_secret)
    assert [s.state for s in view.steps] == [
        DossierState.received,
        DossierState.in_progress,
        DossierState.result_ready,
    ]
