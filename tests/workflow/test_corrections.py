"""A supplement request naming a declaration the applicant typed online is answered by typing
it again: the page shows the declaration filled with what was filed, checks the answers as the
application form does (same codes, same words, nothing changed on a refusal), prints the
corrected declaration to a new PDF that becomes the dossier's item (the earlier one kept), and
the officer reads the corrected answers. Papers asked as files beside it still need a file; a
declaration filed at the counter (typed there, or a scan) is asked and answered as a file, and
the officer's page names that file rather than calling it the printed online declaration."""

import io
import re
import secrets
from typing import Any

import httpx
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers import service as dossiers
from motcua.dossiers.models import Dossier, DossierItem, DossierState, ItemSource, Upload
from motcua.dossiers.schemas import SubmissionIn
from motcua.dossiers.storage import get_storage
from motcua.workflow import service
from tests.forms import token_from
from tests.identity.helpers import as_citizen
from tests.workflow.conftest import (
    APPLICANT,
    SIMPLE,
    SIMPLE_ITEMS,
    Team,
    child,
    file_dossier,
    pdf_bytes,
    registry_items,
    upload_pdf,
)
from tests.workflow.test_pages import QUEUE, cookie, post, state_of

MINE = "/ho-so-cua-toi"
DECLARATION = "to_khai_dang_ky_khai_sinh"
WITNESS = "van_ban_lam_chung"
OATH = "cam_doan"
API = "/api/v1/workflow/dossiers/{code}/supplement-answer"


async def online_dossier(session: AsyncSession, team: Team) -> tuple[str, dict[str, Any]]:
    """A dossier filed online: the birth declaration typed in the form (its answers stored with
    its printed PDF, as ``applications.service.submit`` files it), the rest read from registries."""
    typed = {**child(), OATH: True}
    typed.pop("noi_thuong_tru_cua_tre")  # the group's question, not this procedure's
    printed = await upload_pdf(session, APPLICANT, f"{DECLARATION}.pdf")
    items = [
        {"requirement_key": DECLARATION, "source": "upload", "upload_id": printed, "value": typed},
        *(await registry_items(session, SIMPLE))[1:],
    ]
    body = SubmissionIn.model_validate(
        {
            "procedure_code": SIMPLE,
            "channel": "online",
            "applicant": APPLICANT,
            "receiving_agency": team.commune.code,
            "items": items,
        }
    )
    result = await dossiers.submit(
        session, body, actor=APPLICANT, idempotency_key=secrets.token_hex(8)
    )
    return result.dossier.code, typed


async def _dossier(session: AsyncSession, code: str) -> Dossier:
    session.expire_all()
    found = await dossiers_repository.by_code(session, code)
    assert found is not None
    return found


def _items(dossier: Dossier, key: str) -> list[DossierItem]:
    return sorted((i for i in dossier.items if i.requirement_key == key), key=lambda i: i.position)


def _form(page: str) -> str:
    found = re.search(r'<form[^>]*id="answer">(.*?)</form>', page, re.S)
    assert found, "no answer form"
    return found.group(1)


def _field(key: str, name: str) -> str:
    return f"field-{key}-{name}"


def _typed_form(typed: dict[str, Any], **changes: Any) -> dict[str, str]:
    """The declaration's inputs as a browser posts them (an unticked box is not sent)."""
    values = {**typed, **changes}
    out = {_field(DECLARATION, k): str(v) for k, v in values.items() if k != OATH}
    if values.get(OATH):
        out[_field(DECLARATION, OATH)] = "1"
    return out


async def _ask(client: httpx.AsyncClient, team: Team, code: str, *keys: str) -> None:
    asked = await post(
        client,
        team,
        "c_receiving_officer",
        code,
        "supplement",
        requirement=list(keys),
        reason="mismatch",
    )
    assert asked.status_code == 303


# --- the page -------------------------------------------------------------------------------------


