"""Upload content opened by real parsers (pypdf, Pillow), not judged by its first and last
bytes: active PDFs, archives or programs inside, decompression bombs, oversized and polyglot
images are refused with a Vietnamese message naming the file, and nothing is stored."""

import io
import zlib
from collections.abc import Callable, Iterator

import httpx
import pytest
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    StreamObject,
    TextStringObject,
)
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.settings import get_settings
from motcua.dossiers.models import Upload
from tests.dossiers.conftest import Backend, jpeg_bytes, pdf_bytes, png_bytes
from tests.dossiers.test_uploads import post

PROGRAM = b"MZ\x90\x00" + b"\x00" * 60 + b"This program cannot be run in DOS mode.\r\r\n$"


def _written(build: Callable[[PdfWriter], None]) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    build(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _open_action(kind: str, **entries: str) -> Callable[[PdfWriter], None]:
    def build(writer: PdfWriter) -> None:
        action = DictionaryObject({NameObject("/S"): NameObject(kind)})
        for key, value in entries.items():
            action[NameObject(f"/{key}")] = TextStringObject(value)
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)

    return build


def _named_script(writer: PdfWriter) -> None:
    """A document-level script in the /Names tree, run when the document opens."""
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("1")}
    )
    tree = DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("a"), writer._add_object(action)])}
    )
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/JavaScript"): writer._add_object(tree)}
    )


def _bomb(writer: PdfWriter) -> None:
    stream = StreamObject()
    stream._data = zlib.compress(b"\x00" * (4 * 1024 * 1024), 9)
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    writer.pages[0][NameObject("/Contents")] = writer._add_object(stream)


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("L", (width, height)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def caps(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("MOTCUA_UPLOAD_MAX_DECODED_BYTES", str(1024 * 1024))
    monkeypatch.setenv("MOTCUA_UPLOAD_MAX_PIXELS", "1000000")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _with_stream(writer: PdfWriter) -> None:
    content = DecodedStreamObject()
    content.set_data(b"BT /F1 12 Tf 72 720 Td (To khai - du lieu thu) Tj ET")
    writer.pages[0][NameObject("/Contents")] = writer._add_object(content)


REFUSED = [
    ("javascript.pdf", _written(_named_script), "JavaScript"),
    ("mo-tu-dong.pdf", _written(_open_action("/JavaScript", JS="app.alert(1)")), "JavaScript"),
    ("chay-lenh.pdf", _written(_open_action("/Launch", F="calc.exe")), "mở chương trình"),
    (
        "dinh-kem.pdf",
        _written(lambda w: w.add_attachment("ghi-chu.txt", b"du lieu thu")),
        "đính kèm",
    ),
    (
        "xen-giua.pdf",
        pdf_bytes().replace(b"%%EOF", PROGRAM + b"\n%%EOF"),
        "chương trình chạy được",
    ),
    ("bom.pdf", _written(_bomb), "giải nén ra quá lớn"),
    ("hong.pdf", b"%PDF-1.7\n1 0 obj <</Type /Catalog>>\n%%EOF\n", "bị hỏng"),
    ("lon.png", _png(1200, 1000), "Ảnh quá lớn"),
    ("noi-duoi.png", png_bytes() + b"PK\x03\x04\x14\x00zip", "ZIP"),
    ("noi-duoi-2.png", png_bytes() + b"<?php echo 1; ?>", "dữ liệu lạ"),
    ("anh-zip.jpg", jpeg_bytes()[:-2] + b"PK\x03\x04\x0a\x00zip\xff\xd9", "ZIP"),
    ("cut.jpg", jpeg_bytes()[:40] + b"\xff\xd9", "bị hỏng"),
]


@pytest.mark.parametrize(("name", "data", "words"), REFUSED, ids=[r[0] for r in REFUSED])
async def test_unsafe_content_is_refused_in_vietnamese(
    caps: None,
    client: httpx.AsyncClient,
    session: AsyncSession,
    backend: Backend,
    name: str,
    data: bytes,
    words: str,
) -> None:
    declared = "image/png" if name.endswith(".png") else "application/pdf"
    response = await post(client, name, data, declared)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] in ("file-content-refused", "file-type-not-allowed"), body
    assert name in body["message"] and words in body["message"], body["message"]
    assert await session.scalar(select(func.count()).select_from(Upload)) == 0
    assert backend.keys() == []


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("to-khai.pdf", _written(_with_stream), "application/pdf"),
        ("ban-sao.pdf", pdf_bytes(), "application/pdf"),
        ("anh.png", _png(800, 600), "image/png"),
        ("anh.jpg", jpeg_bytes(), "image/jpeg"),
    ],
)
async def test_plain_documents_pass(
    caps: None,
    client: httpx.AsyncClient,
    session: AsyncSession,
    backend: Backend,
    name: str,
    data: bytes,
    kind: str,
) -> None:
    response = await post(client, name, data, kind)
    assert response.status_code == 201, response.text
    assert response.json()["media_type"] == kind
    assert await session.scalar(select(func.count()).select_from(Upload)) == 1
