"""``motcua exchange``, ``motcua sandbox`` and ``motcua audit``: registries, the sandbox
registries with synthetic people, and the access log."""

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.cli import in_session
from motcua.core.database import (
    get_engine,
    get_sessionmaker,
)
from motcua.core.settings import get_settings
from motcua.exchange import access as exchange_access
from motcua.exchange import registries as exchange_registries
from motcua.exchange.tasks import seal_access_log

exchange_app = typer.Typer(help="Once-only data exchange: registries.", no_args_is_help=True)


sandbox_app = typer.Typer(help="Sandbox registries with synthetic people.", no_args_is_help=True)


audit_app = typer.Typer(help="The registry access log.", no_args_is_help=True)


@exchange_app.command("seed")
def exchange_seed(
    registries_url: Annotated[
        str | None, typer.Option(help="Root URL of the registries (the sandbox by default).")
    ] = None,
) -> None:
    """Register the registries and the evidence types they serve (safe to re-run)."""
    count = in_session(lambda session: exchange_registries.seed_registries(session, registries_url))
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
    report = in_session(exchange_access.verify_access_log)
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

    typer.echo(in_session(work))


@sandbox_app.command("pki")
def sandbox_pki(
    agencies: Annotated[
        list[str] | None, typer.Option("--agency", help="Agency codes (default: all).")
    ] = None,
) -> None:
    """Sandbox CA and a signing certificate per agency under <storage>/pki (synthetic keys)."""
    from sqlalchemy import select

    from motcua.sandbox.pki import generate
    from motcua.units.models import Agency

    async def work(session: AsyncSession) -> list[tuple[str, str]]:
        statement = select(Agency.code, Agency.name)
        if agencies:
            statement = statement.where(Agency.code.in_(agencies))
        return [(c, n) for c, n in await session.execute(statement)]

    written = generate(get_settings().storage_dir / "pki", in_session(work))
    typer.echo(
        f"{len(written)} agency certificates written to {get_settings().storage_dir / 'pki'}."
    )
