"""``motcua monitoring``: plans, daily reports, simulations, the seeds' scenarios, reminders."""

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.cli import fail, in_session
from motcua.core.errors import DomainError
from motcua.core.repository import analyze

monitoring_app = typer.Typer(help="Plans, daily reports, roll-ups.", no_args_is_help=True)


@monitoring_app.command("seed")
def monitoring_seed() -> None:
    """Load Plan 02 (illustrative tasks) and assign every task to every unit of its level."""
    from motcua.monitoring import service as monitoring

    typer.echo(in_session(monitoring.seed_plan02))


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
        fail(error.problems, f"Không nhập được {path.name}: có {len(error.problems)} lỗi.")
    try:
        plan, assigned = in_session(
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
        document = in_session(lambda session: monitoring.plan_document(session, code))
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

    typer.echo(in_session(work))


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
        loaded = in_session(lambda session: scenarios.load(session, name))
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
        in_session(work)
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
    sent = in_session(lambda session: monitoring.remind_non_reporters(session, chosen))
    typer.echo(f"{sent} reminders queued for {chosen}.")
