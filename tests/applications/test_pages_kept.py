"""A refused form keeps what the person typed: a refused upload does not clear the declaration,
the e-mail or the checkbox, and nothing of it is stored until the form is accepted."""

import re

import httpx
import pytest

from tests.applications.conftest import HOA
from tests.forms import token_from, token_in
from tests.identity.helpers import as_citizen

pytestmark = pytest.mark.usefixtures("registries")
ME = as_citizen(HOA)
PROCEDURE = "1.001193"  # Đăng ký khai sinh: Hoa's baby has no number, the birth paper is asked


async def _form(client: httpx.AsyncClient) -> tuple[str, str]:
    token = await token_from(client, f"/du-lieu/thu-tuc/{PROCEDURE}", ME)
    started = await client.post(
        f"/du-lieu/thu-tuc/{PROCEDURE}", data={"csrf_token": token}, headers=ME
    )
    consent_url = started.headers["location"]
    token = await token_from(client, consent_url, ME)
    fetched = await client.post(consent_url, data={"csrf_token": token}, headers=ME)
    preview = await client.get(fetched.headers["location"], headers=ME)
    reference = consent_url.rsplit("/", 1)[1]
    go = await client.post(
        f"/ho-so/tu-du-lieu/{reference}", data={"csrf_token": token_in(preview.text)}, headers=ME
    )
    form_url = go.headers["location"]
    page = await client.get(form_url, headers=ME)
    assert page.status_code == 200
    return form_url, page.text


async def test_a_refused_upload_keeps_the_declaration(client: httpx.AsyncClient) -> None:
    form_url, page = await _form(client)
    files = re.findall(r'type="file" id="(file-[A-Za-z0-9_]+)"', page)
    assert files, "the birth paper is asked as an upload"
    typed = {
        "field-to_khai_dang_ky_khai_sinh-ho_ten_tre": "Phạm Thị Bông, sinh tại nhà",
        "field-to_khai_dang_ky_khai_sinh-noi_sinh": "Số 5 ngõ 3 (dữ liệu thử)",
        "field-to_khai_dang_ky_khai_sinh-cam_doan": "1",
        "contact_email": "hoa@example.test",
        "action": "save",
        "csrf_token": token_in(page),
    }
    typed = {k: v for k, v in typed.items() if f'name="{k}"' in page or not k.startswith("field")}
    assert len(typed) >= 5, "the declaration's fields are on the form"
    refused = await client.post(
        form_url,
        data=typed,
        files={files[0]: ("giay-chung-sinh.exe", b"MZ\x90\x00 not a paper", "application/pdf")},
        headers=ME,
    )
    assert refused.status_code == 422
    body = refused.text
    assert 'role="alert"' in body and f'href="#{files[0]}"' in body
    assert 'value="Phạm Thị Bông, sinh tại nhà"' in body
    assert 'value="Số 5 ngõ 3 (dữ liệu thử)"' in body and 'value="hoa@example.test"' in body
    assert re.search(r'name="field-to_khai_dang_ky_khai_sinh-cam_doan" value="1"\s+checked', body)
    assert "hãy chọn lại các tệp" in body
    # nothing was stored: the draft read again is as it was before
    stored = await client.get(form_url, headers=ME)
    assert "Phạm Thị Bông" not in stored.text
    assert 'value="hoa@example.test"' not in stored.text


async def _another_centre(client: httpx.AsyncClient, url: str) -> str:
    """A centre of the receiving page's province other than the one the draft has."""
    page = await client.get(url, headers=ME)
    assert page.status_code == 200
    if 'id="agency"' not in page.text:  # no centre yet: the province is chosen first
        page = await client.get(f"{url}?tinh=79", headers=ME)
    current = re.search(r'<option value="([^"]+)" selected>', page.text.split('id="agency"')[1])
    codes = re.findall(r'<option value="([^"]+)"', page.text.split('id="agency"')[1])
    others = [c for c in codes if current is None or c != current.group(1)]
    assert others, "the province has another centre"
    return others[0]


async def test_choosing_another_centre_after_a_refusal_keeps_what_was_typed(
    client: httpx.AsyncClient,
) -> None:
    form_url, page = await _form(client)
    assert 'name="action" value="receiving"' in page, "the choice is a button of the form"
    assert f'href="{form_url}/noi-tiep-nhan"' not in page, "a link would drop what is typed"
    typed = {
        "field-to_khai_dang_ky_khai_sinh-ho_ten_tre": "Phạm Thị Bông",
        "field-to_khai_dang_ky_khai_sinh-noi_sinh": "Trạm y tế xã (dữ liệu thử)",
        "field-to_khai_dang_ky_khai_sinh-cam_doan": "1",
        "contact_email": "hoa@example.test",
        "csrf_token": token_in(page),
    }
    # filing without the birth paper is refused; what was typed is on the page again
    refused = await client.post(form_url, data=typed | {"action": "submit"}, headers=ME)
    assert refused.status_code == 422
    assert 'value="Phạm Thị Bông"' in refused.text
    assert 'name="action" value="receiving"' in refused.text
    # from the refused page, the person goes to choose another receiving centre
    going = await client.post(
        form_url, data=typed | {"action": "receiving", "csrf_token": token_in(refused.text)},
        headers=ME,
    )  # fmt: skip
    assert going.status_code == 303
    assert going.headers["location"] == f"{form_url}/noi-tiep-nhan"
    centre = await _another_centre(client, going.headers["location"])
    choice = going.headers["location"]
    token = await token_from(client, choice, ME)
    chosen = await client.post(choice, data={"agency": centre, "csrf_token": token}, headers=ME)
    assert chosen.status_code == 303
    back = await client.get(form_url, headers=ME)
    assert 'value="Phạm Thị Bông"' in back.text
    assert 'value="Trạm y tế xã (dữ liệu thử)"' in back.text
    assert 'value="hoa@example.test"' in back.text
    assert re.search(
        r'name="field-to_khai_dang_ky_khai_sinh-cam_doan" value="1"\s+checked', back.text
    )
    assert "(theo nơi cư trú trong dữ liệu đã lấy" not in back.text, "the chosen centre is kept"


async def test_enter_in_a_field_still_saves_the_draft(client: httpx.AsyncClient) -> None:
    """The first submit button of the form (the one Enter presses) is "save"."""
    _, page = await _form(client)
    form = page.split('enctype="multipart/form-data">', 1)[1]
    first = re.search(r'<button type="submit" name="action" value="(\w+)"', form)
    assert first is not None and first.group(1) == "save"