async def test_citizen_corrects_a_typed_declaration_in_the_page(
    client: httpx.AsyncClient, session: AsyncSession, team: Team
) -> None:
    code, typed = await online_dossier(session, team)
    await _ask(client, team, code, DECLARATION)
    me = as_citizen(APPLICANT)
    page = await client.get(f"{MINE}/{code}", headers=me)
    assert page.status_code == 200
    form = _form(page.text)
    # the declaration's own form, filled with what was filed, the oath to swear again, no file
    assert 'type="file"' not in form
    assert f'value="{typed["ho_ten_tre"]}"' in form
    assert (
        f'id="{_field(DECLARATION, "ngay_sinh")}" name="{_field(DECLARATION, "ngay_sinh")}"' in form
    )
    assert f'value="{typed["ngay_sinh"]}"' in form
    assert re.search(r'<option value="Mẹ" selected>', form)
    oath = re.search(rf'<input type="checkbox" id="{_field(DECLARATION, OATH)}"[^>]*>', form)
    assert oath and "checked" not in oath.group(0)
    # the officer's reason and the deadline above it
    assert page.text.index('id="why"') < page.text.index('id="answer"')
    assert "không khớp với tờ khai" in page.text and 'id="answer-by"' in page.text
    before = await _dossier(session, code)
    count, version = len(before.items), before.version

    token = await token_from(client, f"{MINE}/{code}", me)
    future = f"{clock.today().year + 1}-01-15"
    refused = await client.post(
        f"{MINE}/{code}/bo-sung",
        data={
            "csrf_token": token,
            **_typed_form(typed, ngay_sinh=future, noi_sinh="", **{OATH: False}),
        },
        headers=me,
    )
    assert refused.status_code == 422
    # the application form's words, per field, each linked to its input
    assert f'href="#{_field(DECLARATION, "ngay_sinh")}"' in refused.text
    assert "“Ngày, tháng, năm sinh” không thể sau ngày hôm nay." in refused.text
    assert "Tờ khai đăng ký khai sinh: chưa điền “Nơi sinh”." in refused.text
    assert "Tờ khai đăng ký khai sinh: chưa điền “Tôi cam đoan" in refused.text
    # nothing lost: what was typed is shown again, and marked
    again = _form(refused.text)
    assert f'value="{future}"' in again and f'value="{typed["ho_ten_tre"]}"' in again
    assert re.search(rf'id="{_field(DECLARATION, "ngay_sinh")}"[^>]*aria-invalid="true"', again)
    # nothing changed
    after = await _dossier(session, code)
    assert after.state == DossierState.supplement_requested
    assert (len(after.items), after.version) == (count, version)

    corrected = "Phạm Minh Khang (dữ liệu tổng hợp)"
    sent = await client.post(
        f"{MINE}/{code}/bo-sung",
        data={"csrf_token": token, **_typed_form(typed, ho_ten_tre=corrected)},
        headers=me,
    )
    assert sent.status_code == 303 and sent.headers["location"] == f"{MINE}/{code}?da-bo-sung=1"
    dossier = await _dossier(session, code)
    assert dossier.state == DossierState.in_progress
    earlier, latest = _items(dossier, DECLARATION)
    assert earlier.value == typed  # the filed version is kept
    assert latest.value is not None and latest.value["ho_ten_tre"] == corrected
    assert latest.value[OATH] is True and latest.position == count + 1
    assert latest.source == ItemSource.upload and latest.upload_id != earlier.upload_id
    printed = await session.get(Upload, latest.upload_id)
    assert printed is not None and printed.file_name == f"{DECLARATION}.pdf"
    assert latest.sha256 == printed.sha256
    text = PdfReader(io.BytesIO(await get_storage().get(printed.sha256))).pages[0].extract_text()
    assert corrected in text and "20/09/2025" in text and typed["noi_sinh"] in text
    assert f"Khai lại theo đề nghị bổ sung hồ sơ của cơ quan ngày {clock.today():%d/%m/%Y}" in text
    answered = dossier.events[-1]
    assert answered.kind == "supplement-answered"
    assert answered.data["declarations"] == [DECLARATION]

    # the citizen's list of papers says which version stands
    listed = (await client.get(f"{MINE}/{code}", headers=me)).text
    assert "bản trước, đã được thay bằng bản bổ sung" in listed
    assert "bản bổ sung, đang dùng" in listed

    # the officer reads the corrected answers, and that they answer the request
    officer = await client.get(f"{QUEUE}/{code}", headers=cookie(team, "c_handling_officer"))
    assert officer.status_code == 200
    article = re.search(
        rf'<article class="item" id="item-{latest.position}">(.*?)</article>', officer.text, re.S
    )
    assert article and corrected in article.group(1)
    assert "Người nộp khai lại theo yêu cầu bổ sung, lúc" in article.group(1)
    assert "Bản in tờ khai đã khai trực tuyến" in article.group(1)
    old = re.search(
        rf'<article class="item" id="item-{earlier.position}">(.*?)</article>', officer.text, re.S
    )
    assert old and "đã được thay bằng bản bổ sung" in old.group(1)
    api = await client.get(f"/api/v1/workflow/dossiers/{code}", headers=team.auth("c_approver"))
    shown = {c["position"]: c for c in api.json()["contents"]}
    assert shown[latest.position]["supplied_at"] is not None
    assert not shown[latest.position]["replaced"] and shown[earlier.position]["replaced"]
    labels = {f["label"]: f["value"] for f in shown[latest.position]["fields"]}
    assert labels["Họ, chữ đệm và tên của trẻ"] == corrected


