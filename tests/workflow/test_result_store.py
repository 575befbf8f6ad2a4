"""The e-result store (Kho kết quả điện tử): a signed birth certificate becomes evidence the
permanent-residence registration fetches through the exchange, over real HTTP on loopback,
from the platform itself served by uvicorn; revoked results and other people's never come back.

Chain (DOMAIN.md §2.1, §2.2): Hoa (sandbox persona, mother of a newborn without a number)
registers the birth (1.001193); the signed e-birth certificate is kept with the dossier; within
60 days she registers the child's permanent residence (0.000003), whose requirement
``giay_khai_sinh_cua_tre`` names the result's evidence type and is fetched, never asked.
"""

import asyncio
import io
import secrets
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from pypdf import PdfReader
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from motcua.app import create_app
from motcua.applications import service as applications
from motcua.applications.schemas import DraftIn
from motcua.core.calendar import get_calendar
from motcua.core.database import get_session
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers import service as dossiers
from motcua.dossiers.models import ItemSource
from motcua.dossiers.schemas import SubmissionIn
from motcua.exchange import access as exchange_access
from motcua.exchange import service as exchange
from motcua.exchange.config import RESULTS_PATH, ExchangeSettings, get_exchange_settings
from motcua.exchange.connectors import Breakers, Fetcher
from motcua.exchange.models import ItemStatus, Registry
from motcua.exchange.schemas import FetchResult, ItemView
from motcua.sandbox import personas, pki
from motcua.workflow import repository, results, service
from motcua.workflow import store as store_module
from tests.exchange.conftest import fetcher, registries, sandbox  # noqa: F401  (fixtures)
from tests.workflow.conftest import SIMPLE, SIMPLE_ITEMS, Team

