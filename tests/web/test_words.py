"""No internal word on a page: every registry field, registry, outcome, purpose, menu entry and
role has a name in Vietnamese and in English; dates read dd/mm/yyyy; the consent page names the
fields it will read in words; error pages say what happened."""

import re
from datetime import UTC, date, datetime

import httpx
import pytest
import yaml

from motcua.catalog.formats import essential_services
from motcua.exchange import labels
from motcua.sandbox import personas
from motcua.web import navigation
from motcua.web.i18n import PARAMETER_NAMES, gettext
from motcua.web.templating import day, field_value, moment
from tests.forms import token_from
from tests.identity.helpers import as_citizen

SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


def _catalog_fields() -> set[str]:
    return {field for e in essential_services().evidence_types for field in e.fields}


def test_every_field_the_catalog_lists_has_a_vietnamese_and_an_english_name() -> None:
    fields = _catalog_fields()
    assert len(fields) > 100
    for code in fields:
        vietnamese = labels.field_label(code, "vi")
        assert vietnamese != code, code
        assert labels.field_label(code, "en") != vietnamese, vietnamese


def test_registries_outcomes_purposes_menus_and_roles_are_translated() -> None:
    from importlib import resources

    data = yaml.safe_load(
        resources.files("motcua.exchange").joinpath("data", "registries.yaml").read_text("utf-8")
    )
    words = [r["name"] for r in data["registries"]]
    words += list(labels.OUTCOMES.values()) + list(labels.PURPOSES.values())
    words += list(navigation.ROLE_LABELS.values())
    menus = [navigation.PUBLIC, navigation.CITIZEN, *navigation.OFFICER_MENUS.values()]
    words += [link.label for menu in menus for link in menu]
    missing = [w for w in words if gettext(w, "en") == w]
    assert missing == []
    assert labels.registry_name("population") == "Cơ sở dữ liệu quốc gia về dân cư"
    assert labels.outcome_label("delivered") == "Đã cung cấp"
    assert labels.purpose_label("application:3f2a") == "Làm hồ sơ thủ tục"


def test_dates_and_values_read_as_a_person_writes_them() -> None:
    assert day(date(2025, 9, 20)) == "20/09/2025" and day("2025-09-20") == "20/09/2025"
    # 17:30 UTC is the next morning in Hà Nội
    assert day(datetime(2025, 9, 20, 17, 30, tzinfo=UTC)) == "21/09/2025"
    assert moment(datetime(2025, 9, 20, 3, 5, tzinfo=UTC)) == "10:05 20/09/2025"
    assert day(None) == "" and day("không phải ngày") == "không phải ngày"
    shown = field_value({"full_name": "Nguyễn Văn An", "date_of_birth": "1984-02-03"}, "vi")
    assert shown == "Họ và tên: Nguyễn Văn An; Ngày sinh: 03/02/1984"
    assert field_value(True, "vi") == "Có" and field_value(None, "vi") == "—"
    assert field_value(True, "en") == "Yes"


def test_parameters_are_named_in_words() -> None:
    assert all(not SNAKE.search(name) for name in PARAMETER_NAMES.values())


@pytest.mark.usefixtures("registries")
async def test_the_consent_page_names_fields_in_words(client: httpx.AsyncClient) -> None:
    me = as_citizen(personas.COMPLETE)
    token = await token_from(client, "/du-lieu/thu-tuc/0.000021", me)
    started = await client.post("/du-lieu/thu-tuc/0.000021", data={"csrf_token": token}, headers=me)
    page = await client.get(started.headers["location"], headers=me)
    assert page.status_code == 200
    assert "Họ và tên" in page.text and "Dân tộc" in page.text
    assert "Nhóm máu" not in page.text  # only the fields the procedure lists are read
    main = page.text.split('<main id="main"', 1)[1]
    assert SNAKE.findall(re.sub(r"<[^>]+>", " ", main)) == []
    assert "Bước 1/5" in page.text
    english = await client.get(started.headers["location"] + "?lang=en", headers=me)
    assert "Ethnicity" in english.text and "Dân tộc" not in english.text


@pytest.mark.parametrize(
    ("url", "status", "title"),
    [
        ("/khong-co-trang-nay", 404, "Không tìm thấy"),
        ("/?page=hai", 422, "Yêu cầu chưa đúng"),
        ("/ca-nhan/dai-dien", 405, "Yêu cầu chưa đúng"),
    ],
)
async def test_error_pages_are_titled_by_what_happened(
    client: httpx.AsyncClient, url: str, status: int, title: str
) -> None:
    response = await client.get(url)
    assert response.status_code == status
    assert (
        f"<h1>{title}</h1>" in response.text and f"<title>{title} · motcua</title>" in response.text
    )
    assert 'href="/"' in response.text  # a way back
