"""The ``motcua stats`` commands, ``motcua brief`` and ``motcua bench stats`` (registered by
the CLI; kept here so the statistics' commands live with the statistics)."""

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.cli import in_session
from motcua.core.migrate import upgrade
from motcua.core.settings import get_settings

stats_app = typer.Typer(help="Dossier statistics: roll-ups, demo dossiers.", no_args_is_help=True)


@stats_app.command("rebuild")
def rebuild() -> None:
    """Make the per-dossier facts and the daily roll-up again from every dossier's history."""
    from motcua.stats import service

    typer.echo(f"Statistics rebuilt from {in_session(service.rebuild):,} dossiers.")


@stats_app.command("refresh")
def refresh() -> None:
    """Bring the roll-up up to the dossiers' history now (the worker does it every 5 s)."""
    from motcua.stats import service

    result = in_session(service.refresh)
    typer.echo(f"{result.dossiers} dossiers read, {result.changed} facts changed.")


@stats_app.command("demo")
def demo(
    count: Annotated[int, typer.Option(min=0, max=200_000)] = 12_000,
    days: Annotated[int, typer.Option(min=1, max=366)] = 90,
    seed: int = 7,
) -> None:
    """Synthetic dossiers (codes TH-…) over the provinces, channels and the 25 services, ending
    on the last day of the monitoring reports (today if none); nothing if already there."""
    from motcua.stats import feed, roadmap, service, synthetic

    upgrade(get_settings().database_url)

    async def work(session: AsyncSession) -> str:
        await feed.ensure_demo_client(session)
        if await synthetic.exists(session):
            return "Synthetic dossiers already present; nothing added."
        end = await synthetic.demo_end(session)
        written = await synthetic.seed_dossiers(session, count, end, days, seed)
        await service.rebuild(session)
        rated = await synthetic.seed_ratings(session, seed)
        processes = await roadmap.seed_demo_processes(session, end, seed, share=0.6)
        return (
            f"{written:,} synthetic dossiers up to {end:%d/%m/%Y} ({rated:,} rated); "
            f"statistics rebuilt; {processes:,} synthetic internal processes for the roadmap."
        )

    typer.echo(in_session(work))


@stats_app.command("feed-client")
def feed_client(
    name: Annotated[str, typer.Argument(help="The operations centre, e.g. ioc-ha-noi.")],
    province: Annotated[
        str, typer.Option(help="Its province code (2 digits); empty for the whole country.")
    ] = "",
    revoke: Annotated[bool, typer.Option(help="Revoke this client's token instead.")] = False,
) -> None:
    """Give an operations centre (IOC) a token for the feed of its province, or revoke it."""
    from motcua.core.errors import DomainError
    from motcua.stats import feed

    if province and not (len(province) == 2 and province.isdigit()):
        raise typer.BadParameter("a province code has 2 digits", param_hint="--province")
    try:
        if revoke:
            in_session(lambda session: feed.revoke_client(session, name))
            typer.echo(f"Revoked the feed token of {name}.")
            return
        token = in_session(lambda session: feed.create_client(session, name, province))
    except DomainError as error:
        typer.echo(error.message, err=True)
        raise typer.Exit(1) from error
    scope = f"province {province}" if province else "the whole country"
    typer.echo(f"Feed token of {name} ({scope}), shown once:\n{token}")


def brief(
    day: Annotated[
        datetime | None, typer.Option("--date", formats=["%Y-%m-%d"], help="Default: today.")
    ] = None,
    output: Annotated[Path, typer.Option(help="Folder the brief is written to.")] = Path("."),
) -> None:
    """The steering brief for the five-day meeting, as Markdown and PDF."""
    from motcua.stats import brief as briefs

    chosen: date | None = day.date() if day else None
    written = briefs.write(in_session(lambda session: briefs.compose(session, chosen)), output)
    for path in written:
        typer.echo(f"Written {path}")


def bench_stats(
    postgres_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/motcua_bench_stats",
    dossiers: int = 5_000_000,
    samples: int = 100,
    output: Path = Path("docs/benchmarks.md"),
) -> None:
    """Monthly per-province statistics and the service index, p50/p95, over synthetic dossiers
    on PostgreSQL (the fixture is kept and reused by the next run of the same size)."""
    from motcua.stats.bench import run_stats_bench

    typer.echo(run_stats_bench(postgres_url, dossiers, samples, output))


def bench_rollup(
    postgres_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/motcua_bench_rollup",
    dossiers: Annotated[int, typer.Option(min=3_000)] = 40_000,
    rate: Annotated[int, typer.Option(min=10, help="Dossier events written per second.")] = 500,
    seconds: Annotated[float, typer.Option(min=5)] = 60,
    rounds: Annotated[int, typer.Option(min=1)] = 3,
    output: Path = Path("docs/benchmarks.md"),
) -> None:
    """Whether the worker's roll-up keeps up with dossier events written at a steady rate: lag,
    backlog, throughput per round, and the roll-up compared with a rebuild afterwards."""
    from motcua.stats.bench_rollup import run_rollup_bench

    typer.echo(run_rollup_bench(postgres_url, dossiers, rate, seconds, rounds, output))
