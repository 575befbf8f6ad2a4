"""The journeys around a dossier's handling, through the pages and the API: the officer sees the
applicant (number masked, shown with a recorded reason) and opens the files only at the agency
holding the dossier; the citizen reads what a supplement request asks, answers it with a file
that becomes the dossier's item, downloads the signed result and checks it; the verification
page speaks in words; a refused action keeps what the officer typed."""

import re
import secrets
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock
from motcua.core.settings import get_settings
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers import service as dossiers
from motcua.dossiers.models import DossierItem, DossierState, ItemSource
from motcua.dossiers.schemas import SubmissionIn
from motcua.notify.models import Notification
from motcua.sandbox import pki
from motcua.workflow import service
from motcua.workflow.models import Disclosure, ResultDocument, SupplementRequest
from tests.forms import token_from
from tests.identity.helpers import as_citizen
from tests.workflow.conftest import (
    APPLICANT,
    SIMPLE,
    SIMPLE_ITEMS,
    Team,
    file_dossier,
    pdf_bytes,
    upload_pdf,
)
from tests.workflow.test_pages import QUEUE, cookie, form_of, post, state_of

MINE = "/ho-so-cua-toi"
STRANGER = "001099000555"  # another citizen (synthetic)


async def _disclosures(session: AsyncSession, code: str, what: str) -> list[Disclosure]:
    dossier = await dossiers_repository.plain_by_code(session, code)
    assert dossier is not None
    rows = await session.scalars(
        select(Disclosure).where(Disclosure.dossier_id == dossier.id, Disclosure.what == what)
    )
    return list(rows)


async def _counter_dossier_with_file(session: AsyncSession, team: Team) -> tuple[str, str]:
    """A dossier received at the commune's counter whose witness statement is a scanned file."""
    upload_id = await upload_pdf(session, APPLICANT, "van-ban-lam-chung.pdf")
    body = SubmissionIn.model_validate(
        {
            "procedure_code": SIMPLE,
            "channel": "counter",
            "applicant": APPLICANT,
            "receiving_agency": team.commune.code,
            "items": [
                *SIMPLE_ITEMS,
                {
                    "requirement_key": "van_ban_lam_chung",
                    "source": "upload",
                    "upload_id": upload_id,
                },
            ],
        }
    )
    result = await dossiers.submit(
        session, body, actor=APPLICANT, idempotency_key=secrets.token_hex(8)
    )
    return result.dossier.code, upload_id


# --- the officer's view ---------------------------------------------------------------------------


async def test_officer_sees_the_applicant_masked_and_reveals_the_number_with_a_reason(
    client: httpx.AsyncClient, session: AsyncSession, team: Team
) -> None:
    code = await file_dossier(session, team.commune, SIMPLE)
    who = cookie(team, "c_handling_officer")
    page = await client.get(f"{QUEUE}/{code}", headers=who)
    assert page.status_code == 200
    assert "001******777" in page.text and APPLICANT not in page.text
    assert (
        "Tờ khai đăng ký khai sinh" in page.text
        and "Thông tin nhân thân của cha hoặc mẹ" in page.text
    )
    api = await client.get(f"/api/v1/workflow/dossiers/{code}", headers=team.auth("c_approver"))
    assert api.status_code == 200 and APPLICANT not in api.text
    body = api.json()
    assert body["applicant"]["personal_number_masked"] == "001******777"
    assert body["dossier"]["applicant"] == "001******777"
    assert {c["requirement_key"] for c in body["contents"]} == {
        i["requirement_key"] for i in SIMPLE_ITEMS
    }
    assert body["working_days_left"] is not None

    token = await token_from(client, f"{QUEUE}/{code}", who)
    short = await client.post(
        f"{QUEUE}/{code}/so-dinh-danh",
        data={"reveal_reason": "xem", "csrf_token": token},
        headers=who,
    )
    assert short.status_code == 422 and "ít nhất 10 ký tự" in short.text
    assert ">xem</textarea>" in short.text and APPLICANT not in short.text
    assert await _disclosures(session, code, "personal-number") == []

    reason = "Đối chiếu với giấy tờ người nộp xuất trình tại quầy"
    shown = await client.post(
        f"{QUEUE}/{code}/so-dinh-danh",
        data={"reveal_reason": reason, "csrf_token": token},
        headers=who,
    )
    assert (
        shown.status_code == 200 and f'<strong id="full-number">{APPLICANT}</strong>' in shown.text
    )
    recorded = await _disclosures(session, code, "personal-number")
    assert [(d.officer_id, d.reason) for d in recorded] == [
        (team["c_handling_officer"].officer_id, reason)
    ]
    assert "Xem số định danh đầy đủ" in shown.text and reason in shown.text  # listed on the page

    by_api = await client.post(
        f"/api/v1/workflow/dossiers/{code}/reveal",
        json={"reason": "Kiểm tra trùng hồ sơ"},
        headers=team.auth("c_approver"),
    )
    assert by_api.status_code == 200 and by_api.json() == {"personal_number": APPLICANT}
    refused = await client.post(
        f"/api/v1/workflow/dossiers/{code}/reveal",
        json={"reason": "Kiểm tra trùng hồ sơ"},
        headers=team.auth("o_approver"),
    )
    assert refused.status_code == 404 and APPLICANT not in refused.text
    assert len(await _disclosures(session, code, "personal-number")) == 2


