"""A small synthetic import for the demo: three open dossiers of a former provincial system."""

import json
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock
from motcua.dossiers import repository as dossiers
from motcua.dossiers.service import secret_of
from motcua.legacy import service
from motcua.legacy.service import Imported

SOURCE = "Hệ thống một cửa cũ tỉnh Thừa Thiên Huế (dữ liệu mô phỏng)"
# Synthetic personal numbers (the sandbox population registry's range is not needed here).
ROWS = [
    ("HUE-2025-000123", "0.000001", "000000000123", "46", 20, 10),
    ("HUE-2025-000124", "0.000001", "000000000124", "19786", 15, 12),
    ("HUE-2025-000125", "0.000001", "000000000125", "19846", 25, 2),
]


def demo_file(now: datetime) -> bytes:
    """Received some days ago, due a few days from now (one already overdue would be too)."""
    rows = [
        {
            "old_code": old,
            "source_system": SOURCE,
            "procedure_code": procedure,
            "applicant_number": applicant,
            "received_at": (now - timedelta(days=ago)).isoformat(),
            "due_at": (now - timedelta(days=ago) + timedelta(days=ago + left)).isoformat(),
            "old_unit_code": unit,
            "old_agency_code": f"UBND-{unit}",
        }
        for old, procedure, applicant, unit, ago, left in ROWS
    ]
    return json.dumps({"dossiers": rows}, ensure_ascii=False).encode()


async def seed_demo(session: AsyncSession) -> list[Imported]:
    """Import the demo file once; on a later run, answer with what is already there."""
    existing = []
    for old, *_ in ROWS:
        code = await service.alias(session, old)
        dossier = await dossiers.plain_by_code(session, code) if code else None
        if dossier is not None:
            existing.append(Imported(old, dossier.code, secret_of(dossier) or "?"))
    if existing:
        return existing
    return await service.import_file(session, "demo-legacy.json", demo_file(clock.now()))
