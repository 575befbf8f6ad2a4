"""The ``motcua`` command: database, seeds, catalog tools, calendar and benchmarks."""

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.assisted.cli import assisted_app
from motcua.catalog import formats
from motcua.catalog import service as catalog
from motcua.catalog.schemas import CatalogDocument, ImportProblem
from motcua.catalog.synthetic import synthetic_document
from motcua.core import partitions_cli
from motcua.core.calendar import get_calendar
from motcua.core.database import (
    database_unavailable,
    dispose_autocommit_pools,
    get_engine,
    get_sessionmaker,
)
from motcua.core.errors import DomainError
from motcua.core.migrate import upgrade
from motcua.core.observability import log_config
from motcua.core.repository import analyze
from motcua.core.settings import get_settings
from motcua.exchange import service as exchange
from motcua.exchange.connectors import close_registry_transport
from motcua.exchange.tasks import seal_access_log
from motcua.legacy.cli import legacy_app
from motcua.offers.cli import offers_app
from motcua.units import service as units

app = typer.Typer(help="motcua: dịch vụ công trực tuyến toàn trình.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
units_app = typer.Typer(help="Administrative units and agencies.", no_args_is_help=True)
catalog_app = typer.Typer(help="The procedure catalog.", no_args_is_help=True)
calendar_app = typer.Typer(help="The working-day calendar.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks (results go to docs/benchmarks.md).", no_args_is_help=True)
for sub, name in [
    (db_app, "db"), (units_app, "units"), (catalog_app, "catalog"),
    (calendar_app, "calendar"), (bench_app, "bench"), (legacy_app, "legacy"),
    (offers_app, "offers"), (assisted_app, "assisted"),
]:  # fmt: skip
    app.add_typer(sub, name=name)

T = TypeVar("T")


def _in_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run one unit of work in one transaction, committed at the end."""

    async def run() -> T:
        try:
            async with get_sessionmaker()() as session, session.begin():
                return await work(session)
        finally:
            await close_registry_transport()
            await dispose_autocommit_pools()
            await get_engine().dispose()

    return asyncio.run(run())


def _fail(problems: list[ImportProblem], title: str) -> None:
    typer.secho(title, fg=typer.colors.RED, err=True)
    for p in problems:
        where = f"dòng {p.line}, " if p.line else ""
        typer.echo(f"  - {where}{p.location}: {p.message}", err=True)
    raise typer.Exit(1)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration to the configured database."""
    upgrade(get_settings().database_url)
    typer.echo("Database is at the latest revision.")


db_app.command("partitions")(partitions_cli.make_partitions)
db_app.command("archive")(partitions_cli.archive)


@units_app.command("load")
def units_load() -> None:
    """Load the 34 provinces, 3,321 communes and their agencies (safe to re-run)."""
    report = _in_session(units.load_units)
    typer.echo(
        f"{report.provinces} provinces, {report.communes} communes, {report.agencies} agencies, "
        f"{report.successions} pre-2025 provinces mapped."
    )


def essential_services() -> CatalogDocument:
    text = resources.files("motcua.catalog").joinpath("data", "essential_services.yaml")
    return CatalogDocument.model_validate(yaml.safe_load(text.read_text("utf-8")))


def life_event_groups() -> CatalogDocument:
    """The two groups of interconnected procedures and their members that are not among the
    25 (imported after them: the groups name procedures of both documents)."""
    text = resources.files("motcua.catalog").joinpath("data", "groups.yaml")
    return CatalogDocument.model_validate(yaml.safe_load(text.read_text("utf-8")))


@app.command()
def seed(
    synthetic: Annotated[int, typer.Option(help="Synthetic procedures to add.")] = 2500,
) -> None:
    """Migrate, then load units, the 25 essential services and synthetic procedures."""
    upgrade(get_settings().database_url)

    async def work(session: AsyncSession) -> str:
        report = await units.load_units(session)
        essential = await catalog.import_document(session, essential_services())
        grouped = await catalog.import_document(session, life_event_groups())
        generated = await catalog.import_document(session, synthetic_document(synthetic))
        await exchange.seed_registries(session)
        await analyze(session)
        return (
            f"{report.provinces} provinces, {report.communes} communes, {report.agencies} "
            f"agencies; essential services: {len(essential.created)} new, "
            f"{len(essential.unchanged)} unchanged; groups: {grouped.groups}, member "
            f"procedures {len(grouped.created)} new; synthetic: {len(generated.created)} new, "
            f"{len(generated.unchanged)} unchanged."
        )

    typer.echo(_in_session(work))


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    reload: Annotated[bool, typer.Option(help="Reload on code changes.")] = False,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes; one per core in production.")
    ] = 1,
    healthcheck_seconds: Annotated[
        int,
        typer.Option(
            min=1,
            help="With several workers: how long a worker may take to answer the supervisor "
            "before it is replaced.",
        ),
    ] = 30,
    balance: Annotated[
        bool,
        typer.Option(
            help="With several workers: a worker holding more open connections than another "
            "stops accepting until it no longer does, so connections spread evenly; without "
            "it the first worker to wake takes them.",
        ),
    ] = True,
) -> None:
    """Serve the web application and API."""
    import uvicorn

    from motcua.core.production import refuse_public_defaults

    refuse_public_defaults()  # said once here, before any worker process starts
    from motcua.core.serving import run_balanced

    settings = get_settings()
    if workers > 1 and not reload:
        _share_metrics(settings.storage_dir / "metrics")
    options: dict[str, Any] = dict(
        factory=True,
        host=host,
        port=port,
        log_config=log_config("json" if settings.json_logs else "text"),
        # uvicorn's default (5 s) counts the worker's own start-up: on a busy machine a fresh
        # worker is still importing when it is declared dead and replaced, again and again,
        # and the server never serves (seen restarting after a SIGKILL on 2 loaded cores).
        timeout_worker_healthcheck=healthcheck_seconds,
    )
    if workers > 1 and not reload and balance:
        run_balanced(uvicorn.Config("motcua.app:create_app", workers=workers, **options))
        return
    uvicorn.run(
        "motcua.app:create_app", reload=reload, workers=None if reload else workers, **options
    )


