"""Uploads: type from content, forged files refused by name, size caps, content addressing,
reading back; the storage tests run on disk and on an S3-compatible server."""

import hashlib

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.app import create_app
from motcua.core.settings import get_settings
from motcua.dossiers.files import sanitise_file_name
from motcua.dossiers.models import Upload
from motcua.dossiers.storage import StoredFileMissing, get_storage, key_for
from tests.dossiers.conftest import (
    APPLICANT,
    OTHER,
    Backend,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
    use_s3,
)
from tests.identity.helpers import as_citizen

HEADERS = as_citizen(APPLICANT)


async def post(client: httpx.AsyncClient, name: str, data: bytes, declared: str) -> httpx.Response:
    return await client.post(
        "/api/v1/uploads", headers=HEADERS, files={"file": (name, data, declared)}
    )


async def test_pdf_jpeg_png_are_detected_from_content_and_read_back(
    client: httpx.AsyncClient, backend: Backend
) -> None:
    for name, data, expected in [
        ("scan.bin", pdf_bytes(), "application/pdf"),
        ("anh", jpeg_bytes(), "image/jpeg"),
        ("ảnh chụp.PNG", png_bytes(), "image/png"),
    ]:
        response = await post(client, name, data, "application/octet-stream")
        assert response.status_code == 201, response.text
        upload = response.json()
        assert upload["media_type"] == expected
        assert upload["sha256"] == hashlib.sha256(data).hexdigest()
        assert backend.read(key_for(upload["sha256"])) == data
        back = await client.get(f"/api/v1/uploads/{upload['id']}", headers=HEADERS)
        assert back.status_code == 200 and back.content == data
        assert back.headers["content-type"] == expected
    assert upload["file_name"] == "ảnh_chụp.png"
    assert back.headers["content-disposition"] == (
        "attachment; filename*=UTF-8''%E1%BA%A3nh_ch%E1%BB%A5p.png"
    )


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
    backend: Backend,
    name: str,
    data: bytes,
    declared: str,
) -> None:
    response = await post(client, name, data, declared)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "file-type-not-allowed"
    assert name in response.json()["message"] and response.json()["file_name"] == name
    assert await session.scalar(select(func.count()).select_from(Upload)) == 0
    assert backend.keys() == []


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
    client: httpx.AsyncClient, session: AsyncSession, backend: Backend
) -> None:
    first = (await post(client, "a.pdf", pdf_bytes("giống nhau"), "application/pdf")).json()
    second = (await post(client, "b.pdf", pdf_bytes("giống nhau"), "application/pdf")).json()
    assert first["id"] != second["id"] and first["sha256"] == second["sha256"]
    sha = first["sha256"]
    assert backend.keys() == [f"uploads/{sha[:2]}/{sha}"]
    assert backend.read(key_for(sha)) == pdf_bytes("giống nhau")
    rows = await session.scalars(
        select(Upload.sha256).where(Upload.id.in_([first["id"], second["id"]]))
    )
    assert list(rows) == [sha, sha]
    for upload in (first, second):
        back = await client.get(f"/api/v1/uploads/{upload['id']}", headers=HEADERS)
        assert back.content == pdf_bytes("giống nhau")
    other = await post(client, "c.pdf", pdf_bytes("khác"), "application/pdf")
    assert len(backend.keys()) == 2 and other.json()["sha256"] != sha


async def test_the_storage_interface(backend: Backend) -> None:
    """put by hash -> key, exists, get; the same on both backends."""
    store = get_storage()
    data = png_bytes(7)
    sha = hashlib.sha256(data).hexdigest()
    assert await store.exists(sha) is False
    assert await store.put(sha, data) == f"uploads/{sha[:2]}/{sha}" == key_for(sha)
    assert await store.put(sha, data) == key_for(sha)  # again: the same key, its age refreshed
    assert await store.exists(sha) is True and await store.get(sha) == data
    assert backend.keys() == [key_for(sha)]
    missing = hashlib.sha256(b"never stored").hexdigest()
    with pytest.raises(StoredFileMissing) as error:
        await store.get(missing)
    assert error.value.code == "stored-file-missing" and missing in error.value.message
    with pytest.raises(ValueError, match="SHA-256"):
        await store.get("../../etc/passwd")


