"""Sweeping stored bytes no upload points at (left by requests that failed), on disk and on an
S3-compatible server: only old, unreferenced objects go, and storing content again makes it
young again; the worker sweeps at most once an hour; ``motcua storage sweep``."""

import asyncio
import hashlib
import logging
import os
import secrets
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner

from motcua.cli import app
from motcua.core import clock
from motcua.core.settings import get_settings
from motcua.dossiers import files
from motcua.dossiers.models import Upload
from motcua.dossiers.storage import Storage, get_storage
from motcua.dossiers.tasks import HourlySweep, grace_period, sweep_unreferenced_files
from tests.dossiers.conftest import APPLICANT, Backend, jpeg_bytes, pdf_bytes, png_bytes, use_s3

HOUR = timedelta(hours=1)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def stored_times(store: Storage) -> dict[str, datetime]:
    return {stored.sha256: stored.last_modified async for stored in store.listing()}


async def let_time_pass(backend: Backend) -> None:
    """Make everything stored so far older than whatever is stored next: backdated on disk,
    waited out on S3 (its times are to the second)."""
    if backend.kind == "s3":
        await asyncio.sleep(1.1)
        return
    past = time.time() - 2 * 3600
    for path in (backend.root / "uploads").rglob("*"):
        os.utime(path, (past, past))


def plant(backend: Backend, key: str) -> None:
    """An object the app did not write (junk, a temporary file)."""
    if backend.kind == "file":
        (backend.root / key).parent.mkdir(parents=True, exist_ok=True)
    backend.replace(key, b"not an upload")


def record(session: AsyncSession, data: bytes) -> None:
    session.add(
        Upload(
            id=secrets.token_hex(16),
            owner_number=APPLICANT,
            sha256=digest(data),
            media_type="application/pdf",
            size=len(data),
            file_name="to-khai.pdf",
            created_at=clock.now(),
        )
    )


async def test_listing_names_each_stored_object_and_nothing_else(backend: Backend) -> None:
    store = get_storage()
    assert await stored_times(store) == {}
    contents = [pdf_bytes("một"), png_bytes(1)]
    for data in contents:
        await store.put(digest(data), data)
    sha = digest(contents[0])
    elsewhere = "00" if sha[:2] != "00" else "01"
    for junk in [
        f"uploads/{sha[:2]}/.incoming-k3x9q1",
        f"uploads/{sha[:2]}/ghi-chu.txt",
        f"uploads/{elsewhere}/{sha}",
        f"uploads/{sha}",
        f"khac/{sha[:2]}/{sha}",
    ]:
        plant(backend, junk)
    listed = await stored_times(store)
    assert set(listed) == {digest(data) for data in contents}
    for moment in listed.values():
        assert moment.utcoffset() == timedelta(0)
        assert abs(clock.now() - moment) < timedelta(minutes=1)


