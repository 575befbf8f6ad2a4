"""What every ``motcua`` command shares: one unit of work in one transaction, and how
import problems are printed."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog.schemas import ImportProblem
from motcua.core.database import (
    dispose_autocommit_pools,
    get_engine,
    get_sessionmaker,
)
from motcua.exchange.connectors import close_registry_transport

T = TypeVar("T")


def in_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
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


def fail(problems: list[ImportProblem], title: str) -> None:
    typer.secho(title, fg=typer.colors.RED, err=True)
    for p in problems:
        where = f"dòng {p.line}, " if p.line else ""
        typer.echo(f"  - {where}{p.location}: {p.message}", err=True)
    raise typer.Exit(1)
