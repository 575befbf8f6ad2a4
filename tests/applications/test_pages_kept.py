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