def _share_metrics(folder: Path) -> None:
    """Worker processes write their metrics under one folder, which /metrics sums; the files of
    an earlier run are removed first (prometheus-client's multiprocess mode)."""
    import os

    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(folder))


class ExportFormat(StrEnum):
    json = "json"
    yaml = "yaml"
    xlsx = "xlsx"
    cpsv_ap = "cpsv-ap"


@app.command()
def worker(
    once: Annotated[bool, typer.Option(help="Drain what is due, then stop.")] = False,
    idle_seconds: float = 1.0,
) -> None:
    """Deliver outbox messages (notifications and other side effects) after their commit; once
    an hour, sweep stored files no upload points at; every few seconds, bring the dossier
    statistics up to the dossiers' history."""
    import logging.config

    from motcua.core import outbox
    from motcua.modules import import_parts

    logging.config.dictConfig(log_config("json" if get_settings().json_logs else "text"))

    import_parts("tasks")
    from motcua.core.production import refuse_public_defaults

    refuse_public_defaults()
    if get_settings().demo:
        from motcua.sandbox import sms  # noqa: F401  (registers the recording SMS gateway)

    from motcua.applications.retention import DailyPurge
    from motcua.core import clock, logs
    from motcua.core.partitions import MonthlyPartitions
    from motcua.core.process import freeze_startup_heap
    from motcua.dossiers.tasks import HourlySweep
    from motcua.monitoring.tasks import DailyReminder
    from motcua.offers.tasks import FeedPoll
    from motcua.stats.tasks import RollupTick

    logs.install()  # personal numbers masked in every log line
    reminder = DailyReminder()
    retention = DailyPurge()
    upload_sweep = HourlySweep()
    statistics = RollupTick()
    feeds = FeedPoll()
    months = MonthlyPartitions()

    async def run() -> int:
        sessions = get_sessionmaker()
        done = 0
        freeze_startup_heap()
        try:
            while True:
                try:
                    await reminder.tick(sessions, clock.now())
                    await upload_sweep.tick(sessions, clock.now())
                    await retention.tick(sessions, clock.now())
                    await statistics.tick(sessions, clock.now())
                    await feeds.tick(sessions, clock.now())
                    await months.tick(sessions, clock.now())
                    await seal_access_log(sessions)
                    done += await outbox.run_until_idle(sessions)
                except Exception as error:
                    # The database restarting must not end the worker: what it was doing
                    # rolled back and is due again, so it waits and carries on by itself.
                    if once or not database_unavailable(error):
                        raise
                    typer.echo("Database out of reach; trying again.", err=True)
                if once:
                    return done
                await asyncio.sleep(idle_seconds)
        finally:
            await close_registry_transport()
            await dispose_autocommit_pools()
            await get_engine().dispose()

    typer.echo(f"{asyncio.run(run())} messages processed.")