async def test_files_open_inline_for_the_agency_holding_the_dossier_only(
    client: httpx.AsyncClient, session: AsyncSession, team: Team
) -> None:
    commune_id, province_id = team.commune.id, team.province.id  # a refused request expires them
    code, upload_id = await _counter_dossier_with_file(session, team)
    page = await client.get(f"{QUEUE}/{code}", headers=cookie(team, "c_handling_officer"))
    link = f"{QUEUE}/{code}/tep/{upload_id}"
    assert f'href="{link}"' in page.text and "van-ban-lam-chung.pdf" in page.text

    opened = await client.get(link, headers=cookie(team, "c_handling_officer"))
    assert opened.status_code == 200 and opened.content.startswith(b"%PDF-")
    assert opened.headers["content-type"] == "application/pdf"
    assert opened.headers["content-disposition"].startswith("inline;")
    by_api = await client.get(
        f"/api/v1/workflow/dossiers/{code}/files/{upload_id}", headers=team.auth("c_approver")
    )
    assert by_api.status_code == 200 and by_api.content == opened.content
    # the generic file address answers the officer too (it said 404 before)
    generic = await client.get(f"/api/v1/uploads/{upload_id}", headers=team.auth("c_approver"))
    assert generic.status_code == 200 and generic.content == opened.content
    recorded = await _disclosures(session, code, "file")
    assert [d.upload_id for d in recorded] == [upload_id] * 3
    assert {d.agency_id for d in recorded} == {commune_id}

    # another commune's officer: no dossier, no file, nothing recorded
    for path in (link, f"/api/v1/workflow/dossiers/{code}/files/{upload_id}"):
        other = await client.get(path, headers=team.auth("o_handling_officer"))
        assert other.status_code == 404
    other = await client.get(f"/api/v1/uploads/{upload_id}", headers=team.auth("o_approver"))
    assert other.status_code == 404
    # forwarded to the province: the commune still reads the dossier, but no longer opens files
    await service.complete(session, team["c_receiving_officer"], code)
    await service.complete(session, team["c_handling_officer"], code)
    dossier = await dossiers_repository.plain_by_code(session, code)
    assert dossier is not None
    from motcua.workflow.models import WorkflowCase

    case = await session.get(WorkflowCase, dossier.id)
    assert case is not None
    case.current_agency_id = province_id  # as a forward leaves it
    await session.flush()
    held = await client.get(f"{QUEUE}/{code}", headers=cookie(team, "c_handling_officer"))
    assert held.status_code == 200 and f'href="{link}"' not in held.text
    assert "Chỉ cán bộ của cơ quan đang giữ hồ sơ mới mở được tệp." in held.text
    refused = await client.get(
        f"/api/v1/workflow/dossiers/{code}/files/{upload_id}",
        headers=team.auth("c_handling_officer"),
    )
    assert refused.status_code == 403 and refused.json()["code"] == "not-at-your-agency"
    api = await client.get(
        f"/api/v1/workflow/dossiers/{code}", headers=team.auth("c_handling_officer")
    )
    files = [c["file"] for c in api.json()["contents"] if c["file"]]
    assert files and all(f["url"] is None for f in files)
    assert len(await _disclosures(session, code, "file")) == 3