async def test_a_request_naming_a_declaration_and_a_paper_needs_both_in_the_page(
    client: httpx.AsyncClient, session: AsyncSession, team: Team
) -> None:
    code, typed = await online_dossier(session, team)
    await _ask(client, team, code, DECLARATION, WITNESS)
    me = as_citizen(APPLICANT)
    form = _form((await client.get(f"{MINE}/{code}", headers=me)).text)
    assert f'type="file" id="file-{WITNESS}"' in form and _field(DECLARATION, "ho_ten_tre") in form
    token = await token_from(client, f"{MINE}/{code}", me)
    corrected = "Phạm Minh Khang (dữ liệu tổng hợp)"
    typed_only = await client.post(
        f"{MINE}/{code}/bo-sung",
        data={"csrf_token": token, **_typed_form(typed, ho_ten_tre=corrected)},
        files={"x": ("", b"")},
        headers=me,
    )
    assert typed_only.status_code == 422 and "Hãy chọn tệp cho" in typed_only.text
    assert f'value="{corrected}"' in _form(typed_only.text)  # what was typed is kept
    assert "Hãy chọn lại các tệp rồi gửi." in typed_only.text
    # a bad declaration and a missing file: both said at once
    both_wrong = await client.post(
        f"{MINE}/{code}/bo-sung",
        data={"csrf_token": token, **_typed_form(typed, gioi_tinh="Khác")},
        files={"x": ("", b"")},
        headers=me,
    )
    assert both_wrong.status_code == 422
    assert "Hãy chọn tệp cho" in both_wrong.text
    assert "“Giới tính”: hãy chọn một giá trị trong danh sách." in both_wrong.text
    assert (await state_of(session, code))[0] == DossierState.supplement_requested

    sent = await client.post(
        f"{MINE}/{code}/bo-sung",
        data={"csrf_token": token, **_typed_form(typed, ho_ten_tre=corrected)},
        files={f"file-{WITNESS}": ("lam-chung.pdf", pdf_bytes(), "application/pdf")},
        headers=me,
    )
    assert sent.status_code == 303
    dossier = await _dossier(session, code)
    assert dossier.state == DossierState.in_progress
    assert _items(dossier, DECLARATION)[-1].value["ho_ten_tre"] == corrected  # type: ignore[index]
    (witness,) = _items(dossier, WITNESS)
    assert witness.value is None and witness.upload_id is not None
    assert dossier.events[-1].data["requirements"] == sorted([DECLARATION, WITNESS])


# --- the API --------------------------------------------------------------------------------------


