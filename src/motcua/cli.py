"""The ``motcua`` command: database, seeds, catalog tools, calendar and benchmarks."""

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.assisted.cli import assisted_app
from motcua.bench.cli import bench_app
from motcua.catalog import service as catalog
from motcua.catalog.cli import catalog_app
from motcua.catalog.formats import essential_services, life_event_groups
from motcua.catalog.synthetic import synthetic_document
from motcua.core import partitions_cli
from motcua.core.calendar import get_calendar
from motcua.core.cli import in_session
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
from motcua.exchange import registries as exchange_registries
from motcua.exchange.cli import audit_app, exchange_app, sandbox_app
from motcua.exchange.connectors import close_registry_transport
from motcua.exchange.tasks import seal_access_log
from motcua.groups.cli import groups_app
from motcua.identity.cli import identity_app
from motcua.legacy.cli import legacy_app
from motcua.monitoring.cli import monitoring_app
from motcua.offers.cli import offers_app
from motcua.units import service as units
from motcua.workflow.cli import workflow_app

app = typer.Typer(help="motcua: dịch vụ công trực tuyến toàn trình.", no_args_is_help=True)


db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


units_app = typer.Typer(help="Administrative units and agencies.", no_args_is_help=True)


calendar_app = typer.Typer(help="The working-day calendar.", no_args_is_help=True)


for sub, name in [
    (db_app, "db"), (units_app, "units"), (catalog_app, "catalog"),
    (calendar_app, "calendar"), (bench_app, "bench"), (legacy_app, "legacy"),
    (offers_app, "offers"), (assisted_app, "assisted"), (exchange_app, "exchange"),
    (sandbox_app, "sandbox"), (audit_app, "audit"), (identity_app, "identity"),
    (monitoring_app, "monitoring"), (workflow_app, "workflow"), (groups_app, "groups"),
]:  # fmt: skip
    app.add_typer(sub, name=name)


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
    report = in_session(units.load_units)
    typer.echo(
        f"{report.provinces} provinces, {report.communes} communes, {report.agencies} agencies, "
        f"{report.successions} pre-2025 provinces mapped."
    )


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
        await exchange_registries.seed_registries(session)
        await analyze(session)
        return (
            f"{report.provinces} provinces, {report.communes} communes, {report.agencies} "
            f"agencies; essential services: {len(essential.created)} new, "
            f"{len(essential.unchanged)} unchanged; groups: {grouped.groups}, member "
            f"procedures {len(grouped.created)} new; synthetic: {len(generated.created)} new, "
            f"{len(generated.unchanged)} unchanged."
        )

    typer.echo(in_session(work))


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


@app.command()
def purge() -> None:
    """Delete drafts, unused consents (with the registry data read under them) and access-log
    exports past their retention settings (MOTCUA_RETENTION_*_DAYS); never a dossier or the
    access log."""
    from motcua.applications import retention

    done = in_session(retention.purge)
    typer.echo(
        f"{done.drafts} drafts, {done.consents} consents and {done.exports} access-log "
        "exports deleted."
    )


storage_app = typer.Typer(help="The store of uploaded files.", no_args_is_help=True)


app.add_typer(storage_app, name="storage")


@storage_app.command("sweep")
def storage_sweep() -> None:
    """Delete stored files no upload points at, once older than MOTCUA_UPLOAD_SWEEP_AFTER_HOURS
    (the worker does it once an hour)."""
    from motcua.dossiers.storage import get_storage
    from motcua.dossiers.tasks import grace_period, sweep_unreferenced_files

    try:
        removed = in_session(
            lambda session: sweep_unreferenced_files(session, get_storage(), grace_period())
        )
    except DomainError as error:
        typer.secho(error.message, fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from error
    typer.echo(f"{removed} unreferenced files removed.")


from motcua.stats.cli import bench_rollup, bench_stats, brief, stats_app  # noqa: E402

app.add_typer(stats_app, name="stats")


app.command("brief")(brief)
bench_app.command("stats")(bench_stats)
bench_app.command("rollup")(bench_rollup)


if __name__ == "__main__":
    app()
