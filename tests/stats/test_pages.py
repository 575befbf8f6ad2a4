"""The statistics page: names not codes, dates as dd/mm/yyyy, and a bad date answered in
Vietnamese with what was typed kept."""

import re

import httpx

from tests.stats.conftest import World


async def test_page_shows_names_and_dates(client: httpx.AsyncClient, filed: World) -> None:
    response = await client.get(
        "/thong-ke", params={"tu": "01/12/2025", "den": "31/12/2025", "nhom": "province"}
    )
    assert response.status_code == 200
    page = response.text
    assert filed.places[0].province_name in page and filed.places[2].province_name in page
    assert "01/12/2025 – 31/12/2025" in page
    assert "hồ sơ tiếp nhận" in page and "50%" in page  # online share of the 4
    for internal in ("online_full", "province_code", "on_time_rate", "2025-12-01"):
        assert internal not in page
    assert not re.search(r">\s*0\.000001\s*<", page)  # a procedure shows by its name


async def test_page_groups_by_channel_with_names(client: httpx.AsyncClient, filed: World) -> None:
    response = await client.get(
        "/thong-ke", params={"tu": "01/12/2025", "den": "31/12/2025", "nhom": "channel"}
    )
    assert response.status_code == 200
    assert "Trực tuyến toàn trình" in response.text and "Qua bưu chính" in response.text


async def test_bad_dates_keep_what_was_typed(client: httpx.AsyncClient, filed: World) -> None:
    response = await client.get("/thong-ke", params={"tu": "31/13/2025", "den": "05/12/2025"})
    assert response.status_code == 422
    assert "Từ ngày: hãy ghi ngày theo dạng ngày/tháng/năm" in response.text
    assert 'value="31/13/2025"' in response.text and 'value="05/12/2025"' in response.text
    reversed_range = await client.get("/thong-ke", params={"tu": "05/12/2025", "den": "01/12/2025"})
    assert reversed_range.status_code == 422
    assert "Đến ngày: Ngày kết thúc phải sau hoặc bằng ngày bắt đầu." in reversed_range.text
    assert "(end)" not in reversed_range.text
