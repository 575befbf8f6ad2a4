"""What ``motcua bench http`` loads: its own PostgreSQL database seeded as the demo is (units,
the 2,525-procedure catalog, registries, Plan 02 for every unit), a receiving officer at a
commune service centre, a provincial monitor per province, and the server as production runs
it (``motcua serve --workers 2``); the sandbox e-ID provider and registries (synthetic data)
answer from a process of their own (``motcua.bench.sandbox``), as the real ones are other
systems, the registries set to answer in 100 ms: the platform's workers serve only the
platform."""

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.mmap_dict import MmapedDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.bench.dossiers import AGENCY, PROCEDURE
from motcua.bench.reference import reference_database
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.core.database import make_engine, make_sessionmaker
from motcua.exchange import registries as exchange_registries
from motcua.identity import service as identity
from motcua.identity.models import Officer, Role
from motcua.sandbox import personas
from motcua.units.models import AdminUnit, Agency, AgencyLevel

MOTCUA = str(Path(sys.executable).parent / "motcua")
PASSWORD = "mat-khau-do-tai-http"  # synthetic accounts of a throwaway database
OFFICER = "dotai.tiepnhan"
OFFICER_NUMBER = "001090000777"  # synthetic
JOURNEY_PROCEDURE = "0.000003"  # permanent residence: population, residence, land, civil status
REGISTRIES = ("population", "residence", "land", "civil_status")
LATENCY_MS = 100
JOURNEY_PEOPLE = [personas.COMPLETE]  # in every registry (docs/sandbox-personas.md)
QUERIES = [
    "khai sinh",
    "dang ky thuong tru",
    "cấp hộ chiếu",
    "giấy phép lái xe",
    "ly lich tu phap",
    "kết hôn",
    "đất đai",
    "1.001193",
    "trợ cấp",
    "doanh nghiệp",
]
COUNTER_DECLARATION = {
    "ngay_sinh": "2025-09-20",
    "gioi_tinh": "Nữ",
    "noi_sinh": "Bệnh viện Phụ sản (dữ liệu tổng hợp)",
    "dan_toc": "Kinh",
    "quoc_tich": "Việt Nam",
    "quan_he": "Mẹ",
}


def counter_body(child: str = "") -> dict[str, Any]:
    """A birth registration typed at the counter for a synthetic mother: 4 items. ``child``
    tells this child from the mother's others: one birth is registered once (the same
    mother, date of birth and name is refused), so every submission names its own."""
    note = {"nguon": "dữ liệu tổng hợp"}
    return {
        "procedure_code": PROCEDURE,
        "channel": "counter",
        "applicant": personas.NEW_MOTHER,
        "receiving_agency": AGENCY,
        "items": [
            {
                "requirement_key": "to_khai_dang_ky_khai_sinh",
                "source": "counter",
                "value": COUNTER_DECLARATION | {"ho_ten_tre": child_name(child)},
            },
            {
                "requirement_key": "giay_chung_sinh",
                "source": "counter",
                "value": {"so_giay_chung_sinh": "CS-0001 (dữ liệu tổng hợp)"},
            },
            {"requirement_key": "nhan_than_cha_me", "source": "counter", "value": note},
            {"requirement_key": "noi_cu_tru_cha_me", "source": "counter", "value": note},
        ],
    }


def child_name(child: str) -> str:
    return f"Trần Bảo An {child} (dữ liệu tổng hợp)".replace("  ", " ")


JOURNEY_FORM = {
    "values": {
        "to_khai_thay_doi_cu_tru": {
            "dia_chi": "Số 1 phố Thử Nghiệm, Hà Nội (dữ liệu tổng hợp)",
            "ly_do": "Chuyển đến ở ổn định (dữ liệu tổng hợp)",
            "cam_doan": True,
        }
    }
}


@dataclass
class Served:
    """The server and what the load generator needs to load it."""

    url: str
    base: str
    storage: Path
    process: subprocess.Popen[bytes]
    log: Path
    fixture: dict[str, Any] = field(default_factory=dict)
    version_id: int = 0
    agency_id: int = 0

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(url: str, storage: Path, base: str, sandbox: str = "") -> dict[str, str]:
    """The server's settings; ``sandbox``: where the e-ID provider and the registries answer
    (else the sandbox the server mounts)."""
    sandbox = sandbox or base
    return {
        "MOTCUA_DATABASE_URL": url,
        "MOTCUA_STORAGE_DIR": str(storage),
        "MOTCUA_PUBLIC_BASE_URL": base,
        "MOTCUA_EID_ISSUER": f"{sandbox}/sandbox/oidc",
        "MOTCUA_EXCHANGE_REGISTRIES_URL": f"{sandbox}/sandbox/registries",
        "MOTCUA_SANDBOX": "true",
        "MOTCUA_RATE_LIMIT_ENABLED": "false",  # every client comes from 127.0.0.1
        "MOTCUA_JSON_LOGS": "false",
    }


