"""Public pages, rendered by the app; the browser test drives them in Chromium."""

import re

import httpx

from motcua.web.templating import WEB


async def test_search_page_without_diacritics(client: httpx.AsyncClient) -> None:
    response = await client.get("/", params={"q": "dang ky khai sinh"})
    assert response.status_code == 200
    html = response.text
    assert '<html lang="vi">' in html
    assert 'href="/procedures/1.001193"' in html
    assert "Đăng ký khai sinh" in html
    assert '<label for="q">' in html  # every input has its label


async def test_search_page_ignores_unknown_filter_values(client: httpx.AsyncClient) -> None:
    response = await client.get("/", params={"q": "khai sinh", "level": "village"})
    assert response.status_code == 200 and "1.001193" in response.text


async def test_procedure_page_says_what_not_to_bring(client: httpx.AsyncClient) -> None:
    response = await client.get("/procedures/1.001193")
    assert response.status_code == 200
    html = response.text
    assert "Bạn không cần mang" in html and "Bạn cần cung cấp" in html
    assert "Toàn trình: làm hoàn toàn trực tuyến" in html
    assert "Cơ quan không được yêu cầu thêm giấy tờ nào ngoài danh sách này." in html


async def test_synthetic_procedures_are_labelled(client: httpx.AsyncClient) -> None:
    response = await client.get("/procedures/9.000001")
    assert response.status_code == 200
    assert "Dữ liệu tổng hợp, không phải thủ tục thật" in response.text


async def test_english_on_request_and_remembered(client: httpx.AsyncClient) -> None:
    response = await client.get("/procedures/1.001193", params={"lang": "en"})
    assert '<html lang="en">' in response.text
    assert "What you do not need to bring" in response.text
    assert response.cookies.get("lang") == "en"
    client.cookies.set("lang", "en")
    again = await client.get("/")
    assert "Find an administrative procedure" in again.text


async def test_unknown_procedure_page_is_a_vietnamese_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/procedures/8.888888")
    assert response.status_code == 404
    assert "Không tìm thấy thủ tục" in response.text and "8.888888" in response.text


def test_every_page_string_has_an_english_translation() -> None:
    sources = "".join(p.read_text("utf-8") for p in WEB.parent.glob("*/templates/**/*.html"))
    used = set(re.findall(r"""_\(\s*["']([^"']+)["']""", sources))
    po = (WEB / "locales" / "en" / "LC_MESSAGES" / "messages.po").read_text("utf-8")
    translated = set(re.findall(r'^msgid "(.+)"$', po, re.MULTILINE))
    assert used - translated == set()


async def test_bad_page_parameter_is_a_vietnamese_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/", params={"page": "hai"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "Yêu cầu chưa đúng" in response.text and "“Số trang”" in response.text
    assert "“page”" not in response.text  # the parameter in words, not its name in the code