# --- the citizen's side ---------------------------------------------------------------------------


async def _ask_supplement(client: httpx.AsyncClient, team: Team, code: str) -> httpx.Response:
    return await post(
        client,
        team,
        "c_receiving_officer",
        code,
        "supplement",
        requirement="van_ban_lam_chung",
        reason="unreadable",
    )


async def test_citizen_reads_the_request_and_answers_it_with_a_file(
    client: httpx.AsyncClient, session: AsyncSession, team: Team
) -> None:
    code = await file_dossier(session, team.commune, SIMPLE, email="nguoidan@example.test")
    asked = await _ask_supplement(client, team, code)
    assert asked.status_code == 303
    request = await session.scalar(select(SupplementRequest))
    assert request is not None and request.note == "unreadable" and request.answer_by is not None
    due = f"{request.answer_by:%d/%m/%Y}"
    mail = await session.scalar(
        select(Notification).where(Notification.kind == "supplement_requested")
    )
    assert mail is not None and f"/ho-so-cua-toi/{code}" in mail.body and due in mail.body

    me = as_citizen(APPLICANT)
    listed = await client.get(MINE, headers=me)
    assert listed.status_code == 200 and "Cần bổ sung" in listed.text
    assert f'href="{MINE}/{code}"' in listed.text and "Cần bạn bổ sung giấy tờ" in listed.text
    page = await client.get(f"{MINE}/{code}", headers=me)
    assert page.status_code == 200
    papers = re.search(r'<ul id="papers">(.*?)</ul>', page.text, re.S)
    assert papers and "Văn bản của người làm chứng" in papers.group(1)
    assert "không đọc được rõ" in page.text and f'<span id="answer-by">{due}</span>' in page.text
    answer = re.search(r'<form[^>]*id="answer">(.*?)</form>', page.text, re.S)
    assert answer and 'type="file" id="file-van_ban_lam_chung"' in answer.group(1)

    # someone else's dossier does not exist for them
    assert (await client.get(f"{MINE}/{code}", headers=as_citizen(STRANGER))).status_code == 404
    assert code not in (await client.get(MINE, headers=as_citizen(STRANGER))).text

    token = await token_from(client, f"{MINE}/{code}", me)
    empty = await client.post(
        f"{MINE}/{code}/bo-sung", data={"csrf_token": token}, files={"x": ("", b"")}, headers=me
    )
    assert empty.status_code == 422 and "Hãy chọn tệp cho" in empty.text
    not_a_file = await client.post(
        f"{MINE}/{code}/bo-sung",
        data={"csrf_token": token},
        files={"file-van_ban_lam_chung": ("ghi-chu.txt", b"khong phai PDF")},
        headers=me,
    )
    assert not_a_file.status_code == 422 and "không phải PDF, JPEG hay PNG" in not_a_file.text
    assert (await state_of(session, code))[0] == DossierState.supplement_requested

    # the API path: an answer without a file, or with someone else's file, is refused
    api = f"/api/v1/workflow/dossiers/{code}/supplement-answer"
    bare = await client.post(
        api, json={"items": [{"requirement_key": "van_ban_lam_chung"}]}, headers=me
    )
    assert bare.status_code == 422 and bare.json()["code"] == "supplement-file-missing"
    theirs = await upload_pdf(session, STRANGER)
    stolen = await client.post(
        api,
        json={"items": [{"requirement_key": "van_ban_lam_chung", "upload_id": theirs}]},
        headers=me,
    )
    assert stolen.status_code == 422 and stolen.json()["code"] == "unknown-upload"
    assert (await state_of(session, code))[0] == DossierState.supplement_requested

    sent = await client.post(
        f"{MINE}/{code}/bo-sung",
        data={"csrf_token": token},
        files={"file-van_ban_lam_chung": ("lam-chung.pdf", pdf_bytes(), "application/pdf")},
        headers=me,
    )
    assert sent.status_code == 303 and sent.headers["location"] == f"{MINE}/{code}?da-bo-sung=1"
    state, _ = await state_of(session, code)
    assert state == DossierState.in_progress
    dossier = await dossiers_repository.by_code(session, code)
    assert dossier is not None
    added = [i for i in dossier.items if i.requirement_key == "van_ban_lam_chung"]
    assert len(added) == 1 and added[0].source == ItemSource.upload and added[0].upload_id
    assert added[0].position == len(SIMPLE_ITEMS) + 1
    assert dossier.events[-1].kind == "supplement-answered"
    after = await client.get(f"{MINE}/{code}?da-bo-sung=1", headers=me)
    assert "Đã gửi phần bổ sung" in after.text and 'id="answer"' not in after.text
    # the officer now has the file as the dossier's item, to open
    officer = await client.get(f"{QUEUE}/{code}", headers=cookie(team, "c_handling_officer"))
    assert f"/tep/{added[0].upload_id}" in officer.text


