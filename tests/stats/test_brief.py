"""The steering brief: the same numbers as the API by construction, in Markdown and PDF."""

import io
from datetime import date
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from motcua.cli import app
from motcua.stats import brief as briefs
from tests.stats.conftest import World


async def test_the_brief_says_what_the_api_says(
    client: httpx.AsyncClient, filed: World, tmp_path: Path
) -> None:
    brief = await briefs.compose(filed.session, date(2025, 12, 31))
    response = await client.get(
        "/api/v1/stats/dossiers",
        params={"start": "2025-12-02", "end": "2025-12-31", "group": "province"},
    )
    assert response.status_code == 200
    assert brief.current.model_dump(mode="json") == response.json()
    before = await client.get(
        "/api/v1/stats/dossiers",
        params={"start": "2025-11-27", "end": "2025-12-26", "group": "province"},
    )
    assert brief.previous.model_dump(mode="json") == before.json()
    registries = await client.get(
        "/api/v1/stats/registries", params={"start": "2025-12-02", "end": "2025-12-31"}
    )
    assert brief.registries.model_dump(mode="json") == registries.json()
    headline = dict((what, (now, change)) for what, now, change in briefs.headline(brief))
    # The window 2-31/12 leaves out the dossier of 1/12, which the window 27/11-26/12 holds.
    assert headline["Hồ sơ tiếp nhận"] == ("3", "−1")
    assert headline["Tỷ lệ nộp trực tuyến"] == ("33,3%", "−16,7 điểm %")
    assert headline["Yêu cầu giấy tờ ngoài danh mục (vi phạm)"] == ("1", "±0")

    text = briefs.markdown(brief)
    assert "| Tỷ lệ giải quyết đúng hạn | 0,0% | −50,0 điểm % |" in text
    assert filed.places[2].province_name in text  # the refused post dossier's province
    written = briefs.write(brief, tmp_path)
    assert [p.name for p in written] == [
        "bao-cao-nhanh-2025-12-31.md",
        "bao-cao-nhanh-2025-12-31.pdf",
    ]
    pdf_text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(written[1].read_bytes())).pages
    )
    assert "Báo cáo nhanh phục vụ họp Ban Chỉ đạo ngày 31/12/2025" in pdf_text
    assert "Tỷ lệ nộp trực tuyến theo tỉnh, thành phố" in pdf_text
    assert filed.places[0].province_name in pdf_text


@pytest.mark.usefixtures("own_database")
def test_the_brief_command_writes_both_files(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["brief", "--date", "2025-12-31", "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "bao-cao-nhanh-2025-12-31.md").read_text("utf-8").startswith("# Báo cáo")
    assert (tmp_path / "bao-cao-nhanh-2025-12-31.pdf").read_bytes().startswith(b"%PDF")
    bad = runner.invoke(app, ["brief", "--date", "31/12/2025"])
    assert bad.exit_code != 0


async def test_monitors_download_the_brief(client: httpx.AsyncClient, filed: World) -> None:
    pdf = await client.get("/thong-ke/bao-cao-nhanh.pdf", params={"ngay": "31/12/2025"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "bao-cao-nhanh-2025-12-31.pdf" in pdf.headers["content-disposition"]
    text = await client.get("/thong-ke/bao-cao-nhanh.md", params={"ngay": "31/12/2025"})
    brief = await briefs.compose(filed.session, date(2025, 12, 31))
    assert text.status_code == 200 and text.text == briefs.markdown(brief)
    bad = await client.get("/thong-ke/bao-cao-nhanh.pdf", params={"ngay": "2025-12-31"})
    assert bad.status_code == 422
    assert "Ngày báo cáo: hãy ghi ngày theo dạng ngày/tháng/năm" in bad.text
