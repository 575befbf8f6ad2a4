"""``motcua legacy``: import dossiers from the former provincial one-stop systems."""

import json
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.legacy import demo, service
from motcua.legacy.schemas import LegacyFile
from motcua.legacy.service import Imported, ImportRefused

legacy_app = typer.Typer(help="Dossiers and codes of the former systems.", no_args_is_help=True)


def _print(imported: list[Imported]) -> None:
    for item in imported:
        typer.echo(f"{item.old_code} -> {item.code} (mã tra cứu {item.tracking_secret})")


@legacy_app.command("import")
def legacy_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Import open dossiers (JSON, CSV or XLSX); all or nothing, every problem named by row."""
    from motcua.core.cli import in_session

    async def work(session: AsyncSession) -> list[Imported]:
        return await service.import_file(session, file.name, file.read_bytes())

    try:
        imported = in_session(work)
    except ImportRefused as refused:
        typer.secho(refused.message, fg=typer.colors.RED, err=True)
        for p in refused.details["problems"]:
            typer.echo(f"  - dòng {p['row']}, {p['field']}: {p['message']}", err=True)
        raise typer.Exit(1) from refused
    _print(imported)
    typer.echo(f"{len(imported)} hồ sơ đã nhập.")


@legacy_app.command("demo")
def legacy_demo() -> None:
    """Import a small synthetic file of a former system (once), for the demo."""
    from motcua.core.cli import in_session

    _print(in_session(demo.seed_demo))


@legacy_app.command("schema")
def legacy_schema() -> None:
    """Print the JSON Schema of the import file."""
    typer.echo(json.dumps(LegacyFile.model_json_schema(), ensure_ascii=False, indent=2))
