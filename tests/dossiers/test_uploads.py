"""Uploads: type from content, forged files refused by name, size caps, content addressing."""

from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.dossiers.files import sanitise_file_name
from motcua.dossiers.models import Upload
from tests.dossiers.conftest import APPLICANT, jpeg_bytes, pdf_bytes, png_bytes, registry_item
from tests.identity.helpers import as_citizen

HEADERS = as_citizen(APPLICANT)


async def post(client: httpx.AsyncClient, name: str, data: bytes, declared: str) -> httpx.Response:
    return await client.post(
        "/api/v1/uploads", headers=HEADERS, files={"file": (name, data, declared)}
    )


async def test_pdf_jpeg_png_are_detected_from_content(client: httpx.AsyncClient) -> None:
    for name, data, expected in [
        ("scan.bin", pdf_bytes(), "application/pdf"),
        ("anh", jpeg_bytes(), "image/jpeg"),
        ("ảnh chụp.PNG", png_bytes(), "image/png"),
    ]:
        response = await post(client, name, data, "application/octet-stream")
        assert response.status_code == 201, response.text
        assert response.json()["media_type"] == expected
    assert response.json()["file_name"] == "ảnh_chụp.png"


@pytest.mark.parametrize(
    ("name", "data", "declared"),
    [
        ("giay-to.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, "application/pdf"),  # a program
        ("anh.png", b"<html><script>alert(1)</script></html>", "image/png"),
        ("to-khai.pdf", b"%PDF-1.4\n<script>no end marker</script>", "application/pdf"),
        ("anh.jpg", b"\xff\xd8\xff\xe0" + b"PK\x03\x04 zip inside", "image/jpeg"),
        ("bang.docx", b"PK\x03\x04" + b"\x00" * 100, "application/pdf"),
    ],
)
async def test_forged_files_are_refused_with_their_name(
    client: httpx.AsyncClient,
    session: AsyncSession,
    storage: Path,
    name: str,
    data: bytes,
    declared: str,
) -> None:
    response = await post(client, name, data, declared)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "file-type-not-allowed"
    assert name in response.json()["message"] and response.json()["file_name"] == name
    assert await session.scalar(select(func.count()).select_from(Upload)) == 0
    assert not (storage / "uploads").exists()


async def test_oversized_and_empty_files_are_refused(client: httpx.AsyncClient) -> None:
    big = pdf_bytes("x" * 210_000)
    response = await post(client, "ban-quet-lon.pdf", big, "application/pdf")
    assert response.status_code == 413
    error = response.json()
    assert error["code"] == "file-too-large" and error["limit_bytes"] == 200_000
    assert "ban-quet-lon.pdf" in error["message"] and "195 KB" in error["message"]
    empty = await post(client, "rong.pdf", b"", "application/pdf")
    assert empty.status_code == 422 and empty.json()["code"] == "empty-file"


async def test_same_content_is_stored_once(
    client: httpx.AsyncClient, session: AsyncSession, storage: Path
) -> None:
    first = (await post(client, "a.pdf", pdf_bytes("giống nhau"), "application/pdf")).json()
    second = (await post(client, "b.pdf", pdf_bytes("giống nhau"), "application/pdf")).json()
    assert first["id"] != second["id"] and first["sha256"] == second["sha256"]
    stored = [p for p in (storage / "uploads").rglob("*") if p.is_file()]
    assert [p.name for p in stored] == [first["sha256"]]
    assert stored[0].read_bytes() == pdf_bytes("giống nhau")


def test_file_names_are_sanitised() -> None:
    assert sanitise_file_name("../../etc/pass wd.PDF", "application/pdf") == "pass_wd.pdf"
    assert sanitise_file_name("C:\\Users\\a\\Tờ khai.jpeg", "image/jpeg") == "Tờ_khai.jpg"
    assert sanitise_file_name("x\x00\n<script>.png", "image/png") == "x_script.png"
    assert sanitise_file_name("...", "application/pdf") == "tep.pdf"
    assert sanitise_file_name("hồ sơ.exe", "application/pdf") == "hồ_sơ.pdf"
    assert len(sanitise_file_name("a" * 500 + ".pdf", "application/pdf")) == 120


async def test_the_dossier_size_cap_counts_every_upload(
    client: httpx.AsyncClient, procedures: dict[str, str]
) -> None:
    ids = []
    for n in range(2):
        response = await post(
            client, f"trang-{n}.pdf", pdf_bytes(f"{n}" * 180_000), "application/pdf"
        )
        ids.append(response.json()["id"])
    response = await client.post(
        "/api/v1/dossiers",
        headers={**HEADERS, "Idempotency-Key": "cap-000001"},
        json={
            "procedure_code": procedures["online"],
            "items": [
                {"requirement_key": "to_khai", "source": "upload", "upload_id": ids[0]},
                {"requirement_key": "ban_sao", "source": "upload", "upload_id": ids[1]},
                registry_item(),
            ],
        },
    )
    assert response.status_code == 422
    assert response.json()["code"] == "dossier-too-large"
    assert "293 KB" in response.json()["message"] or "KB" in response.json()["message"]
