"""Dossier fixtures: a storage folder per test (and an S3 bucket on a real S3-compatible server
for the storage tests), test procedures, real file bytes."""

import io
import logging
import secrets
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import obstore
import pytest
from moto.server import ThreadedMotoServer
from obstore.store import S3Store
from PIL import Image
from pypdf import PdfWriter
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import service as catalog
from motcua.catalog.schemas import CatalogDocument, ProcedureDoc
from motcua.core.settings import get_settings

APPLICANT = "001084000123"
OTHER = "079190000456"
OFFICER = "001090000789"
AGENCY = "000.00.00.G15"


@pytest.fixture(autouse=True)
def storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "storage"
    monkeypatch.setenv("MOTCUA_STORAGE_DIR", str(folder))
    monkeypatch.setenv("MOTCUA_UPLOAD_MAX_BYTES", str(200_000))
    monkeypatch.setenv("MOTCUA_DOSSIER_MAX_BYTES", str(300_000))
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """A real S3-compatible server (moto) on a free loopback port, for the whole run."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@dataclass
class Backend:
    """What a test sees of the store the app writes to, read independently of the app's code."""

    kind: str
    root: Path
    bucket: str = ""
    store: S3Store | None = None

    def keys(self) -> list[str]:
        if self.store is None:
            folder = self.root / "uploads"
            found = folder.rglob("*") if folder.exists() else iter(())
            return sorted(str(p.relative_to(self.root)) for p in found if p.is_file())
        return sorted(meta["path"] for batch in obstore.list(self.store) for meta in batch)

    def read(self, key: str) -> bytes:
        if self.store is None:
            return (self.root / key).read_bytes()
        return bytes(obstore.get(self.store, key).bytes())

    def replace(self, key: str, data: bytes | None) -> None:
        """Change or (None) remove an object behind the app's back."""
        if self.store is None:
            if data is None:
                (self.root / key).unlink()
            else:
                (self.root / key).write_bytes(data)
        elif data is None:
            obstore.delete(self.store, key)
        else:
            obstore.put(self.store, key, data)


S3_KEYS = {"access_key_id": "motcua-test", "secret_access_key": "motcua-test-secret"}


def use_s3(monkeypatch: pytest.MonkeyPatch, endpoint: str, bucket: str) -> None:
    monkeypatch.setenv("MOTCUA_STORAGE", "s3")
    monkeypatch.setenv("MOTCUA_S3_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("MOTCUA_S3_BUCKET", bucket)
    monkeypatch.setenv("MOTCUA_S3_ACCESS_KEY_ID", S3_KEYS["access_key_id"])
    monkeypatch.setenv("MOTCUA_S3_SECRET_ACCESS_KEY", S3_KEYS["secret_access_key"])
    get_settings.cache_clear()


@pytest.fixture(params=["file", "s3"])
def backend(
    request: pytest.FixtureRequest, storage: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Backend]:
    """Each storage test runs on disk and on S3 (a fresh bucket on the moto server)."""
    if request.param == "file":
        yield Backend("file", storage)
        return
    endpoint = request.getfixturevalue("s3_server")
    bucket = f"motcua-{secrets.token_hex(6)}"
    created = httpx.put(f"{endpoint}/{bucket}")  # CreateBucket
    assert created.status_code == 200, created.text
    use_s3(monkeypatch, endpoint, bucket)
    store = S3Store(
        bucket,
        endpoint=endpoint,
        region="us-east-1",
        client_options={"allow_http": True},
        **S3_KEYS,
    )
    yield Backend("s3", storage, bucket, store)
    get_settings.cache_clear()


def procedure(code: str, **changes: Any) -> ProcedureDoc:
    fields: dict[str, Any] = {
        "code": code,
        "name": f"Thủ tục thử nghiệm {code} (dữ liệu tổng hợp)",
        "sector": "Hộ tịch",
        # Settled at its ministry: filed there unless the applicant names another agency.
        "levels": ["ministry"],
        "managing_agency": AGENCY,
        "processing_days": 5,
        "fees": [{"description": "Lệ phí (dữ liệu tổng hợp)", "amount_vnd": 50000}],
        "online_level": "full",
        "synthetic": True,
        "requirements": [
            {"key": "to_khai", "name": "Tờ khai đăng ký"},
            {
                "key": "giay_chung_sinh",
                "name": "Giấy chứng sinh",
                "evidence_type": "health.birth_certificate",
                "subject": "mother",
                "fields": ["mother_full_name", "date_of_birth"],
            },
            {"key": "ban_sao", "name": "Bản sao giấy tờ khác", "mandatory": False},
        ],
    }
    fields.update(changes)
    return ProcedureDoc.model_validate(fields)


@pytest.fixture
async def procedures(session: AsyncSession) -> dict[str, str]:
    """A full-process procedure with a fee, one offered only at the counter, one draft."""
    await catalog.import_document(
        session,
        CatalogDocument(
            procedures=[
                procedure("9.990001"),
                procedure("9.990002", online_level="none", fees=[]),
                procedure("9.990003", status="draft"),
            ]
        ),
    )
    await session.flush()
    return {"online": "9.990001", "counter_only": "9.990002", "draft": "9.990003"}


def pdf_bytes(text: str = "hồ sơ") -> bytes:
    """A real one-page PDF (uploads are opened by a PDF parser), titled ``text``."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes(seed: int = 0) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(bytes([0, seed % 256, 0, 0]))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    """A real 2×2 JPEG (uploads are decoded by Pillow)."""
    out = io.BytesIO()
    Image.new("RGB", (2, 2), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


def registry_item(evidence_item: int, key: str = "giay_chung_sinh") -> dict[str, Any]:
    """A registry item cites the read the platform made (``tests.fetched``), never a value."""
    return {"requirement_key": key, "source": "registry", "evidence_item": evidence_item}


def counter_item(key: str = "giay_chung_sinh") -> dict[str, Any]:
    """What an officer at the counter typed for a requirement."""
    return {
        "requirement_key": key,
        "source": "counter",
        "value": {"so_giay_chung_sinh": "CS-0001 (dữ liệu tổng hợp)"},
    }
