"""Uploaded files: type from content (magic bytes), safe names, content-addressed storage."""

import os
import re
import tempfile
import unicodedata
from pathlib import Path

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
