"""Uploaded files: type from content (signature, then a real parser: ``inspect``), safe names,
content-addressed storage."""

import io
import os
import re
import tempfile
import unicodedata
import zlib
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

# Only what a one-stop office accepts as a scan or an electronic document.
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
_UNSAFE = re.compile(r"[^\w.()\- ]+")
_SPACES = re.compile(r"[\s_]+")
MAX_NAME = 120


def detect_media_type(data: bytes) -> str | None:
    """The type the bytes are, whatever the name or the declared type say; None if not allowed.

    The structure is checked at both ends, so a file that merely starts with a signature
    (a script or archive behind ``%PDF-``) is refused too."""
    if data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]:
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and b"IEND" in data[-1024:]:
        return "image/png"
    if data.startswith(b"\xff\xd8\xff") and b"\xff\xd9" in data[-1024:]:
        return "image/jpeg"
    return None


def sanitise_file_name(name: str, media_type: str) -> str:
    """A name safe to show and to put in a header: no path, no control characters, the
    extension of the detected type, Vietnamese letters kept."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _SPACES.sub("_", _UNSAFE.sub("_", name)).strip("._- ")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem.strip("._- ") or "tep"
    extension = EXTENSIONS[media_type]
    return stem[: MAX_NAME - len(extension)] + extension


def path_for(storage_dir: Path, sha256: str) -> Path:
    return storage_dir / "uploads" / sha256[:2] / sha256


def store(storage_dir: Path, sha256: str, data: bytes) -> Path:
    """Write once per content: an existing file with this hash is the same bytes already.
    Written to a temporary file and renamed, so a reader never sees half a file."""
    target = path_for(storage_dir, sha256)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


# --- content checked by real parsers ------------------------------------------------------------

# Executables and archives never belong inside a scan or a document, whatever wraps them.
FOREIGN = (
    (b"This program cannot be run in DOS mode", "một chương trình chạy được (Windows)"),
    (b"\x7fELF\x01\x01\x01", "một chương trình chạy được (Linux)"),
    (b"\x7fELF\x02\x01\x01", "một chương trình chạy được (Linux)"),
    (b"PK\x03\x04\x14\x00", "một tệp nén (ZIP)"),
    (b"PK\x03\x04\x0a\x00", "một tệp nén (ZIP)"),
    (b"Rar!\x1a\x07", "một tệp nén (RAR)"),
    (b"7z\xbc\xaf\x27\x1c", "một tệp nén (7z)"),
)
# PDF names of what runs by itself or carries other files.
ACTIVE = {
    "/JS": "mã JavaScript",
    "/JavaScript": "mã JavaScript",
    "/Launch": "lệnh mở chương trình khác",
    "/EmbeddedFile": "tệp khác đính kèm bên trong",
    "/EmbeddedFiles": "tệp khác đính kèm bên trong",
    "/RichMedia": "nội dung đa phương tiện chạy được",
    "/XFA": "biểu mẫu động (XFA)",
    "/SubmitForm": "lệnh gửi dữ liệu đi nơi khác",
    "/ImportData": "lệnh nhập dữ liệu từ nơi khác",
}
MAX_PDF_OBJECTS = 200_000
PNG_END = b"IEND\xaeB`\x82"
ADVICE = "Hãy in ra PDF hoặc quét lại tài liệu thành tệp mới rồi tải lên."


def inspect(data: bytes, media_type: str, *, max_decoded: int, max_pixels: int) -> str | None:
    """Why this file is refused, in words for the person; None when it is a plain document.
    PDFs are opened with pypdf and every object reachable from the trailer is looked at, every
    compressed stream inflated and counted; images are decoded by Pillow with a pixel cap."""
    for signature, what in FOREIGN:
        if signature in data:
            return f"Tệp có chứa {what} bên trong. {ADVICE}"
    if media_type == "application/pdf":
        return _pdf_problem(data, max_decoded)
    return _image_problem(data, media_type, max_pixels)


def _pdf_problem(data: bytes, max_decoded: int) -> str | None:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            return "Tệp PDF có đặt mật khẩu nên không kiểm tra được nội dung. " + ADVICE
        seen: set[tuple[int, int]] = set()
        todo: list[object] = [reader.trailer]
        decoded = 0
        while todo:
            item = todo.pop()
            if isinstance(item, IndirectObject):
                if (item.idnum, item.generation) in seen:
                    continue
                seen.add((item.idnum, item.generation))
                if len(seen) > MAX_PDF_OBJECTS:
                    return "Tệp PDF có quá nhiều đối tượng. " + ADVICE
                item = item.get_object()
            if isinstance(item, DictionaryObject):
                for key, value in item.items():
                    what = ACTIVE.get(str(key)) or ACTIVE.get(str(value))
                    if what is not None:
                        return f"Tệp PDF có chứa {what}, không được phép trong hồ sơ. {ADVICE}"
                    todo.append(value)
                if isinstance(item, StreamObject) and "/FlateDecode" in str(item.get("/Filter")):
                    decoded += _inflated_size(item._data, max_decoded - decoded)
                    if decoded > max_decoded:
                        return (
                            "Tệp PDF giải nén ra quá lớn (có thể là tệp cố ý gây quá tải). "
                            + ADVICE
                        )
            elif isinstance(item, ArrayObject):
                todo.extend(item)
    except (PyPdfError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return "Tệp PDF bị hỏng, không mở được. " + ADVICE
    return None


def _inflated_size(raw: bytes, room: int) -> int:
    """Bytes a Flate stream inflates to, counted in chunks (never held) up to ``room`` + 1."""
    inflater, total, pending = zlib.decompressobj(), 0, raw
    try:
        while pending and total <= room:
            total += len(inflater.decompress(pending, 1 << 20))
            pending = inflater.unconsumed_tail
    except zlib.error:
        return total  # a damaged stream: viewers show what inflates, so that is what counts
    return total


def _image_problem(data: bytes, media_type: str, max_pixels: int) -> str | None:
    if media_type == "image/png" and not data.endswith(PNG_END):
        return "Tệp ảnh PNG có dữ liệu lạ nối sau phần ảnh. " + ADVICE
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > max_pixels:
                return (
                    f"Ảnh quá lớn ({width}×{height} điểm ảnh); tối đa {max_pixels:,} điểm ảnh. "
                    "Hãy quét lại ở độ phân giải thấp hơn (200–300 dpi là đủ)."
                ).replace(",", ".")
            expected = "PNG" if media_type == "image/png" else "JPEG"
            if image.format != expected:
                return f"Tệp không phải ảnh {expected} thật. " + ADVICE
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # decoded in full: a truncated or corrupt image is refused here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return "Tệp ảnh bị hỏng, không mở được. " + ADVICE
    return None
