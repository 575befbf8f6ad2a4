"""Personal numbers never reach a log whole (core.logs): the filter on its own, a module's log
record captured after the app installed it, and the access log of the app served by uvicorn
in its own process, where request paths and queries carry numbers."""

import logging
import os
import subprocess
import sys
import time

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from motcua.core import logs
from tests.served import free_port

NUMBER = "001084000101"  # synthetic
MASKED = "001******101"


def _record(msg: str, args: object = None, exc: bool = False) -> logging.LogRecord:
    info = None
    if exc:
        try:
            raise ValueError(f"không có người {NUMBER}")
        except ValueError:
            info = sys.exc_info()
    return logging.LogRecord("motcua.test", logging.INFO, __file__, 1, msg, args, info)  # type: ignore[arg-type]


def test_the_filter_masks_message_arguments_and_exception_text() -> None:
    masks = logs.PersonalNumberFilter()
    record = _record("đọc %s cho %s", (NUMBER, int(NUMBER[1:])))
    masks.filter(record)
    assert record.getMessage() == f"đọc {MASKED} cho 1084000101"  # 11 digits: not a number
    keyed = _record("đọc %(who)s", ({"who": NUMBER},))
    masks.filter(keyed)
    assert keyed.getMessage() == f"đọc {MASKED}"
    failed = _record("lỗi", exc=True)
    masks.filter(failed)
    assert NUMBER not in logging.Formatter().format(failed)
    assert MASKED in logging.Formatter().format(failed)


def test_only_twelve_digit_numbers_standing_alone_are_masked() -> None:
    digest = "ab001084000101cd" + "0" * 48  # a hex digest is not a number
    kept = f"000.00.00.G15-251205-0001 ma 1234567890123 va 12345678901 {digest}"
    assert logs.mask_numbers(kept) == kept
    assert logs.mask_numbers(f"?subject={NUMBER}&x=1") == f"?subject={MASKED}&x=1"
    assert logs.mask_numbers(f"/ho-so/{NUMBER}/x, ({NUMBER})") == f"/ho-so/{MASKED}/x, ({MASKED})"


def test_a_modules_log_line_is_masked_once_installed(caplog: pytest.LogCaptureFixture) -> None:
    logs.install()
    with caplog.at_level(logging.INFO, logger="motcua"):
        logging.getLogger("motcua.exchange.tasks").warning("đọc thất bại cho %s", NUMBER)
        logging.getLogger("motcua.dossiers").info(f"hồ sơ của {NUMBER}")
    assert NUMBER not in caplog.text
    assert caplog.text.count(MASKED) == 2


def test_the_served_apps_access_log_masks_numbers_in_paths_and_queries(
    engine: AsyncEngine, database_url: str
) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "motcua.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "info"],
        env=os.environ | {"MOTCUA_DATABASE_URL": database_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                httpx.get(f"{base}/static/motcua.css", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        store = "/api/v1/workflow/results/registry/direct/ket_qua/ket_qua.giay_khai_sinh/records"
        answered = httpx.get(f"{base}{store}", params={"subject": NUMBER})
        assert answered.status_code == 401  # the store's own credential is required
        assert httpx.get(f"{base}/ho-so-cua-toi/{NUMBER}").status_code in (303, 404, 422)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    text = output.decode("utf-8", "replace")
    assert "GET /api/v1/workflow/results/registry/direct" in text  # the access log ran
    assert NUMBER not in text
    assert f"subject={MASKED}" in text and f"/ho-so-cua-toi/{MASKED}" in text
