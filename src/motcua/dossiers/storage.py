"""Where uploaded bytes live: a folder on disk or an S3-compatible bucket, chosen by
``MOTCUA_STORAGE``. Both are content-addressed the same way (``uploads/<sha[:2]>/<sha256>``),
so the same content is stored once and the hash recorded on the upload is the key to read it.

Bytes are stored before the upload's row is committed, so a request that fails leaves bytes no
row points at; ``dossiers.tasks`` sweeps them once they are older than a grace period. Storing
content that is already there refreshes its age, so the sweep never takes bytes a request has
just stored and is about to record.

The S3 backend uses obstore: natively async, typed (it ships its stubs), one small wheel with no
botocore/aiohttp stack to keep in step, and it speaks to any S3-compatible server.
"""

import asyncio
import hashlib
import logging
import os
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol

import obstore
from obstore.exceptions import BaseError as ObjectStoreError
from obstore.store import S3Store

from motcua.core.errors import DomainError, NotFound
from motcua.core.settings import get_settings
from motcua.dossiers import files

if TYPE_CHECKING:
    from obstore.store import S3Config

log = logging.getLogger(__name__)
SHA256 = re.compile(r"^[0-9a-f]{64}$")


class StoredFileMissing(NotFound):
    """An upload whose bytes are not (or no longer) in the store."""

    code = "stored-file-missing"


class StorageUnavailable(DomainError):
    status_code = 503
    code = "storage-unavailable"