async def test_a_missing_or_damaged_object_is_a_clear_error(
    client: httpx.AsyncClient, backend: Backend
) -> None:
    upload = (await post(client, "mat.pdf", pdf_bytes("sẽ mất"), "application/pdf")).json()
    key = key_for(upload["sha256"])
    backend.replace(key, pdf_bytes("bị sửa"))
    damaged = await client.get(f"/api/v1/uploads/{upload['id']}", headers=HEADERS)
    assert damaged.status_code == 503 and damaged.json()["code"] == "stored-file-damaged"
    backend.replace(key, None)
    missing = await client.get(f"/api/v1/uploads/{upload['id']}", headers=HEADERS)
    assert missing.status_code == 404
    assert missing.json()["code"] == "stored-file-missing"
    assert upload["sha256"] in missing.json()["message"]
    assert "tải tệp lên lại" in missing.json()["message"]


async def test_only_the_uploader_reads_an_upload(client: httpx.AsyncClient) -> None:
    upload = (await post(client, "rieng.pdf", pdf_bytes("riêng"), "application/pdf")).json()
    other = await client.get(f"/api/v1/uploads/{upload['id']}", headers=as_citizen(OTHER))
    unknown = await client.get(f"/api/v1/uploads/{'0' * 32}", headers=HEADERS)
    assert other.status_code == unknown.status_code == 404
    assert other.json() == unknown.json() and other.json()["code"] == "upload-not-found"
    anonymous = await client.get(f"/api/v1/uploads/{upload['id']}")
    assert anonymous.status_code == 401


async def test_an_unreachable_bucket_refuses_the_upload_and_changes_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    s3_server: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_s3(monkeypatch, s3_server, "motcua-no-such-bucket")
    response = await post(client, "a.pdf", pdf_bytes("không lưu được"), "application/pdf")
    assert response.status_code == 503, response.text
    assert response.json()["code"] == "storage-unavailable"
    assert "thử lại" in response.json()["message"]
    assert await session.scalar(select(func.count()).select_from(Upload)) == 0
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"MOTCUA_STORAGE": "s3"}, "MOTCUA_S3_BUCKET"),
        (
            {
                "MOTCUA_STORAGE": "s3",
                "MOTCUA_S3_BUCKET": "ho-so",
                "MOTCUA_S3_ACCESS_KEY_ID": "khoa",
            },
            "MOTCUA_S3_SECRET_ACCESS_KEY",
        ),
        (
            {
                "MOTCUA_STORAGE": "s3",
                "MOTCUA_S3_BUCKET": "ho-so",
                "MOTCUA_S3_SECRET_ACCESS_KEY": "bi-mat-khong-duoc-in-ra",
            },
            "MOTCUA_S3_ACCESS_KEY_ID",
        ),
        (
            {
                "MOTCUA_STORAGE": "s3",
                "MOTCUA_S3_BUCKET": "ho-so",
                "MOTCUA_S3_ENDPOINT_URL": "minio:9000",
            },
            "s3_endpoint_url",
        ),
        ({"MOTCUA_STORAGE": "ftp"}, "storage"),
    ],
)
def test_bad_storage_settings_stop_the_start(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], named: str
) -> None:
    for name in ("BUCKET", "ENDPOINT_URL", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY"):
        monkeypatch.delenv(f"MOTCUA_S3_{name}", raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    with pytest.raises(ValidationError, match=named) as error:
        create_app()
    assert "bi-mat" not in str(error.value)  # a secret is never echoed in the start-up error
    get_settings.cache_clear()


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
                {"requirement_key": "giay_chung_sinh", "source": "upload", "upload_id": ids[1]},
            ],
        },
    )
    assert response.status_code == 422
    assert response.json()["code"] == "dossier-too-large"
    assert "293 KB" in response.json()["message"] or "KB" in response.json()["message"]
