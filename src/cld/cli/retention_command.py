"""``cld retention apply``: delete what the use cases' retention periods no longer
allow, and record it."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from cld.cli.options import (
    ByOption,
    DataDirOption,
    JsonOption,
    open_area,
    parse_date,
    who,
)
from cld.engine.errors import ExitCode
from cld.pipeline.retention import apply_retention

app = typer.Typer(
    name="retention",
    help="Keep data no longer than the policy allows.",
    no_args_is_help=True,
)


@app.command("apply")
def apply(
    data_dir: DataDirOption,
    on: Annotated[
        str | None,
        typer.Option("--on", help="Apply as of this date (default today)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would go; delete nothing.")
    ] = False,
    as_json: JsonOption = False,
    by: ByOption = None,
) -> int:
    """Delete published tables and session archives past their retention."""
    area, registry = open_area(data_dir)
    result = apply_retention(
        area, registry, today=parse_date(on), by=who(by), dry_run=dry_run
    )
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2))
        return ExitCode.OK
    verb = "Would delete" if dry_run else "Deleted"
    typer.echo(
        f"{verb} {len(result.tables)} published tables and "
        f"{len(result.sessions)} session archives."
    )
    for item in result.tables + result.sessions:
        typer.echo(f"  {item}")
    for kind, files in result.leftovers.items():
        typer.echo(
            f"{verb} leftovers of crashed uploads or sessions: {kind}, {files} files"
        )
    return ExitCode.OK