async def test_api_accepts_values_for_a_declaration_checked_as_the_application_form(
    client: httpx.AsyncClient, session: AsyncSession, team: Team
) -> None:
    code, typed = await online_dossier(session, team)
    await service.request_supplement(session, team["c_receiving_officer"], code, [DECLARATION])
    await session.commit()  # a savepoint: a refused answer rolls back to here, not further
    me = as_citizen(APPLICANT)
    api = API.format(code=code)
    before = await _dossier(session, code)
    count = len(before.items)

    future = f"{clock.today().year + 1}-01-15"
    bad = await client.post(
        api,
        json={
            "items": [
                {
                    "requirement_key": DECLARATION,
                    "values": {**typed, "ngay_sinh": future, "ho_ten_tre": "x" * 101},
                }
            ]
        },
        headers=me,
    )
    assert bad.status_code == 422
    body = bad.json()
    assert body["code"] == "invalid-dossier"
    problems = {p["field"]: (p["code"], p["message"]) for p in body["problems"]}
    assert problems[f"values.{DECLARATION}.ngay_sinh"] == (
        "declaration-invalid",
        "“Ngày, tháng, năm sinh” không thể sau ngày hôm nay.",
    )
    assert problems[f"values.{DECLARATION}.ho_ten_tre"] == (
        "field-too-long",
        "“Họ, chữ đệm và tên của trẻ” dài quá 100 ký tự.",
    )
    unsworn = await client.post(
        api,
        json={"items": [{"requirement_key": DECLARATION, "values": {**typed, OATH: False}}]},
        headers=me,
    )
    assert unsworn.status_code == 422, unsworn.text
    assert unsworn.json()["code"] == "missing-field"
    assert unsworn.json()["problems"][0]["field"] == f"values.{DECLARATION}.{OATH}"
    kinds = await client.post(
        api,
        json={
            "items": [
                {"requirement_key": DECLARATION, "values": {**typed, "gioi_tinh": 1, "x": "y"}}
            ]
        },
        headers=me,
    )
    assert kinds.status_code == 422
    codes = {p["field"]: p["code"] for p in kinds.json()["problems"]}
    assert codes[f"values.{DECLARATION}.gioi_tinh"] == "not-text"
    assert codes[f"values.{DECLARATION}.x"] == "unknown-field"
    as_file = await client.post(
        api,
        json={
            "items": [
                {"requirement_key": DECLARATION, "upload_id": await upload_pdf(session, APPLICANT)}
            ]
        },
        headers=me,
    )
    assert as_file.status_code == 422 and as_file.json()["code"] == "declaration-is-typed"
    after = await _dossier(session, code)
    assert after.state == DossierState.supplement_requested and len(after.items) == count

    answered = await client.post(
        api,
        json={"items": [{"requirement_key": DECLARATION, "values": {**typed, "que_quan": "Huế"}}]},
        headers=me,
    )
    assert answered.status_code == 200 and answered.json()["state"] == "in_progress"
    dossier = await _dossier(session, code)
    latest = _items(dossier, DECLARATION)[-1]
    assert latest.value == {**typed, "que_quan": "Huế"} and latest.position == count + 1


async def test_api_request_naming_a_declaration_and_a_paper_needs_both(
    client: httpx.AsyncClient, session: AsyncSession, team: Team
) -> None:
    code, typed = await online_dossier(session, team)
    await service.request_supplement(
        session, team["c_receiving_officer"], code, [DECLARATION, WITNESS]
    )
    await session.commit()  # a savepoint: a refused answer rolls back to here, not further
    me = as_citizen(APPLICANT)
    api = API.format(code=code)
    scan = await upload_pdf(session, APPLICANT, "lam-chung.pdf")
    await session.commit()
    only_typed = await client.post(
        api, json={"items": [{"requirement_key": DECLARATION, "values": typed}]}, headers=me
    )
    assert only_typed.status_code == 422 and only_typed.json()["code"] == "supplement-mismatch"
    assert only_typed.json()["missing"] == [WITNESS]
    no_file = await client.post(
        api,
        json={
            "items": [
                {"requirement_key": DECLARATION, "values": typed},
                {"requirement_key": WITNESS},
            ]
        },
        headers=me,
    )
    assert no_file.status_code == 422 and no_file.json()["code"] == "supplement-file-missing"
    typed_paper = await client.post(
        api,
        json={
            "items": [
                {"requirement_key": DECLARATION, "values": typed},
                {"requirement_key": WITNESS, "values": {"noi_dung": "x"}},
            ]
        },
        headers=me,
    )
    assert typed_paper.status_code == 422
    assert typed_paper.json()["code"] == "requirement-needs-upload"
    assert (await state_of(session, code))[0] == DossierState.supplement_requested

    both = await client.post(
        api,
        json={
            "items": [
                {"requirement_key": WITNESS, "upload_id": scan},
                {"requirement_key": DECLARATION, "values": typed},
            ]
        },
        headers=me,
    )
    assert both.status_code == 200
    dossier = await _dossier(session, code)
    assert [i.requirement_key for i in dossier.items[-2:]] == [DECLARATION, WITNESS]
    assert dossier.items[-1].upload_id == scan


