"""``cld data withdraw``: take an authority's shared data for one return and year
out on purpose (a file with no rows never does it by accident)."""

from __future__ import annotations

from typing import Annotated

import typer

from cld.cli.options import ByOption, DataDirOption, LaOption, open_area, who
from cld.engine.errors import ExitCode, UsageError
from cld.engine.spec.load import dataset_names
from cld.engine.years import year_span
from cld.pipeline.governance_actions import withdraw_year

app = typer.Typer(
    name="data",
    help="An authority's shared data: take a year of a return out.",
    no_args_is_help=True,
)


@app.command("withdraw")
def withdraw(
    data_dir: DataDirOption,
    la: LaOption,
    dataset: Annotated[
        str, typer.Option(help="The return, e.g. ssda903 or cin_census.")
    ],
    year: Annotated[
        int, typer.Option(help="The collection year by its end, e.g. 2024 for 2023-24.")
    ],
    table: Annotated[
        str | None, typer.Option(help="Only this table (default: every table).")
    ] = None,
    by: ByOption = None,
) -> int:
    """Delete the authority's published tables of a return for one year, from
    every use case (recorded in the audit log; session archives stay until
    retention)."""
    if dataset not in dataset_names():
        known = ", ".join(dataset_names())
        raise UsageError(f"--dataset {dataset!r} is not one of {known}")
    area, registry = open_area(data_dir)
    authority = registry.authority(la)
    removed = withdraw_year(
        area, registry, authority.code, dataset, year, by=who(by), table=table
    )
    what = f"{dataset} {table or 'tables'} for {year_span(year)}"
    if not removed:
        typer.echo(f"{authority.name}: no {what} are shared; nothing was deleted.")
        return ExitCode.OK
    typer.echo(f"{authority.name}: {len(removed)} shared {what} deleted.")
    for rel in removed:
        typer.echo(f"  {rel}")
    return ExitCode.OK