async def _accounts(url: str) -> tuple[dict[str, str], int, int]:
    """The counter officer and one monitor per province; (province -> username, ids)."""
    engine = make_engine(url)
    monitors = {}
    async with make_sessionmaker(engine)() as session, session.begin():
        await identity.create_officer(
            session,
            username=OFFICER,
            full_name="Cán bộ tiếp nhận (dữ liệu tổng hợp)",
            agency_code=AGENCY,
            role=Role.receiving_officer,
            password=PASSWORD,
            personal_id=OFFICER_NUMBER,
        )
        provinces = await session.execute(
            select(Agency.code, Agency.unit_code)
            .where(Agency.level == AgencyLevel.province, Agency.unit_code.is_not(None))
            .order_by(Agency.unit_code, Agency.code)
        )
        for agency_code, unit in provinces:
            if unit is None or unit in monitors:
                continue
            monitors[unit] = f"dotai.giamsat.{unit}"
            await identity.create_officer(
                session,
                username=monitors[unit],
                full_name=f"Giám sát tỉnh {unit} (dữ liệu tổng hợp)",
                agency_code=agency_code,
                role=Role.provincial_monitor,
                password=PASSWORD,
            )
        version_id = await session.scalar(
            select(ProcedureVersion.id).join(Procedure).where(Procedure.code == PROCEDURE)
        )
        agency_id = await session.scalar(select(Agency.id).where(Agency.code == AGENCY))
    await engine.dispose()
    return monitors, int(version_id or 0), int(agency_id or 0)


async def _communes(url: str) -> list[tuple[str, str]]:
    engine = make_engine(url)
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(AdminUnit.code, AdminUnit.province_code).where(AdminUnit.level == "commune")
        )
        found = [(code, parent) for code, parent in rows if parent]
    await engine.dispose()
    return found