async def test_answer_through_the_api_attaches_the_file(
    client: httpx.AsyncClient, session: AsyncSession, team: Team
) -> None:
    code = await file_dossier(session, team.commune, SIMPLE)
    await service.request_supplement(
        session, team["c_receiving_officer"], code, ["van_ban_lam_chung"]
    )
    me = as_citizen(APPLICANT)
    up = await client.post(
        "/api/v1/uploads", files={"file": ("scan.pdf", pdf_bytes(), "application/pdf")}, headers=me
    )
    assert up.status_code == 201
    extra = await client.post(
        f"/api/v1/workflow/dossiers/{code}/supplement-answer",
        json={
            "items": [
                {"requirement_key": "van_ban_lam_chung", "upload_id": up.json()["id"]},
                {"requirement_key": "van_ban_mang_thai_ho", "upload_id": up.json()["id"]},
            ]
        },
        headers=me,
    )
    assert extra.status_code == 422 and extra.json()["code"] == "supplement-mismatch"
    answered = await client.post(
        f"/api/v1/workflow/dossiers/{code}/supplement-answer",
        json={"items": [{"requirement_key": "van_ban_lam_chung", "upload_id": up.json()["id"]}]},
        headers=me,
    )
    assert answered.status_code == 200 and answered.json()["state"] == "in_progress"
    stored = await session.scalar(
        select(DossierItem).where(DossierItem.upload_id == up.json()["id"])
    )
    assert stored is not None and stored.requirement_key == "van_ban_lam_chung"