HOA = personas.NEW_MOTHER
AN = personas.COMPLETE
RESIDENCE = "0.000003"
KEY = "giay_khai_sinh_cua_tre"
KIND = "ket_qua.giay_khai_sinh"
DECLARATION = {
    "dia_chi": "Nơi ở của mẹ (dữ liệu thử)",
    "quan_he_chu_ho": "Con",
    "ly_do": "Đăng ký thường trú cho con (dữ liệu thử)",
    "cam_doan": True,
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def store(
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    registries: None,  # noqa: F811
) -> AsyncIterator[str]:
    """The whole app under uvicorn on a loopback port, in this test's event loop and reading
    this test's transaction; the ``ket_qua`` registry points at it."""
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
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # raises why it did not start
        await asyncio.sleep(0.01)
    root = f"http://127.0.0.1:{port}{RESULTS_PATH}"
    await session.execute(update(Registry).where(Registry.code == "ket_qua").values(base_url=root))
    yield root
    server.should_exit = True
    await task


@pytest.fixture
def keys(storage: Path, team: Team) -> Path:
    folder = storage / "pki"
    pki.generate(folder, [(team.commune.code, team.commune.name)])
    return folder


async def signed_birth_registration(session: AsyncSession, team: Team, applicant: str) -> str:
    """A birth registration filed at the commune, walked to its signed result; the verify code."""
    body = SubmissionIn.model_validate(
        {
            "procedure_code": SIMPLE,
            "channel": "counter",
            "applicant": applicant,
            "receiving_agency": team.commune.code,
            "items": SIMPLE_ITEMS,
        }
    )
    filed = await dossiers.submit(
        session, body, actor=applicant, idempotency_key=secrets.token_hex(8)
    )
    code = filed.dossier.code
    await service.claim(session, team["c_receiving_officer"], code)
    await service.complete(session, team["c_receiving_officer"], code)
    await service.complete(session, team["c_handling_officer"], code)
    await service.complete(session, team["c_approver"], code)
    _, verify_code = await service.sign_result(
        session, team["c_approver"], code, "Đã đăng ký khai sinh cho trẻ (dữ liệu thử)."
    )
    return verify_code


async def residence_application(
    session: AsyncSession, person: str, reader: Fetcher
) -> tuple[str, FetchResult]:
    """A permanent-residence application, consent confirmed, evidence fetched over HTTP."""
    draft = await applications.start(
        session, actor=person, subject=person, procedure_code=RESIDENCE
    )
    await exchange.confirm_consent(session, draft.consent_reference, person)
    fetched = await exchange.fetch_evidence(
        session, draft.consent_reference, person, fetcher=reader
    )
    return draft.id, fetched


def birth_certificate(fetched: FetchResult) -> ItemView:
    return next(i for i in fetched.items if i.key == KEY)


def credential() -> dict[str, str]:
    return {"Authorization": f"Bearer {get_exchange_settings().result_store_credential}"}


async def test_a_signed_result_is_delivered_evidence_and_never_asked(
    session: AsyncSession,
    team: Team,
    keys: Path,
    store: str,
    fetcher: Fetcher,  # noqa: F811
) -> None:
    verify_code = await signed_birth_registration(session, team, HOA)
    document = await repository.result(session, verify_code)
    assert document is not None
    issued = get_calendar().localise(document.issued_at).date()
    # The result states what was declared, under the declaration's own titles.
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(document.pdf)).pages)
    assert "Họ, chữ đệm và tên của trẻ: Phạm Minh Khôi" in " ".join(text.split())
    assert "Ngày, tháng, năm sinh: 20/09/2025" in " ".join(text.split())

    draft_id, fetched = await residence_application(session, HOA, fetcher)
    item = birth_certificate(fetched)
    assert item.status == ItemStatus.delivered and item.registry_code == "ket_qua"
    assert {f.source for f in item.fields.values()} == {"ket_qua"}
    assert {f.last_updated for f in item.fields.values()} == {issued}
    values = {name: f.value for name, f in item.fields.items()}
    assert values["verify_code"] == verify_code and values["sha256"] == document.sha256
    assert values["verify_url"].endswith(f"/verify/{verify_code}")
    assert values["procedure_code"] == SIMPLE and values["issued_date"] == issued.isoformat()
    assert values["issuing_agency_code"] == team.commune.code

    # Invariant 1: the form shows it as verified data, and refuses an upload for it.
    view = await applications.view(session, draft_id, HOA)
    form = {f.key: f for f in view.form}
    assert form[KEY].kind == "registry" and form[KEY].verified["verify_code"].value == verify_code
    with pytest.raises(applications.ApplicationRefused) as refused:
        await applications.save(session, draft_id, HOA, DraftIn(uploads={KEY: "0" * 32}))
    assert [p.code for p in refused.value.problems] == ["requirement-from-registry"]

    # The read is in the access log like any registry read, bound to the application.
    access = await exchange_access.data_access(session, HOA)
    read = next(e for e in access.items if e.registry_code == "ket_qua")
    assert read.evidence_type_code == KIND and read.outcome == "delivered"
    assert read.consent_reference == view.consent_reference and read.procedure_code == RESIDENCE
    assert read.registry_name == "Kho kết quả giải quyết thủ tục hành chính điện tử"

    # Filed: the second dossier carries the first result as registry evidence.
    filed = await applications.submit(
        session, draft_id, HOA, DraftIn(values={"to_khai_thay_doi_cu_tru": DECLARATION})
    )
    dossier = await dossiers_repository.by_code(session, filed.dossier_code)
    assert dossier is not None
    kept = next(i for i in dossier.items if i.requirement_key == KEY)
    assert kept.source == ItemSource.registry and kept.value is not None
    assert kept.value["verify_code"] == verify_code


async def test_a_revoked_result_is_not_delivered(
    session: AsyncSession,
    team: Team,
    keys: Path,
    store: str,
    fetcher: Fetcher,  # noqa: F811
) -> None:
    verify_code = await signed_birth_registration(session, team, HOA)
    await results.revoke(session, verify_code, "Cấp nhầm (dữ liệu thử)")
    _, fetched = await residence_application(session, HOA, fetcher)
    assert birth_certificate(fetched).status == ItemStatus.not_found, birth_certificate(fetched)
    async with httpx.AsyncClient() as client:
        answer = await client.get(
            f"{store}/direct/ket_qua/{KIND}/records", params={"subject": HOA}, headers=credential()
        )
    assert answer.status_code == 200 and answer.json()["records"] == []