@dataclass
class Sandbox:
    """The sandbox e-ID provider and registries served alone (``motcua.bench.sandbox``), in
    their own process: their answers do not wait for the platform's workers."""

    base: str
    process: subprocess.Popen[bytes]

    @property
    def registries(self) -> str:
        return f"{self.base}/sandbox/registries"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start_sandbox(folder: Path, platform: str) -> Sandbox:
    """The sandbox's process; its e-ID provider sends people back to ``platform``."""
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    args = [sys.executable, "-m", "uvicorn", "motcua.bench.sandbox:create_app", "--factory"]
    args += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    # Its key, spent codes and fault switches in a folder of its own, not another run's.
    env = os.environ | {
        "MOTCUA_STORAGE_DIR": str(folder / "sandbox"),
        "MOTCUA_PUBLIC_BASE_URL": platform,
    }
    log = folder / "sandbox.log"
    with log.open("ab") as out:
        process = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
    sandbox = Sandbox(f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the sandbox stopped; see {log}")
        try:
            if httpx.get(f"{sandbox.registries}/_faults", timeout=2).status_code == 200:
                return sandbox
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    sandbox.stop()
    raise RuntimeError("the sandbox did not start")


def start_server(
    url: str,
    folder: Path,
    workers: int,
    balance: bool = True,
    source: Path | None = None,
    sandbox: str = "",
    port: int = 0,
) -> Served:
    """``motcua serve``; with ``source``, the platform's code from that tree (``src`` inside
    it) instead of the installed one, to compare two versions in one spell; ``sandbox``: where
    the e-ID provider and the registries answer (else the sandbox the server mounts)."""
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    folder.mkdir(parents=True, exist_ok=True)
    storage = folder / "storage"
    env = environment(url, storage, base, sandbox)
    if source is not None:
        env["PYTHONPATH"] = str((source / "src").resolve())
    log = folder / "server.log"
    args = [MOTCUA, "serve", "--port", str(port), "--workers", str(workers)]
    if not balance:
        args.append("--no-balance")
    with log.open("ab") as out:
        process = subprocess.Popen(
            args, env=os.environ | env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    served = Served(url, base, storage, process, log)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped; see {log}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return served
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    served.stop()
    raise RuntimeError(f"the server did not start; see {log}")


async def _as_the_demo(session: AsyncSession) -> None:
    """What ``motcua seed`` and ``motcua monitoring seed`` add to the units and the 25 (the
    reference database): the two groups, the synthetic procedures, the registries, Plan 02."""
    from motcua.catalog import service as catalog
    from motcua.catalog.formats import life_event_groups
    from motcua.catalog.synthetic import synthetic_document
    from motcua.core.repository import analyze
    from motcua.monitoring import service as monitoring

    await catalog.import_document(session, life_event_groups())
    await catalog.import_document(session, synthetic_document(2500))
    await exchange_registries.seed_registries(session)
    await monitoring.seed_plan02(session)
    await analyze(session)


def prepare(
    url: str, folder: Path, fresh: bool = True
) -> tuple[dict[str, str], int, int, list[tuple[str, str]]]:
    """A fresh database seeded as the demo is, and the bench's accounts; ``fresh=False``
    takes the database an earlier run left (its accounts and dossiers stay)."""
    if fresh:
        asyncio.run(reference_database(url, also=_as_the_demo))
        monitors, version_id, agency_id = asyncio.run(_accounts(url))
    else:
        monitors, version_id, agency_id = asyncio.run(_existing_accounts(url))
    return monitors, version_id, agency_id, asyncio.run(_communes(url))


async def _existing_accounts(url: str) -> tuple[dict[str, str], int, int]:
    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session:
        names = await session.scalars(
            select(Officer.username).where(Officer.username.like("dotai.giamsat.%"))
        )
        monitors = {name.rsplit(".", 1)[1]: name for name in names}
        version_id = await session.scalar(
            select(ProcedureVersion.id).join(Procedure).where(Procedure.code == PROCEDURE)
        )
        agency_id = await session.scalar(select(Agency.id).where(Agency.code == AGENCY))
    await engine.dispose()
    return monitors, int(version_id or 0), int(agency_id or 0)


def _token(client: httpx.Client, username: str) -> str:
    answer = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def _commune_committee(task: dict[str, Any]) -> bool:
    """A task of the communes' People's Committees (the others name the kinds of unit they
    are for: Party committees, the Fatherland Front, …)."""
    return bool(task["level"] == "commune" and not task.get("units"))


def commune_values(client: httpx.Client, day: date) -> dict[str, Any]:
    """Every task of the communes' People's Committees in force on the day answered: done,
    every item ticked, figures at their target."""
    values: dict[str, Any] = {}
    for plan in client.get("/api/v1/monitoring/plans").json():
        for task in plan["tasks"]:
            if not _commune_committee(task) or not (
                date.fromisoformat(task["starts_on"]) <= day <= date.fromisoformat(task["deadline"])
            ):
                continue
            indicator = task["indicator"]
            if indicator["kind"] == "yes_no":
                values[task["code"]] = True
            elif indicator["kind"] == "checklist":
                values[task["code"]] = {item["key"]: True for item in indicator["items"]}
            else:
                values[task["code"]] = indicator.get("target") or 100
    return values


async def _registries_at(url: str, registries: str) -> None:
    """The registries' address: the sandbox registries' own process."""
    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session, session.begin():
        await exchange_registries.seed_registries(session, registries)
    await engine.dispose()


def rush_day(plans: list[dict[str, Any]], today: date) -> date:
    """The latest day up to today with the most commune tasks in force (Plan 02 is a past
    plan, synthetic: its days are in 2025)."""
    spans = [
        (date.fromisoformat(t["starts_on"]), date.fromisoformat(t["deadline"]))
        for plan in plans
        for t in plan["tasks"]
        if _commune_committee(t)
    ]
    days = {min(end, today) for _, end in spans}
    return max(days, key=lambda day: (sum(s <= day <= e for s, e in spans), day))


def fixture(
    served: Served, monitors: dict[str, str], communes: list[tuple[str, str]], registries: str
) -> None:
    """Tokens, registry latency, warm-up dossiers (their codes for the dossier page)."""
    asyncio.run(_registries_at(served.url, registries))
    with httpx.Client(base_url=served.base, timeout=60) as client:
        day = rush_day(client.get("/api/v1/monitoring/plans").json(), date.today())
        values = commune_values(client, day)
        officer = _token(client, OFFICER)
        tokens = {unit: _token(client, name) for unit, name in monitors.items()}
        for registry in REGISTRIES:
            answer = client.put(f"{registries}/_faults/{registry}", json={"latency_ms": LATENCY_MS})
            answer.raise_for_status()
        codes = []
        bearer = {"Authorization": f"Bearer {officer}"}
        run = uuid.uuid4().hex[:8]
        for n in range(60):
            answer = client.post(
                "/api/v1/dossiers",
                json=counter_body(f"{run}-{n}"),
                headers=bearer | {"Idempotency-Key": f"warm-{uuid.uuid4().hex}-{n}"},
            )
            if answer.status_code != 201:
                raise RuntimeError(f"counter submission refused: {answer.text[:500]}")
            codes.append(answer.json()["code"])
        procedures = [
            p["code"]
            for p in client.get("/api/v1/procedures", params={"page_size": 50}).json()["items"]
        ]
    served.fixture = {
        "base": served.base,
        "run": run,
        "queries": QUERIES,
        "procedures": procedures,
        "officer_token": officer,
        "counter_body": counter_body(),
        "dossier_codes": codes,
        "people": JOURNEY_PEOPLE,
        "journey_procedure": JOURNEY_PROCEDURE,
        "journey_form": JOURNEY_FORM,
        "monitors": tokens,
        "communes": communes,
        "values": values,
        "rush_day": day.isoformat(),
    }


def worker_requests(served: Served) -> dict[int, int]:
    """Requests answered so far by each worker process, from the metrics files each writes
    (prometheus-client's multiprocess mode: one file per process)."""
    counts: dict[int, int] = {}
    for path in (served.storage / "metrics").glob("histogram_*.db"):
        pid = int(path.stem.rsplit("_", 1)[1])
        total = 0.0
        for key, value, *_ in MmapedDict.read_all_values_from_file(str(path)):  # type: ignore[no-untyped-call]
            if '"motcua_http_request_duration_seconds_bucket"' in key:
                total += value
        counts[pid] = int(total)
    return counts
