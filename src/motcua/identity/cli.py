"""``motcua identity``: officer accounts."""

from typing import Annotated

import typer

from motcua.core.cli import in_session
from motcua.core.errors import DomainError

identity_app = typer.Typer(help="Officer accounts.", no_args_is_help=True)


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
        officer = in_session(
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