def key_for(sha256: str) -> str:
    """The one naming rule of both backends; refuses anything that is not a SHA-256, so a key
    can never climb out of ``uploads/``."""
    if not SHA256.fullmatch(sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    return f"uploads/{sha256[:2]}/{sha256}"


def hash_of(key: str) -> str | None:
    """The hash a key names, or None for anything else found in the store (a temporary
    ``.incoming-*`` file, a stray object, a hash under the wrong folder)."""
    sha256 = key.rsplit("/", 1)[-1]
    return sha256 if SHA256.fullmatch(sha256) and key == key_for(sha256) else None


class StoredObject(NamedTuple):
    sha256: str
    last_modified: datetime  # aware, UTC


def _missing(sha256: str, where: str) -> StoredFileMissing:
    log.error("stored file %s missing from %s", sha256, where)
    return StoredFileMissing(
        f"Không tìm thấy nội dung tệp (mã băm SHA-256 {sha256}) trong kho lưu trữ. "
        "Hãy tải tệp lên lại; nếu vẫn lỗi, báo quản trị viên hệ thống.",
        sha256=sha256,
    )


def _damaged(sha256: str, where: str) -> StorageUnavailable:
    log.error("stored file %s in %s does not match its hash", sha256, where)
    return StorageUnavailable(
        f"Nội dung tệp (mã băm SHA-256 {sha256}) trong kho lưu trữ không còn nguyên vẹn; "
        "báo quản trị viên hệ thống.",
        code="stored-file-damaged",
        sha256=sha256,
    )


_DOING = {"put": "lưu", "delete": "xoá", "list": "liệt kê"}


def _unavailable(action: str, where: str, error: Exception) -> StorageUnavailable:
    log.error("storage %s failed at %s: %s", action, where, error)
    return StorageUnavailable(
        "Kho lưu trữ tệp đang không phản hồi nên chưa "
        f"{_DOING.get(action, 'đọc')} được tệp; hãy thử lại sau ít phút.",
    )


def _checked(sha256: str, data: bytes, where: str) -> bytes:
    """A read is only good if the bytes still hash to their name."""
    if hashlib.sha256(data).hexdigest() != sha256:
        raise _damaged(sha256, where)
    return data


class Storage(Protocol):
    """Content-addressed bytes: put by hash (returns the key; content already there has its
    age refreshed), get, exists; listing and delete for the sweep of unreferenced bytes."""

    async def put(self, sha256: str, data: bytes) -> str: ...

    async def get(self, sha256: str) -> bytes: ...

    async def exists(self, sha256: str) -> bool: ...

    def listing(self) -> AsyncIterator[StoredObject]: ...

    async def delete(self, sha256: str, *, modified_before: datetime | None = None) -> bool:
        """True if deleted; False if missing or (with ``modified_before``) stored again since,
        checked just before deleting so a put racing the sweep keeps its bytes."""
        ...


def _modified(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def _refresh_or_store(root: Path, sha256: str, data: bytes) -> None:
    """The same bytes are already there if the file exists: touching it is enough."""
    try:
        os.utime(files.path_for(root, sha256))
    except FileNotFoundError:
        files.store(root, sha256, data)


def _listed(folder: Path) -> list[StoredObject]:
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            sha256 = hash_of(f"uploads/{folder.name}/{entry.name}")
            if sha256 is None or not entry.is_file():
                continue
            try:
                modified = datetime.fromtimestamp(entry.stat().st_mtime, UTC)
            except FileNotFoundError:  # deleted since the folder was read
                continue
            found.append(StoredObject(sha256, modified))
    return found


def _subfolders(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_dir())
    except FileNotFoundError:
        return []


def _delete(path: Path, modified_before: datetime | None) -> bool:
    try:
        if modified_before is not None and _modified(path) >= modified_before:
            return False
        path.unlink()
    except FileNotFoundError:
        return False
    return True


class FileStorage:
    """A folder on disk (``MOTCUA_STORAGE_DIR``); writes are atomic (temporary file, rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    async def put(self, sha256: str, data: bytes) -> str:
        key = key_for(sha256)
        await asyncio.to_thread(_refresh_or_store, self.root, sha256, data)
        return key

    async def get(self, sha256: str) -> bytes:
        key_for(sha256)
        path = files.path_for(self.root, sha256)
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise _missing(sha256, str(path)) from None
        return _checked(sha256, data, str(path))

    async def exists(self, sha256: str) -> bool:
        key_for(sha256)
        return await asyncio.to_thread(files.path_for(self.root, sha256).is_file)

    async def listing(self) -> AsyncIterator[StoredObject]:
        """One ``uploads/<xx>`` folder read at a time, so memory stays small however many."""
        for folder in await asyncio.to_thread(_subfolders, self.root / "uploads"):
            for stored in await asyncio.to_thread(_listed, folder):
                yield stored

    async def delete(self, sha256: str, *, modified_before: datetime | None = None) -> bool:
        key_for(sha256)
        path = files.path_for(self.root, sha256)
        return await asyncio.to_thread(_delete, path, modified_before)


class S3Storage:
    """An S3-compatible bucket. Every put writes, even content already there: S3 has no
    portable way to refresh an object's age without rewriting it (copying an object onto
    itself unchanged is refused). A concurrent put of the same content writes the same bytes,
    so plain (portable) puts are safe without a lock."""

    def __init__(self, store: S3Store, bucket: str) -> None:
        self.store = store
        self.bucket = bucket

    def _where(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    async def put(self, sha256: str, data: bytes) -> str:
        key = key_for(sha256)
        try:
            await obstore.put_async(self.store, key, data)
        except (ObjectStoreError, OSError) as error:  # a missing bucket is a FileNotFoundError
            raise _unavailable("put", self._where(key), error) from error
        return key

    async def get(self, sha256: str) -> bytes:
        key = key_for(sha256)
        try:
            result = await obstore.get_async(self.store, key)
            data = bytes(await result.bytes_async())
        except FileNotFoundError:
            raise _missing(sha256, self._where(key)) from None
        except (ObjectStoreError, OSError) as error:
            raise _unavailable("get", self._where(key), error) from error
        return _checked(sha256, data, self._where(key))

    async def exists(self, sha256: str) -> bool:
        key = key_for(sha256)
        try:
            await obstore.head_async(self.store, key)
        except FileNotFoundError:
            return False
        except (ObjectStoreError, OSError) as error:
            raise _unavailable("head", self._where(key), error) from error
        return True

    async def listing(self) -> AsyncIterator[StoredObject]:
        try:
            async for batch in obstore.list(self.store, prefix="uploads/", chunk_size=1000):
                for meta in batch:
                    sha256 = hash_of(meta["path"])
                    if sha256 is not None:
                        yield StoredObject(sha256, meta["last_modified"])
        except (ObjectStoreError, OSError) as error:
            raise _unavailable("list", self._where("uploads/"), error) from error

    async def delete(self, sha256: str, *, modified_before: datetime | None = None) -> bool:
        key = key_for(sha256)
        try:
            meta = await obstore.head_async(self.store, key)
            if modified_before is not None and meta["last_modified"] >= modified_before:
                return False
            await obstore.delete_async(self.store, key)
        except FileNotFoundError:
            return False
        except (ObjectStoreError, OSError) as error:
            raise _unavailable("delete", self._where(key), error) from error
        return True


def s3_store(
    bucket: str,
    region: str,
    endpoint: str | None = None,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
) -> S3Store:
    """Without an endpoint, AWS itself; without keys, the usual AWS_* environment or instance
    credentials (obstore reads them)."""
    config: S3Config = {"region": region}
    if endpoint:
        config["endpoint"] = endpoint
    if access_key_id is not None and secret_access_key is not None:
        config["access_key_id"] = access_key_id
        config["secret_access_key"] = secret_access_key
    return S3Store(
        bucket,
        config=config,
        client_options={
            "allow_http": (endpoint or "").startswith("http://"),
            "connect_timeout": timedelta(seconds=5),
            "timeout": timedelta(seconds=60),
        },
        retry_config={"max_retries": 3, "retry_timeout": timedelta(seconds=30)},
    )


@lru_cache(maxsize=4)
def _build(
    kind: str,
    root: Path,
    bucket: str | None,
    region: str,
    endpoint: str | None,
    access_key_id: str | None,
    secret_access_key: str | None,
) -> Storage:
    """One store per configuration, so the S3 client's connections are reused."""
    if kind == "s3":
        assert bucket is not None  # Settings refuses s3 without a bucket
        store = s3_store(bucket, region, endpoint, access_key_id, secret_access_key)
        return S3Storage(store, bucket)
    return FileStorage(root)


def get_storage() -> Storage:
    """The store the settings name (``MOTCUA_STORAGE``)."""
    settings = get_settings()
    secret = settings.s3_secret_access_key
    return _build(
        settings.storage,
        settings.storage_dir,
        settings.s3_bucket,
        settings.s3_region,
        settings.s3_endpoint_url,
        settings.s3_access_key_id,
        secret.get_secret_value() if secret is not None else None,
    )