async def test_citizen_downloads_the_signed_result_and_checks_it(
    client: httpx.AsyncClient, session: AsyncSession, team: Team, storage: Path
) -> None:
    pki.generate(storage / "pki", [(team.commune.code, team.commune.name)])
    code = await file_dossier(session, team.commune, SIMPLE, email="nguoidan@example.test")
    for who in ("c_receiving_officer", "c_handling_officer", "c_approver"):
        await service.complete(session, team[who], code)
    _, verify_code = await service.sign_result(
        session, team["c_approver"], code, "Đã đăng ký khai sinh (dữ liệu thử nghiệm)."
    )
    me = as_citizen(APPLICANT)
    page = await client.get(f"{MINE}/{code}", headers=me)
    assert page.status_code == 200 and "Đã có kết quả" in page.text
    assert (
        f'href="{MINE}/{code}/ket-qua.pdf"' in page.text and f"/verify/{verify_code}" in page.text
    )
    got = await client.get(f"{MINE}/{code}/ket-qua.pdf", headers=me)
    document = await session.get(ResultDocument, verify_code)
    assert document is not None
    assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
    assert got.content == document.pdf
    other = await client.get(f"{MINE}/{code}/ket-qua.pdf", headers=as_citizen(STRANGER))
    assert other.status_code == 404
    anonymous = await client.get(f"{MINE}/{code}/ket-qua.pdf")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/dang-nhap")
    mail = await session.scalar(select(Notification).where(Notification.kind == "result_ready"))
    assert mail is not None and f"/ho-so-cua-toi/{code}" in mail.body

    verify = await client.get(f"/verify/{verify_code}")
    assert verify.status_code == 200 and "Văn bản thật, còn giá trị." in verify.text
    assert "Giấy khai sinh điện tử" in verify.text and team.commune.name in verify.text
    signed_on = f"{clock.today():%d/%m/%Y}"
    assert f'<dd id="signed-on">{signed_on}</dd>' in verify.text
    assert document.sha256 not in verify.text and "SHA" not in verify.text
    genuine = await client.post(
        f"/verify/{verify_code}", files={"file": ("ket-qua.pdf", got.content, "application/pdf")}
    )
    assert genuine.status_code == 200 and "Đúng là bản gốc." in genuine.text
    tampered = got.content.replace(b"khai sinh", b"khai tu", 1)
    if tampered == got.content:
        tampered = got.content[:-200] + b" " * 200
    forged = await client.post(
        f"/verify/{verify_code}", files={"file": ("ket-qua.pdf", tampered, "application/pdf")}
    )
    assert forged.status_code == 200 and "Không phải bản gốc." in forged.text
    other_pdf = await client.post(
        f"/verify/{verify_code}", files={"file": ("khac.pdf", pdf_bytes(), "application/pdf")}
    )
    assert "Không phải bản gốc." in other_pdf.text
    not_pdf = await client.post(
        f"/verify/{verify_code}", files={"file": ("anh.png", b"\x89PNG\r\n", "image/png")}
    )
    assert not_pdf.status_code == 422 and "không phải tệp PDF" in not_pdf.text
    api = await client.post(
        f"/api/v1/workflow/results/{verify_code}/check",
        files={"file": ("ket-qua.pdf", got.content, "application/pdf")},
    )
    assert api.status_code == 200 and api.json()["genuine"] is True
    unknown = await client.get("/verify/khongcomacode")
    assert unknown.status_code == 404 and "Không có văn bản nào với mã này." in unknown.text


