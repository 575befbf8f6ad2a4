"""``motcua bench``: every benchmark; results go to docs/benchmarks.md."""

from pathlib import Path
from typing import Annotated

import typer

bench_app = typer.Typer(help="Benchmarks (results go to docs/benchmarks.md).", no_args_is_help=True)


@bench_app.command("catalog")
def bench_catalog(
    postgres_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/motcua_bench",
    rounds: int = 5,
    output: Path = Path("docs/benchmarks.md"),
) -> None:
    """Search latency over the 2,525-procedure catalog on SQLite and PostgreSQL."""
    from motcua.bench.catalog import run_catalog_bench

    typer.echo(run_catalog_bench(postgres_url, rounds, output))


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


@bench_app.command("all")
def bench_all(
    server: Annotated[
        str, typer.Option(help="The PostgreSQL server; each benchmark takes its own database.")
    ] = "postgresql+asyncpg://postgres@127.0.0.1:5432",
    suffix: Annotated[
        str, typer.Option(help="Added to every benchmark's database name (a private run).")
    ] = "",
    began: Annotated[
        float | None,
        typer.Option(help="When `make bench` began (seconds since 1970): the install's time."),
    ] = None,
    only: Annotated[
        str | None, typer.Option(help="Comma-separated steps; the timing is then not written.")
    ] = None,
    output: Path = Path("docs/benchmarks.md"),
) -> None:
    """Every benchmark of `make bench` in turn, each step's wall time and the machine's load
    printed and written to docs/benchmarks.md."""
    from motcua.bench.steps import run_all

    names = only.split(",") if only else None
    body, passed = run_all(server, suffix, output, began, names)
    typer.echo(body)
    if not passed:
        raise typer.Exit(1)
