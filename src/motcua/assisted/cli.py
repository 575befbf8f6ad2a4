"""``motcua assisted demo``: the demo's community digital team member (synthetic person)."""

from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.identity import repository as identity_repository
from motcua.identity import service as identity
from motcua.identity.models import Role
from motcua.units.models import Agency, AgencyKind, AgencyLevel

assisted_app = typer.Typer(help="Assisted filing (community digital teams).", no_args_is_help=True)

DEMO_USERNAME = "tocongnghe.demo"
DEMO_NAME = "Đinh Thị Ngân (Tổ công nghệ số cộng đồng, dữ liệu mô phỏng)"
DEMO_NUMBER = "001195000901"  # synthetic, outside the sandbox personas


async def demo_helper(session: AsyncSession, password: str) -> str:
    """The helper account at the first commune People's Committee by code (once)."""
    if await identity_repository.officer_by_username(session, DEMO_USERNAME) is not None:
        return f"{DEMO_USERNAME} already exists."
    agency = await session.scalar(  # Phường Ba Đình, Hà Nội in the official data
        select(Agency)
        .where(Agency.level == AgencyLevel.commune, Agency.kind != AgencyKind.service_centre)
        .order_by(Agency.code)
        .limit(1)
    )
    if agency is None:
        raise typer.BadParameter("seed the units first (motcua seed)")
    await identity.create_officer(
        session,
        username=DEMO_USERNAME,
        full_name=DEMO_NAME,
        agency_code=agency.code,
        role=Role.community_helper,
        password=password,
        personal_id=DEMO_NUMBER,
    )
    return f"{DEMO_USERNAME} created at {agency.name} ({agency.code})."


@assisted_app.command("demo")
def demo(
    password: Annotated[
        str, typer.Option(help="Demo password (a public value: demo databases only).")
    ] = "tocongnghe-demo",
) -> None:
    """Create the demo's community helper account (synthetic), unless it exists."""
    from motcua.core.cli import in_session

    typer.echo(in_session(lambda session: demo_helper(session, password)))