async def test_a_refused_signing_keeps_the_result_text(
    client: httpx.AsyncClient, session: AsyncSession, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No signing key for the agency: the refusal is shown and the text typed is still there."""
    monkeypatch.setenv("MOTCUA_SANDBOX_ISSUE_CERTIFICATES", "false")  # none made on demand
    get_settings.cache_clear()
    code = await file_dossier(session, team.commune, SIMPLE)
    for who in ("c_receiving_officer", "c_handling_officer", "c_approver"):
        await service.complete(session, team[who], code)
    before = await state_of(session, code)
    summary = "Đăng ký khai sinh cho cháu (dữ liệu thử nghiệm), bản chính số 12/2026"
    refused = await post(client, team, "c_approver", code, "sign", summary=summary)
    assert refused.status_code == 409 and "chưa có chứng thư số" in refused.text
    assert f">{summary}</textarea>" in form_of(refused.text, "sign")
    assert await state_of(session, code) == before
    assert await session.scalar(select(func.count()).select_from(ResultDocument)) == 0
    get_settings.cache_clear()


async def test_header_and_personal_page_link_to_my_dossiers(client: httpx.AsyncClient) -> None:
    me = as_citizen(APPLICANT)
    home = await client.get("/ca-nhan", headers=me)
    assert home.status_code == 200 and f'href="{MINE}"' in home.text
    anonymous = await client.get("/tra-cuu")
    assert f'href="{MINE}"' not in anonymous.text
    empty = await client.get(MINE, headers=me)
    assert empty.status_code == 200 and "Bạn chưa có hồ sơ nào." in empty.text
    assert (await client.get(MINE)).status_code == 303


@pytest.mark.parametrize("path", [f"{MINE}/KHONG-CO", f"{MINE}/000.00.00.G01-250101-0001"])
async def test_unknown_dossier_codes(client: httpx.AsyncClient, path: str) -> None:
    answer = await client.get(path, headers=as_citizen(APPLICANT))
    assert answer.status_code in {404, 422} and answer.status_code < 500


async def test_bad_input_to_the_new_routes_is_a_clear_4xx(
    client: httpx.AsyncClient, session: AsyncSession, team: Team
) -> None:
    code = await file_dossier(session, team.commune, SIMPLE)
    await session.commit()  # a savepoint: a refused request rolls back to here, not further
    officer = team.auth("c_receiving_officer")
    answers = {
        "unknown file": await client.get(
            f"/api/v1/workflow/dossiers/{code}/files/{'0' * 32}", headers=officer
        ),
        "malformed file id": await client.get(
            f"/api/v1/workflow/dossiers/{code}/files/..%2f..", headers=officer
        ),
        "reveal without reason": await client.post(
            f"/api/v1/workflow/dossiers/{code}/reveal", json={}, headers=officer
        ),
        "reveal, reason too long": await client.post(
            f"/api/v1/workflow/dossiers/{code}/reveal", json={"reason": "x" * 5000}, headers=officer
        ),
        "unlisted reason": await client.post(
            f"/api/v1/workflow/dossiers/{code}/supplement",
            json={"requirement_keys": ["van_ban_lam_chung"], "reason": "vì tôi muốn"},
            headers=officer,
        ),
        "answer-by in the past": await client.post(
            f"/api/v1/workflow/dossiers/{code}/supplement",
            json={"requirement_keys": ["van_ban_lam_chung"], "answer_by": "2020-01-01"},
            headers=officer,
        ),
        "answer to a dossier not waiting": await client.post(
            f"/api/v1/workflow/dossiers/{code}/supplement-answer",
            json={"items": [{"requirement_key": "van_ban_lam_chung", "upload_id": "x" * 64}]},
            headers=as_citizen(APPLICANT),
        ),
        "garbage answer": await client.post(
            f"/api/v1/workflow/dossiers/{code}/supplement-answer",
            json={"items": [{"requirement_key": ""}]},
            headers=as_citizen(APPLICANT),
        ),
        "check without a file": await client.post(f"/api/v1/workflow/results/{'a' * 16}/check"),
    }
    expected = {
        "unknown file": 404,
        "malformed file id": 404,
        "reveal without reason": 422,
        "reveal, reason too long": 422,
        "unlisted reason": 422,
        "answer-by in the past": 422,
        "answer to a dossier not waiting": 409,
        "garbage answer": 422,
        "check without a file": 422,
    }
    for name, answer in answers.items():
        assert answer.status_code == expected[name], (name, answer.text)
        assert answer.json()["message"], name
    assert (await state_of(session, code))[0] == DossierState.received
    assert await session.scalar(select(func.count()).select_from(SupplementRequest)) == 0
    assert await _disclosures(session, code, "personal-number") == []
    page_post = await client.post(f"/verify/{'a' * 16}", files={"file": ("x.pdf", b"%PDF-1.4")})
    assert page_post.status_code == 404 and "Không có văn bản nào với mã này." in page_post.text


async def test_the_demo_issues_an_agency_its_certificate_on_its_first_signature(
    session: AsyncSession, team: Team, storage: Path
) -> None:
    code = await file_dossier(session, team.commune, SIMPLE)
    for who in ("c_receiving_officer", "c_handling_officer", "c_approver"):
        await service.complete(session, team[who], code)
    assert not (storage / "pki" / "agencies" / f"{team.commune.code}.pem").exists()
    _, verify_code = await service.sign_result(
        session, team["c_approver"], code, "Kết quả (dữ liệu thử nghiệm)."
    )
    assert (storage / "pki" / "agencies" / f"{team.commune.code}.pem").exists()
    assert await session.get(ResultDocument, verify_code) is not None