# --- a declaration filed at the counter ----------------------------------------------------------


async def test_a_declaration_typed_at_the_counter_is_asked_as_a_file(
    client: httpx.AsyncClient, session: AsyncSession, team: Team
) -> None:
    """Typed by the officer from the paper the person signed: the corrected paper is asked."""
    code = await file_dossier(session, team.commune, SIMPLE)
    await _ask(client, team, code, DECLARATION)
    me = as_citizen(APPLICANT)
    form = _form((await client.get(f"{MINE}/{code}", headers=me)).text)
    assert f'type="file" id="file-{DECLARATION}"' in form and "field-" not in form
    typed = await client.post(
        API.format(code=code),
        json={"items": [{"requirement_key": DECLARATION, "values": {"ho_ten_tre": "x"}}]},
        headers=me,
    )
    assert typed.status_code == 422 and typed.json()["code"] == "requirement-needs-upload"
    assert (await state_of(session, code))[0] == DossierState.supplement_requested


async def test_a_declaration_filed_as_a_scan_is_asked_and_shown_as_a_file(
    client: httpx.AsyncClient, session: AsyncSession, team: Team
) -> None:
    """No typed answers to correct: the citizen sends a file, and the officer's page names the
    file (not "the printed online declaration"), as for the scan filed at the counter."""
    scan = await upload_pdf(session, APPLICANT, "to-khai-ban-quet.pdf")
    body = SubmissionIn.model_validate(
        {
            "procedure_code": SIMPLE,
            "channel": "counter",
            "applicant": APPLICANT,
            "receiving_agency": team.commune.code,
            "items": [
                {"requirement_key": DECLARATION, "source": "counter", "upload_id": scan},
                *SIMPLE_ITEMS[1:],
            ],
        }
    )
    filed = await dossiers.submit(
        session, body, actor=APPLICANT, idempotency_key=secrets.token_hex(8)
    )
    code = filed.dossier.code
    await _ask(client, team, code, DECLARATION)
    me = as_citizen(APPLICANT)
    form = _form((await client.get(f"{MINE}/{code}", headers=me)).text)
    assert f'type="file" id="file-{DECLARATION}"' in form and "field-" not in form
    typed = await client.post(
        API.format(code=code),
        json={"items": [{"requirement_key": DECLARATION, "values": {"ho_ten_tre": "x"}}]},
        headers=me,
    )
    assert typed.status_code == 422 and typed.json()["code"] == "requirement-needs-upload"
    token = await token_from(client, f"{MINE}/{code}", me)
    sent = await client.post(
        f"{MINE}/{code}/bo-sung",
        data={"csrf_token": token},
        files={f"file-{DECLARATION}": ("to-khai-moi.pdf", pdf_bytes(), "application/pdf")},
        headers=me,
    )
    assert sent.status_code == 303
    dossier = await _dossier(session, code)
    supplied = _items(dossier, DECLARATION)[-1]
    assert supplied.value is None and supplied.upload_id is not None
    page = await client.get(f"{QUEUE}/{code}", headers=cookie(team, "c_handling_officer"))
    declarations = re.search(r'<h2 id="declaration-heading">.*?</section>', page.text, re.S)
    assert declarations
    article = re.search(
        rf'<article class="item" id="item-{supplied.position}">(.*?)</article>',
        declarations.group(0),
        re.S,
    )
    assert article
    assert "Tệp “to-khai-moi.pdf”" in article.group(1)
    assert "Bản in tờ khai đã khai trực tuyến" not in article.group(1)
    assert "Người nộp bổ sung theo yêu cầu, lúc" in article.group(1)
    assert "<dl" not in article.group(1)  # no answers to list
    first = re.search(r'<article class="item" id="item-1">(.*?)</article>', page.text, re.S)
    assert first and "Tệp “to-khai-ban-quet.pdf”" in first.group(1)
    assert "Bản in tờ khai đã khai trực tuyến" not in page.text
    assert await session.scalar(select(Upload.file_name).where(Upload.id == scan))
