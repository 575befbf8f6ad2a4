"""``motcua legacy`` in its own process, as ``make run`` runs it: the demo file lands with its
workflow cases, a second run imports nothing twice, a bad file names its problems by row."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

MOTCUA = [sys.executable, "-m", "motcua.cli"]


def run(args: list[str], database: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MOTCUA_DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    return subprocess.run(
        [*MOTCUA, *args], env=env, capture_output=True, text=True, timeout=600, check=False
    )


def test_demo_import_in_its_own_process_opens_workflow_cases(tmp_path: Path) -> None:
    database = tmp_path / "legacy.db"
    seeded = run(["seed", "--synthetic", "0"], database)
    assert seeded.returncode == 0, seeded.stderr
    first = run(["legacy", "demo"], database)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("HUE-2025-") == 3 and "mã tra cứu" in first.stdout
    again = run(["legacy", "demo"], database)
    assert again.returncode == 0 and again.stdout == first.stdout
    bad = tmp_path / "cu.csv"
    bad.write_text(
        "old_code,source_system,procedure_code,applicant_number,received_at,due_at,old_unit_code\n"
        "HUE-2025-000123,Cũ (dữ liệu thử),0.000001,000000000999,"
        "2025-06-01T08:00:00+07:00,2025-07-01T08:00:00+07:00,00028\n",
        encoding="utf-8",
    )
    refused = run(["legacy", "import", str(bad)], database)
    assert refused.returncode == 1
    assert "dòng 2, old_code: hồ sơ mã HUE-2025-000123 đã được nhập trước đây" in refused.stderr
    assert "dòng 2, old_unit_code: Phường Kim Mã" in refused.stderr
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT l.old_code, c.open FROM legacy_dossiers l"
            " JOIN workflow_cases c ON c.dossier_id = l.dossier_id ORDER BY l.old_code"
        ).fetchall()
        dossiers = db.execute("SELECT count(*) FROM dossiers").fetchone()[0]
    assert rows == [("HUE-2025-000123", 1), ("HUE-2025-000124", 1), ("HUE-2025-000125", 1)]
    assert dossiers == 3
