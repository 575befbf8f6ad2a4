"""``motcua workflow``: process definitions, practice mode, the deadline sweep."""

import json
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.cli import in_session

workflow_app = typer.Typer(
    help="Officer workflow: definitions, deadline sweeps.", no_args_is_help=True
)


@workflow_app.command("seed")
def workflow_seed() -> None:
    """A default process definition for every procedure in the catalog that has none."""
    from motcua.workflow.versions import seed_definitions

    typer.echo(f"{in_session(seed_definitions)} default process definitions written.")


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
    for code, written in in_session(work):
        typer.echo(f"{code}: {written} practice dossiers written (synthetic).")


@workflow_app.command("sweep")
def workflow_sweep() -> None:
    """Flag dossiers due soon or overdue now (the worker does the same on topic workflow.sweep)."""
    from motcua.workflow.tasks import sweep

    typer.echo(json.dumps(in_session(sweep)))