async def test_the_sweep_deletes_only_old_files_no_upload_points_at(
    session: AsyncSession, backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    store = get_storage()
    abandoned = [pdf_bytes("bỏ dở 1"), pdf_bytes("bỏ dở 2")]
    recorded = pdf_bytes("đã ghi nhận")
    stored_again = png_bytes(3)
    for data in [*abandoned, recorded, stored_again]:
        await store.put(digest(data), data)
    temporary = f"uploads/{digest(recorded)[:2]}/.incoming-dang-ghi"
    plant(backend, temporary)
    record(session, recorded)
    await session.flush()
    await let_time_pass(backend)
    young = jpeg_bytes()
    await store.put(digest(young), young)
    await store.put(digest(stored_again), stored_again)  # a request storing it once more
    times = await stored_times(store)
    # An hour after the recent puts: everything stored before them is more than an hour old.
    now = min(times[digest(young)], times[digest(stored_again)]) + HOUR

    with caplog.at_level(logging.INFO, logger="motcua.dossiers.tasks"):
        removed = await sweep_unreferenced_files(session, store, HOUR, now=now)
    assert removed == 2
    assert set(await stored_times(store)) == {digest(d) for d in (recorded, stored_again, young)}
    left = backend.keys()
    assert temporary in left
    for data in abandoned:
        assert digest(data) in caplog.text
    assert await sweep_unreferenced_files(session, store, HOUR, now=now) == 0

    ten_years_on = now + timedelta(days=3650)
    assert await sweep_unreferenced_files(session, store, timedelta(0), now=ten_years_on) == 2
    assert set(await stored_times(store)) == {digest(recorded)}
    assert await store.get(digest(recorded)) == recorded


async def test_delete_is_quiet_when_missing_and_spares_a_newer_put(backend: Backend) -> None:
    store = get_storage()
    data = png_bytes(9)
    sha = digest(data)
    assert await store.delete(sha) is False
    await store.put(sha, data)
    stored_at = (await stored_times(store))[sha]
    assert await store.delete(sha, modified_before=stored_at) is False
    assert await store.exists(sha)
    assert await store.delete(sha, modified_before=stored_at + timedelta(seconds=1)) is True
    assert backend.keys() == []
    with pytest.raises(ValueError, match="SHA-256"):
        await store.delete("../../etc/passwd")


async def test_the_worker_sweeps_at_most_once_an_hour(
    sessions: async_sessionmaker[AsyncSession], backend: Backend
) -> None:
    store = get_storage()
    first, second = pdf_bytes("lần 1"), pdf_bytes("lần 2")
    await store.put(digest(first), first)
    sweep = HourlySweep()
    start = clock.now() + grace_period() + timedelta(minutes=1)
    assert await sweep.tick(sessions, start) == 1
    await store.put(digest(second), second)
    assert await sweep.tick(sessions, start + timedelta(minutes=59)) == 0
    assert await store.exists(digest(second))
    assert await sweep.tick(sessions, start + timedelta(minutes=61)) == 1
    assert backend.keys() == []


async def test_a_store_that_does_not_answer_does_not_stop_the_worker(
    sessions: async_sessionmaker[AsyncSession],
    s3_server: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    use_s3(monkeypatch, s3_server, "motcua-no-such-bucket")
    assert await HourlySweep().tick(sessions, clock.now()) == 0
    assert "sweeping unreferenced stored files failed" in caplog.text
    get_settings.cache_clear()


@pytest.mark.parametrize("hours", ["0", "-6"])
def test_the_grace_period_must_be_positive(monkeypatch: pytest.MonkeyPatch, hours: str) -> None:
    monkeypatch.setenv("MOTCUA_UPLOAD_SWEEP_AFTER_HOURS", hours)
    get_settings.cache_clear()
    with pytest.raises(ValidationError, match="upload_sweep_after_hours"):
        get_settings()


def test_the_cli_sweeps_with_the_configured_grace_period(
    own_database: None, storage: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = pdf_bytes("hôm kia"), pdf_bytes("vừa xong")
    for data in (old, new):
        files.store(storage, digest(data), data)
    day_and_a_bit_ago = time.time() - 25 * 3600
    os.utime(files.path_for(storage, digest(old)), (day_and_a_bit_ago, day_and_a_bit_ago))
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0

    monkeypatch.setenv("MOTCUA_UPLOAD_SWEEP_AFTER_HOURS", "48")
    get_settings.cache_clear()
    kept = runner.invoke(app, ["storage", "sweep"])
    assert kept.exit_code == 0, kept.output
    assert kept.output.strip() == "0 unreferenced files removed."

    monkeypatch.delenv("MOTCUA_UPLOAD_SWEEP_AFTER_HOURS")
    get_settings.cache_clear()
    swept = runner.invoke(app, ["storage", "sweep"])
    assert swept.exit_code == 0, swept.output
    assert swept.output.strip() == "1 unreferenced files removed."
    assert not files.path_for(storage, digest(old)).exists()
    assert files.path_for(storage, digest(new)).exists()
