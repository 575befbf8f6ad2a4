"""``motcua catalog``: import, export, generate, search the procedure catalog."""

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
import yaml

from motcua.catalog import formats
from motcua.catalog import service as catalog
from motcua.catalog.synthetic import synthetic_document
from motcua.core.cli import fail, in_session

catalog_app = typer.Typer(help="The procedure catalog.", no_args_is_help=True)


class ExportFormat(StrEnum):
    json = "json"
    yaml = "yaml"
    xlsx = "xlsx"
    cpsv_ap = "cpsv-ap"


@catalog_app.command("import")
def catalog_import(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Import a catalog file (.json, .yaml, .xlsx): all of it, or nothing and every problem."""
    try:
        document, lines = formats.read(path)
    except formats.UnreadableCatalog as error:
        fail(error.problems, "Không nhập gì; tệp có lỗi:")
        return
    try:
        report = in_session(lambda session: catalog.import_document(session, document, lines))
    except catalog.ImportRejected as error:
        fail(error.problems, "Không nhập gì; tệp có lỗi:")
        return
    typer.echo(
        f"{len(report.created)} versions created, {len(report.unchanged)} unchanged, "
        f"{report.evidence_types} evidence types."
    )


@catalog_app.command("export")
def catalog_export(
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    format: Annotated[ExportFormat, typer.Option("--format", "-f")] = ExportFormat.json,
    base_url: str = "http://127.0.0.1:8000",
) -> None:
    """Export the catalog in force (JSON, YAML, XLSX or CPSV-AP JSON-LD)."""
    document = in_session(catalog.export_document)
    data: bytes
    if format == ExportFormat.xlsx:
        data = formats.write_xlsx(document)
    elif format == ExportFormat.cpsv_ap:
        cpsv = formats.to_cpsv_ap(document, base_url)
        data = json.dumps(cpsv, ensure_ascii=False, indent=2).encode()
    elif format == ExportFormat.yaml:
        data = yaml.safe_dump(document.model_dump(mode="json"), allow_unicode=True).encode()
    else:
        data = formats.to_json(document).encode()
    if output is None:
        sys.stdout.buffer.write(data)
    else:
        output.write_bytes(data)
        typer.echo(f"{len(document.procedures)} procedures written to {output}.")


@catalog_app.command("generate")
def catalog_generate(
    count: Annotated[int, typer.Option(min=1, max=100_000)] = 2500,
    seed: int = 1,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write, don't import.")
    ] = None,
) -> None:
    """Synthetic procedures (codes 9.DDDDDD, marked synthetic) for scale and load tests."""
    document = synthetic_document(count, seed)
    if output is not None:
        output.write_text(formats.to_json(document), "utf-8")
        typer.echo(f"{count} synthetic procedures written to {output}.")
        return
    report = in_session(lambda session: catalog.import_document(session, document))
    typer.echo(
        f"{len(report.created)} synthetic versions created, {len(report.unchanged)} unchanged."
    )


@catalog_app.command("search")
def catalog_search(query: str, page: int = 1) -> None:
    """Search the catalog as the public page does."""
    result = in_session(lambda session: catalog.search(session, query, page=page))
    typer.echo(f"{result.total} results")
    for item in result.items:
        typer.echo(f"{item.code}  [{item.online_level}]  {item.name}")


@catalog_app.command("schema")
def catalog_schema() -> None:
    """Print the JSON Schema of the import/export document."""
    typer.echo(json.dumps(formats.json_schema(), ensure_ascii=False, indent=2))
