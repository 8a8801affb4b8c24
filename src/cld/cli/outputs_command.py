"""``cld outputs``: build each use case's pan-London tables and reports."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cld.cli.options import DataDirOption, JsonOption, open_area, parse_date
from cld.engine.errors import ExitCode
from cld.pipeline.data_area import DataArea
from cld.pipeline.outputs.build import UseCaseOutput, build_outputs, built_manifest
from cld.pipeline.outputs.freshness import freshness
from cld.pipeline.registry import Registry


def print_outputs(console: Console, results: dict[str, UseCaseOutput]) -> None:
    for name, result in results.items():
        state = (
            f"rebuilt: {len(result.recomputed)} of {len(result.tables)} tables "
            "recomputed"
            if result.rebuilt
            else "unchanged (nothing new since the last build)"
        )
        table = Table(
            title=f"{name}: {len(result.las)} authorities; {state}",
            title_justify="left",
        )
        for column in ("table", "kind", "rows", "authorities", "years"):
            table.add_column(column, justify="right" if column == "rows" else "left")
        for table_name, summary in sorted(result.tables.items()):
            years = f"{summary.years[0]}–{summary.years[-1]}" if summary.years else ""
            table.add_row(
                table_name,
                summary.kind,
                f"{summary.rows:,}",
                str(len(summary.las)),
                years,
            )
        console.print(table)
        console.print(f"  in {result.folder}/")


def outputs(
    data_dir: DataDirOption,
    use_case: Annotated[
        str | None, typer.Option("--use-case", help="Only this use case.")
    ] = None,
    as_json: JsonOption = False,
    on: Annotated[
        str | None,
        typer.Option("--on", help="Build as of this date (default today)."),
    ] = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Build nothing: say whether the built outputs are up to date, and "
            "why not.",
        ),
    ] = False,
) -> int:
    """Build the pooled tables and reports of each use case from the authorities'
    published tables.

    Only authorities whose agreement and DPIA are in force are included; aggregates
    pass the use case's disclosure control. Re-running with nothing new changes
    nothing; after a change only the tables and reports it touches are recomputed.
    """
    area, registry = open_area(data_dir)
    if check:
        return _check(area, registry, use_case, as_json, parse_date(on) if on else None)
    results = build_outputs(
        area, registry, use_case=use_case, today=parse_date(on) if on else None
    )
    if as_json:
        payload = {name: result.to_json() for name, result in results.items()}
        typer.echo(json.dumps(payload, indent=2))
    else:
        print_outputs(Console(highlight=False), results)
    return ExitCode.OK


def _check(
    area: DataArea,
    registry: Registry,
    use_case: str | None,
    as_json: bool,
    day: dt.date | None,
) -> int:
    """``cld outputs --check``: each use case's outputs against the registry now."""
    _, policy = registry.policy()
    names = [policy.use_case(use_case).name] if use_case else sorted(policy.use_cases)
    found = {
        name: freshness(area, registry, name, built_manifest(area, name), today=day)
        for name in names
    }
    if as_json:
        typer.echo(json.dumps({n: f.to_json() for n, f in found.items()}, indent=2))
        return ExitCode.OK
    for name, state in found.items():
        if not state.built:
            typer.echo(f"{name}: not built yet")
        elif state.up_to_date:
            typer.echo(f"{name}: up to date")
        else:
            typer.echo(f"{name}: out of date until the next build:")
            for reason in state.reasons:
                typer.echo(f"  - {reason}")
    return ExitCode.OK
