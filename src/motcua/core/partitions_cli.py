"""``motcua db partitions`` and ``motcua db archive``: the operator's side of
``core.partitions``."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock, partitions
from motcua.core.database import dispose_autocommit_pools, get_engine, get_sessionmaker
from motcua.core.settings import get_settings

T = TypeVar("T")


def _run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def run() -> T:
        try:
            async with get_sessionmaker()() as session, session.begin():
                return await work(session)
        finally:
            await dispose_autocommit_pools()
            await get_engine().dispose()

    try:
        return asyncio.run(run())
    except (partitions.NotPartitioned, partitions.NotClosed) as refused:
        typer.secho(str(refused), fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from refused


def make_partitions(
    ahead: Annotated[int, typer.Option(min=0, max=36, help="Months after this one.")] = 3,
) -> None:
    """Make this month's partitions and the next AHEAD months' (PostgreSQL); the worker does the
    same once a day."""
    today = clock.now().date()
    made = _run(lambda session: partitions.ensure_ahead(session, today, ahead))
    for one in made:
        moved = (
            f", {one.moved_rows} rows moved from the default partition" if one.moved_rows else ""
        )
        typer.echo(f"made {one.partition}{moved}")
    defaults = _run(partitions.default_rows)
    typer.echo(
        f"{len(made)} partitions made; every table has partitions up to {ahead} months ahead."
    )
    for table, rows in defaults.items():
        if rows:
            typer.echo(f"{table}_default holds {rows} rows outside any month's partition.")


def archive(
    year: Annotated[int, typer.Option(min=2000, max=2999, help="A year that has ended.")],
) -> None:
    """Export YEAR's monthly partitions to CSV files with their SHA-256 under the storage folder
    (archive/<year>/), then detach them from the live tables."""
    folder = get_settings().storage_dir / "archive"
    today = clock.now().date()
    done = _run(lambda session: partitions.archive_year(session, year, folder, today))
    for one in done:
        typer.echo(f"{one.partition}: {one.rows} rows -> {one.file} (sha256 {one.sha256})")
    if not done:
        typer.echo(f"Nothing to archive for {year}: its months were archived before or are empty.")
        return
    typer.echo(
        f"{len(done)} partitions of {year} exported and detached; they stay as tables of their "
        "own until dropped (DROP TABLE <partition>) once the files are kept safe."
    )
