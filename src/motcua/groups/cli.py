"""``motcua groups``: groups of interconnected procedures (hồ sơ liên thông)."""

import typer

from motcua.core.cli import in_session

groups_app = typer.Typer(help="Groups of interconnected procedures.", no_args_is_help=True)


@groups_app.command("backfill-claims")
def groups_backfill_claims() -> None:
    """Claim the birth and death registrations filed before the duplicate guard (idempotent);
    two old dossiers of the same event are listed, not refused."""
    from motcua.groups.backfill import backfill_claims

    done = in_session(backfill_claims)
    typer.echo(
        f"{done.claimed} claimed, {done.already} already claimed, {done.unkeyed} without a "
        f"child or deceased to key, {len(done.clashes)} duplicates among old dossiers."
    )
    for clash in done.clashes:
        typer.echo(f"  - {clash.dossier_code}: same {clash.event} as {clash.held_by}")
