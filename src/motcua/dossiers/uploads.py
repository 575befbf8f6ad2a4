"""Uploaded files: stored once per content, refused unless really PDF, JPEG or PNG, and
given back only to the person who uploaded them."""

import hashlib
import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock
from motcua.core.errors import DomainError, Invalid, NotFound
from motcua.core.settings import get_settings
from motcua.dossiers import files, service
from motcua.dossiers.models import Upload
from motcua.dossiers.schemas import UploadOut
from motcua.dossiers.service import require_person
from motcua.dossiers.storage import get_storage


class TooLarge(DomainError):
    status_code = 413
    code = "file-too-large"


async def upload(session: AsyncSession, *, owner: str, file_name: str, data: bytes) -> UploadOut:
    """Store a file once per content; refuse anything that is not really PDF, JPEG or PNG."""
    owner = require_person(owner)
    settings = get_settings()
    shown = file_name or "tệp"
    if len(data) > settings.upload_max_bytes:
        raise TooLarge(
            f"Tệp “{shown}” lớn hơn giới hạn "
            f"{service.file_size_words(settings.upload_max_bytes)} cho mỗi tệp.",
            file_name=shown,
            limit_bytes=settings.upload_max_bytes,
        )
    if not data:
        raise Invalid(f"Tệp “{shown}” rỗng.", code="empty-file", file_name=shown)
    media_type = files.detect_media_type(data)
    if media_type is None:
        raise Invalid(
            f"Tệp “{shown}” không phải PDF, JPEG hay PNG (kiểm tra theo nội dung tệp, "
            "không theo đuôi tên); hãy quét hoặc lưu lại đúng định dạng.",
            code="file-type-not-allowed",
            file_name=shown,
            allowed=sorted(files.EXTENSIONS),
        )
    problem = files.inspect(
        data,
        media_type,
        max_decoded=settings.upload_max_decoded_bytes,
        max_pixels=settings.upload_max_pixels,
    )
    if problem is not None:
        raise Invalid(f"Tệp “{shown}”: {problem}", code="file-content-refused", file_name=shown)
    sha256 = hashlib.sha256(data).hexdigest()
    await get_storage().put(sha256, data)
    row = Upload(
        id=secrets.token_hex(16),
        owner_number=owner,
        sha256=sha256,
        media_type=media_type,
        size=len(data),
        file_name=files.sanitise_file_name(file_name, media_type),
        created_at=clock.now(),
    )
    session.add(row)
    await session.flush()
    return UploadOut.model_validate(row)


async def read_upload(
    session: AsyncSession, upload_id: str, person: str
) -> tuple[UploadOut, bytes]:
    """The bytes of an upload, for the person who uploaded it; anyone else gets the same 404
    as for an unknown id. The bytes are checked against the recorded hash on the way out."""
    person = require_person(person, "person")
    row = await session.get(Upload, upload_id)
    if row is None or row.owner_number != person:
        raise NotFound("Không có tệp này trong các tệp bạn đã tải lên.", code="upload-not-found")
    return UploadOut.model_validate(row), await get_storage().get(row.sha256)