@catalog_app.command("import")
def catalog_import(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Import a catalog file (.json, .yaml, .xlsx): all of it, or nothing and every problem."""
    try:
        document, lines = formats.read(path)
    except formats.UnreadableCatalog as error:
        _fail(error.problems, "Không nhập gì; tệp có lỗi:")
        return
    try:
        report = _in_session(lambda session: catalog.import_document(session, document, lines))
    except catalog.ImportRejected as error:
        _fail(error.problems, "Không nhập gì; tệp có lỗi:")
        return
    typer.echo(
        f"{len(report.created)} versions created, {len(report.unchanged)} unchanged, "
        f"{report.evidence_types} evidence types."
    )


@catalog_app.command("export")
def catalog_export(
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    format: Annotated[ExportFormat, typer.Option("--format", "-f")] = ExportFormat.json,
    base_url: str = "http://127.0.0.1:8000",
) -> None:
    """Export the catalog in force (JSON, YAML, XLSX or CPSV-AP JSON-LD)."""
    document = _in_session(catalog.export_document)
    data: bytes
    if format == ExportFormat.xlsx:
        data = formats.write_xlsx(document)
    elif format == ExportFormat.cpsv_ap:
        cpsv = formats.to_cpsv_ap(document, base_url)
        data = json.dumps(cpsv, ensure_ascii=False, indent=2).encode()
    elif format == ExportFormat.yaml:
        data = yaml.safe_dump(document.model_dump(mode="json"), allow_unicode=True).encode()
    else:
        data = formats.to_json(document).encode()
    if output is None:
        sys.stdout.buffer.write(data)
    else:
        output.write_bytes(data)
        typer.echo(f"{len(document.procedures)} procedures written to {output}.")


@catalog_app.command("generate")
def catalog_generate(
    count: Annotated[int, typer.Option(min=1, max=100_000)] = 2500,
    seed: int = 1,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write, don't import.")
    ] = None,
) -> None:
    """Synthetic procedures (codes 9.DDDDDD, marked synthetic) for scale and load tests."""
    document = synthetic_document(count, seed)
    if output is not None:
        output.write_text(formats.to_json(document), "utf-8")
        typer.echo(f"{count} synthetic procedures written to {output}.")
        return
    report = _in_session(lambda session: catalog.import_document(session, document))
    typer.echo(
        f"{len(report.created)} synthetic versions created, {len(report.unchanged)} unchanged."
    )


@catalog_app.command("search")
def catalog_search(query: str, page: int = 1) -> None:
    """Search the catalog as the public page does."""
    result = _in_session(lambda session: catalog.search(session, query, page=page))
    typer.echo(f"{result.total} results")
    for item in result.items:
        typer.echo(f"{item.code}  [{item.online_level}]  {item.name}")


@catalog_app.command("schema")
def catalog_schema() -> None:
    """Print the JSON Schema of the import/export document."""
    typer.echo(json.dumps(formats.json_schema(), ensure_ascii=False, indent=2))


@calendar_app.command("due")
def calendar_due(
    received_at: datetime,
    working_days: int,
    same_day_cutoff: Annotated[
        bool,
        typer.Option(help="The procedure sets the 15:00 receipt cut-off (same-day civil status)."),
    ] = False,
) -> None:
    """When a dossier received at RECEIVED_AT is due after WORKING_DAYS working days."""
    try:
        due = get_calendar().due_at(received_at, working_days, cutoff=same_day_cutoff)
        typer.echo(due.isoformat())
    except DomainError as error:
        typer.secho(error.message, fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from error


@bench_app.command("catalog")
def bench_catalog(
    postgres_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/motcua_bench",
    rounds: int = 5,
    output: Path = Path("docs/benchmarks.md"),
) -> None:
    """Search latency over the 2,525-procedure catalog on SQLite and PostgreSQL."""
    from motcua.bench.catalog import run_catalog_bench

    typer.echo(run_catalog_bench(postgres_url, rounds, output))


# --- exchange, sandbox registries, access-log audit -------------------------------------------

exchange_app = typer.Typer(help="Once-only data exchange: registries.", no_args_is_help=True)
sandbox_app = typer.Typer(help="Sandbox registries with synthetic people.", no_args_is_help=True)
audit_app = typer.Typer(help="The registry access log.", no_args_is_help=True)
app.add_typer(exchange_app, name="exchange")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(audit_app, name="audit")


@exchange_app.command("seed")
def exchange_seed(
    registries_url: Annotated[
        str | None, typer.Option(help="Root URL of the registries (the sandbox by default).")
    ] = None,
) -> None:
    """Register the registries and the evidence types they serve (safe to re-run)."""
    count = _in_session(lambda session: exchange.seed_registries(session, registries_url))
    typer.echo(f"{count} registries known.")


@sandbox_app.command("generate")
def sandbox_generate(
    people: Annotated[int, typer.Option(min=20, max=1_000_000)] = 100_000,
    seed: int = 1,
    output: Annotated[Path, typer.Option("--output", "-o")] = Path("sandbox-population.json"),
) -> None:
    """Write a deterministic synthetic population (persona pack included) to a JSON file."""
    from motcua.sandbox.population import generate

    population = generate(people, seed)
    population.save(output)
    typer.echo(
        f"{len(population.people)} synthetic people, {len(population.marriages)} marriages, "
        f"{len(population.land)} land parcels written to {output} "
        f"(serve it with MOTCUA_SANDBOX_POPULATION={output})."
    )


@sandbox_app.command("registries")
def sandbox_registries(host: str = "127.0.0.1", port: int = 8100, access_log: bool = True) -> None:
    """Serve the sandbox registries alone (both protocols, fault switches under /_faults); the
    population is ready before the first request is answered."""
    import uvicorn

    from motcua.sandbox.registries import create_sandbox_app, default_population

    app = create_sandbox_app(default_population())
    uvicorn.run(app, host=host, port=port, access_log=access_log)


@audit_app.command("seal")
def audit_seal() -> None:
    """Link every committed access-log record not yet sealed into the hash chain."""

    async def run() -> int:
        try:
            return await seal_access_log(get_sessionmaker())
        finally:
            await get_engine().dispose()

    typer.echo(f"{asyncio.run(run())} records sealed.")


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the access log's hash chain; name the first broken record."""
    report = _in_session(exchange.verify_access_log)
    if report.ok:
        typer.echo(
            f"Access log intact: {report.records} records sealed, {report.unsealed} waiting "
            "to be sealed."
        )
        return
    typer.secho(
        f"Access log broken at record {report.first_broken_seq}: {report.problem}.",
        fg=typer.colors.RED,
        err=True,
    )
    raise typer.Exit(1)


@audit_app.command("export")
def audit_export(
    person: Annotated[str, typer.Argument(help="The person's 12-digit number.")],
) -> None:
    """Write a person's signed data-access record to <storage_dir>/exports/access-log/ (to
    answer a request made on paper); deleted after MOTCUA_RETENTION_EXPORT_DAYS."""
    from motcua.applications import retention
    from motcua.core import identifiers

    number = identifiers.parse(person).value

    async def work(session: AsyncSession) -> str:
        return str(await retention.export_access_log(session, number))

    typer.echo(_in_session(work))


@app.command()
def purge() -> None:
    """Delete drafts, unused consents (with the registry data read under them) and access-log
    exports past their retention settings (MOTCUA_RETENTION_*_DAYS); never a dossier or the
    access log."""
    from motcua.applications import retention

    done = _in_session(retention.purge)
    typer.echo(
        f"{done.drafts} drafts, {done.consents} consents and {done.exports} access-log "
        "exports deleted."
    )


@bench_app.command("http")
def bench_http(
    postgres_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/motcua_bench_http",
    seconds: Annotated[float, typer.Option(help="Timed window of each level.")] = 3.0,
    rounds: int = 3,
    time_scale: Annotated[
        float, typer.Option(help="How many times faster than real time the 16:00 rush runs.")
    ] = 60.0,
    output: Path = Path("docs/benchmarks.md"),
    keep: Annotated[bool, typer.Option(help="Keep the server's logs and files.")] = False,
    fresh: Annotated[
        bool, typer.Option(help="Seed a new database; --no-fresh takes the last run's.")
    ] = True,
    baseline: Annotated[
        Path | None,
        typer.Option(help="A source tree of an earlier version to measure beside this one."),
    ] = None,
) -> None:
    """Whole journeys over HTTP against `motcua serve --workers 2` on PostgreSQL."""
    from motcua.bench.http import run_http_bench

    typer.echo(
        run_http_bench(postgres_url, seconds, rounds, time_scale, output, keep, fresh, baseline)
    )


@bench_app.command("exchange")
def bench_exchange(
    postgres_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/motcua_bench_exchange",
    samples: int = 10,
    output: Path = Path("docs/benchmarks.md"),
) -> None:
    """Evidence fetch over 4 registries at 100 ms latency, 16 applications at once."""
    from motcua.bench.exchange import run_exchange_bench

    typer.echo(run_exchange_bench(samples, output, postgres_url))


# --- identity (officers) and monitoring ------------------------------------------------------

identity_app = typer.Typer(help="Officer accounts.", no_args_is_help=True)
monitoring_app = typer.Typer(help="Plans, daily reports, roll-ups.", no_args_is_help=True)
app.add_typer(identity_app, name="identity")
app.add_typer(monitoring_app, name="monitoring")


@identity_app.command("create-officer")
def identity_create_officer(
    username: Annotated[str, typer.Option(help="Login name, unique.")],
    agency_code: Annotated[str, typer.Option(help="Identifier code of the officer's agency.")],
    role: Annotated[
        str, typer.Option(help="receiving_officer, provincial_monitor, community_helper, ...")
    ],
    full_name: Annotated[str, typer.Option(help="Full name.")] = "",
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
    personal_id: Annotated[
        str | None, typer.Option(help="The officer's 12-digit number (needed at a counter).")
    ] = None,
    email: Annotated[
        str | None, typer.Option(help="E-mail for deadline notices on the dossiers they hold.")
    ] = None,
) -> None:
    """Create an officer account (the password is asked for unless given)."""
    from motcua.identity import service as identity
    from motcua.identity.models import Role

    try:
        chosen = Role(role)
    except ValueError:
        typer.secho(f"Vai trò không hợp lệ; chọn một trong: {', '.join(Role)}.", err=True)
        raise typer.Exit(2) from None
    try:
        officer = _in_session(
            lambda session: identity.create_officer(
                session,
                username=username,
                full_name=full_name or username,
                agency_code=agency_code,
                role=chosen,
                password=password,
                personal_id=personal_id,
                email=email,
            )
        )
    except DomainError as error:
        typer.secho(error.message, fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from error
    typer.echo(f"Officer {officer.username} created ({chosen.value}, {agency_code}).")


@monitoring_app.command("seed")
def monitoring_seed() -> None:
    """Load Plan 02 (illustrative tasks) and assign every task to every unit of its level."""
    from motcua.monitoring import service as monitoring

    typer.echo(_in_session(monitoring.seed_plan02))


@monitoring_app.command("import")
def monitoring_import(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    assign: Annotated[
        bool, typer.Option(help="Assign each task to every unit of its level.")
    ] = True,
) -> None:
    """Import a plan with its tasks from .yaml/.yml or .xlsx: all or nothing."""
    from motcua.monitoring import formats as plan_formats
    from motcua.monitoring import service as monitoring

    try:
        document = plan_formats.read(path)
    except plan_formats.UnreadablePlan as error:
        _fail(error.problems, f"Không nhập được {path.name}: có {len(error.problems)} lỗi.")
    try:
        plan, assigned = _in_session(
            lambda session: monitoring.import_plan_file(session, document, assign=assign)
        )
    except DomainError as error:
        typer.secho(error.message, fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from error
    typer.echo(f"Plan {plan.code}: {len(document.tasks)} tasks, {assigned} assignments.")


@monitoring_app.command("export")
def monitoring_export(
    code: Annotated[str, typer.Argument(help="Plan code, e.g. 02-KH/BCDTW.")],
    output: Annotated[Path, typer.Option("--output", "-o", help=".yaml, .yml or .xlsx")],
) -> None:
    """Write a plan in the format ``monitoring import`` reads (by the file's suffix)."""
    from motcua.monitoring import formats as plan_formats
    from motcua.monitoring import service as monitoring

    if output.suffix.lower() not in plan_formats.SUFFIXES:
        typer.secho("Chỉ xuất được .yaml, .yml hoặc .xlsx.", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    try:
        document = _in_session(lambda session: monitoring.plan_document(session, code))
    except DomainError as error:
        typer.secho(error.message, fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from error
    if output.suffix.lower() == ".xlsx":
        output.write_bytes(plan_formats.write_xlsx(document))
    else:
        output.write_text(plan_formats.to_yaml(document), encoding="utf-8")
    typer.echo(f"Plan {document.code} ({len(document.tasks)} tasks) written to {output}.")


@monitoring_app.command("simulate")
def monitoring_simulate(
    days: Annotated[int, typer.Option(min=1, max=400)] = 60,
    end: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Last day (default: plan end).")
    ] = None,
    seed: int = 1,
) -> None:
    """Synthetic reports for every unit (marked synthetic); seeds Plan 02 first if needed."""
    from motcua.monitoring import service as monitoring
    from motcua.monitoring.synthetic import simulate

    async def work(session: AsyncSession) -> str:
        await monitoring.seed_plan02(session)
        last = end.date() if end else monitoring.plan02_document().ends_on
        result = await simulate(session, days=days, end=last, seed=seed)
        await analyze(session)
        return (
            f"Synthetic reports {result.start}..{result.end}: {result.reports} reports "
            f"({result.late} late) from {result.units} units; {result.silent_units} units silent."
        )

    typer.echo(_in_session(work))


@monitoring_app.command("scenario")
def monitoring_scenario(
    name: Annotated[str, typer.Argument(help="seed-2025-07-07 or seed-2025-07-31.")],
    if_absent: Annotated[
        bool, typer.Option(help="Say so and succeed when the day already has reports.")
    ] = False,
) -> None:
    """Load one of the seeds' days: synthetic reports whose roll-ups give the published
    figures (refused, nothing written, when the day already has reports)."""
    from motcua.monitoring import scenarios

    try:
        loaded = _in_session(lambda session: scenarios.load(session, name))
    except DomainError as error:
        if if_absent and error.code == "scenario-loaded":
            typer.echo(f"Scenario {name}: its day already has reports; nothing loaded.")
            return
        typer.secho(error.message, fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from error
    typer.echo(
        f"Scenario {loaded.name} loaded for {loaded.day}: {loaded.reports} synthetic reports "
        f"from {loaded.units} units."
    )


@monitoring_app.command("contact")
def monitoring_contact(
    unit: Annotated[str, typer.Option(help="Commune (5 digits), province (2) or ministry code.")],
    name: Annotated[str, typer.Option(help="Name of the focal point.")],
    email: str | None = None,
    phone: str | None = None,
) -> None:
    """Register who at a unit is reminded to report."""
    from motcua.monitoring import service as monitoring
    from motcua.notify.models import Channel

    async def work(session: AsyncSession) -> None:
        for channel, address in ((Channel.email, email), (Channel.sms, phone)):
            if address:
                await monitoring.set_contact(
                    session, unit=unit, name=name, channel=channel, address=address
                )

    try:
        _in_session(work)
    except DomainError as error:
        typer.secho(error.message, fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from error
    typer.echo(f"Contact for {unit} saved.")


@monitoring_app.command("remind")
def monitoring_remind(
    day: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Default: today.")
    ] = None,
) -> None:
    """Remind the units that have not reported for the day (the worker does it by itself)."""
    from motcua.core import clock
    from motcua.monitoring import service as monitoring

    chosen = day.date() if day else clock.now().astimezone(monitoring.zone()).date()
    sent = _in_session(lambda session: monitoring.remind_non_reporters(session, chosen))
    typer.echo(f"{sent} reminders queued for {chosen}.")


@bench_app.command("monitoring")
def bench_monitoring(
    postgres_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/motcua_bench_monitoring",
    days: int = 180,
    rounds: int = 30,
    output: Path = Path("docs/benchmarks.md"),
) -> None:
    """National summary and province drill-down over every reporting unit x 180 days."""
    from motcua.bench.monitoring import run_monitoring_bench

    typer.echo(run_monitoring_bench(postgres_url, days, rounds, output))


@bench_app.command("dossiers")
def bench_dossiers(
    postgres_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/motcua_bench_dossiers",
    seconds: float = 5.0,
    rounds: int = 3,
    output: Path = Path("docs/benchmarks.md"),
) -> None:
    """Submission throughput and p50/p95 at 1, 4, 16 clients on PostgreSQL, next to pgbench."""
    from motcua.bench.dossiers import run_dossiers_bench

    typer.echo(run_dossiers_bench(postgres_url, seconds, rounds, output))


workflow_app = typer.Typer(
    help="Officer workflow: definitions, deadline sweeps.", no_args_is_help=True
)
app.add_typer(workflow_app, name="workflow")


@workflow_app.command("seed")
def workflow_seed() -> None:
    """A default process definition for every procedure in the catalog that has none."""
    from motcua.workflow.versions import seed_definitions

    typer.echo(f"{_in_session(seed_definitions)} default process definitions written.")


@workflow_app.command("practice")
def workflow_practice(
    agency_codes: Annotated[
        list[str] | None,
        typer.Option("--agency-code", help="Real agency codes (repeatable)."),
    ] = None,
    with_officers: Annotated[
        bool, typer.Option("--with-officers", help="Every agency that has officers.")
    ] = False,
) -> None:
    """Practice mode: each agency's practice twin with a set of synthetic dossiers (a twin
    whose set is still open is left as it is)."""
    from sqlalchemy import select

    from motcua.identity.models import Officer
    from motcua.units.models import Agency
    from motcua.workflow import practice

    async def work(session: AsyncSession) -> list[tuple[str, int]]:
        codes = list(agency_codes or [])
        if with_officers:
            statement = (
                select(Agency.code)
                .join(Officer, Officer.agency_id == Agency.id)
                .where(Agency.practice_of_id.is_(None))
                .distinct()
                .order_by(Agency.code)
            )
            codes += [c for c in await session.scalars(statement) if c not in codes]
        out = []
        for code in codes:
            twin, written = await practice.prepare(session, code)
            out.append((twin.code, written))
        return out

    if not agency_codes and not with_officers:
        raise typer.BadParameter("give --agency-code CODE (repeatable) or --with-officers")
    for code, written in _in_session(work):
        typer.echo(f"{code}: {written} practice dossiers written (synthetic).")


@workflow_app.command("sweep")
def workflow_sweep() -> None:
    """Flag dossiers due soon or overdue now (the worker does the same on topic workflow.sweep)."""
    from motcua.workflow.tasks import sweep

    typer.echo(json.dumps(_in_session(sweep)))


@sandbox_app.command("pki")
def sandbox_pki(
    agencies: Annotated[
        list[str] | None, typer.Option("--agency", help="Agency codes (default: all).")
    ] = None,
) -> None:
    """Sandbox CA and a signing certificate per agency under <storage>/pki (synthetic keys)."""
    from sqlalchemy import select

    from motcua.core.settings import get_settings
    from motcua.sandbox.pki import generate
    from motcua.units.models import Agency

    async def work(session: AsyncSession) -> list[tuple[str, str]]:
        statement = select(Agency.code, Agency.name)
        if agencies:
            statement = statement.where(Agency.code.in_(agencies))
        return [(c, n) for c, n in await session.execute(statement)]

    written = generate(get_settings().storage_dir / "pki", _in_session(work))
    typer.echo(
        f"{len(written)} agency certificates written to {get_settings().storage_dir / 'pki'}."
    )


@bench_app.command("workflow")
def bench_workflow(
    postgres_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/motcua_bench_workflow",
    dossiers: int = 100_000,
    samples: int = 300,
    output: Path = Path("docs/benchmarks.md"),
) -> None:
    """Officer queue API over 100,000 dossiers in 34 provinces, on PostgreSQL."""
    from motcua.bench.workflow import run_workflow_bench

    typer.echo(run_workflow_bench(postgres_url, dossiers, samples, output))


@bench_app.command("growth")
def bench_growth(
    postgres_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/motcua_bench_growth",
    sizes: str = "1000000,2000000,4000000",
    samples: int = 50,
    output: Path = Path("docs/benchmarks.md"),
    plans_output: Path = Path("docs/scaling.md"),
) -> None:
    """The data doubles (dossiers, history, access log, reports) and the main reads are timed
    at each size, on PostgreSQL with monthly partitions."""
    from motcua.bench.growth import run_growth_bench

    steps = [int(size) for size in sizes.split(",")]
    typer.echo(run_growth_bench(postgres_url, steps, samples, output, plans_output))


storage_app = typer.Typer(help="The store of uploaded files.", no_args_is_help=True)
app.add_typer(storage_app, name="storage")


@storage_app.command("sweep")
def storage_sweep() -> None:
    """Delete stored files no upload points at, once older than MOTCUA_UPLOAD_SWEEP_AFTER_HOURS
    (the worker does it once an hour)."""
    from motcua.dossiers.storage import get_storage
    from motcua.dossiers.tasks import grace_period, sweep_unreferenced_files

    try:
        removed = _in_session(
            lambda session: sweep_unreferenced_files(session, get_storage(), grace_period())
        )
    except DomainError as error:
        typer.secho(error.message, fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from error
    typer.echo(f"{removed} unreferenced files removed.")


from motcua.stats.commands import bench_rollup, bench_stats, brief, stats_app  # noqa: E402

app.add_typer(stats_app, name="stats")
app.command("brief")(brief)
bench_app.command("stats")(bench_stats)
bench_app.command("rollup")(bench_rollup)


if __name__ == "__main__":
    app()