async def test_another_persons_result_is_never_returned(
    session: AsyncSession,
    team: Team,
    keys: Path,
    store: str,
    fetcher: Fetcher,  # noqa: F811
) -> None:
    hoa = await signed_birth_registration(session, team, HOA)
    _, fetched = await residence_application(session, AN, fetcher)
    assert birth_certificate(fetched).status == ItemStatus.not_found
    url = f"{store}/direct/ket_qua/{KIND}/records"
    async with httpx.AsyncClient() as client:
        for person, expected in ((AN, []), (HOA, [hoa])):
            answer = await client.get(url, params={"subject": person}, headers=credential())
            assert answer.headers["content-type"] == "application/json"
            assert [r["id"] for r in answer.json()["records"]] == expected


async def test_the_store_refuses_callers_without_the_client_credential(
    session: AsyncSession,
    team: Team,
    keys: Path,
    store: str,
    fetcher: Fetcher,  # noqa: F811
) -> None:
    await signed_birth_registration(session, team, HOA)
    url = f"{store}/direct/ket_qua/{KIND}/records"
    async with httpx.AsyncClient() as client:
        shared = {"Authorization": f"Bearer {get_exchange_settings().credential}"}
        # The registries' shared credential (public in the demo) never opens the store.
        for headers in ({}, {"Authorization": "Bearer not-the-credential"}, shared):
            refused = await client.get(url, params={"subject": HOA}, headers=headers)
            assert refused.status_code == 401
            assert refused.json()["code"] == "bad-client-credential"
            assert HOA not in refused.text
        unknown = await client.get(
            f"{store}/direct/ket_qua/population.person/records",
            params={"subject": HOA},
            headers=credential(),
        )
        assert unknown.status_code == 404 and unknown.json()["code"] == "unknown-service"

        # An exchange holding another credential gets nothing: the item is unavailable.
        stranger = Fetcher(
            fetcher.transport,
            board=Breakers(threshold=50, reset_s=30),
            settings=ExchangeSettings(result_store_credential="not-the-credential"),
        )
        _, fetched = await residence_application(session, HOA, stranger)
    item = birth_certificate(fetched)
    assert item.status == ItemStatus.unavailable and item.reason == "unauthorised"


async def test_another_consumers_read_is_in_the_access_log(
    session: AsyncSession,
    team: Team,
    keys: Path,
    store: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A consumer other than the platform's exchange reads with its own credential, must name
    its purpose, and every read it makes is in the access log the person sees."""
    verify_code = await signed_birth_registration(session, team, HOA)
    own = secrets.token_urlsafe(24)
    monkeypatch.setenv("MOTCUA_RESULT_STORE_CONSUMERS", f'{{"so-tu-phap": "{own}"}}')
    store_module.get_store_settings.cache_clear()
    url = f"{store}/direct/ket_qua/{KIND}/records"
    headers = {"Authorization": f"Bearer {own}"}
    try:
        async with httpx.AsyncClient() as client:
            silent = await client.get(url, params={"subject": HOA}, headers=headers)
            assert silent.status_code == 422 and silent.json()["code"] == "purpose-required"
            assert not [e for e in (await exchange_access.data_access(session, HOA)).items]
            read = await client.get(
                url,
                params={"subject": HOA},
                headers=headers | {"X-Motcua-Purpose": "Kiem tra ho so (du lieu thu)"},
            )
    finally:
        store_module.get_store_settings.cache_clear()
    assert read.status_code == 200
    assert [r["id"] for r in read.json()["records"]] == [verify_code]
    logged = [e for e in (await exchange_access.data_access(session, HOA)).items]
    assert len(logged) == 1
    assert logged[0].registry_code == "ket_qua" and logged[0].agency_code == "so-tu-phap"
    assert logged[0].evidence_type_code == KIND and logged[0].outcome == "read"
    assert logged[0].purpose == "result-store:so-tu-phap: Kiem tra ho so (du lieu thu)"
