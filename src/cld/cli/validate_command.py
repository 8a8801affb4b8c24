"""``cld validate``: what each file is and everything wrong with it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cld.engine.errors import ExitCode, UsageError
from cld.engine.rules.returns import apply_rules
from cld.engine.spec.load import load_spec
from cld.engine.validate import FileReport, ValidateOptions
from cld.engine.years import parse_year
from cld.governance.authorities import find_authority
from cld.pipeline.issue_report import write_issue_report
from cld.pipeline.validate_files import validate_path


def parse_year_option(year: str | None) -> int | None:
    if year is None:
        return None
    parsed = parse_year(year)
    if parsed is None:
        raise UsageError(
            f"--year {year!r} is not a collection year; write it as 2024, 2023-24, "
            "2023/24, 202324, 2324 or 23/24 (all the year ending 31 March 2024)"
        )
    return parsed


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _title(report: FileReport) -> str:
    if report.dataset is None or report.year is None:
        return ""
    spec = load_spec(report.dataset, report.year)
    tables = ", ".join(
        f"{name} ({_plural(rows, 'row')})" for name, rows in report.tables.items()
    )
    return f"{spec.title}, {tables}"


def print_report(console: Console, report: FileReport, max_issues: int) -> None:
    if report.error is not None:
        console.print(f"[bold red]✗ {report.file}[/]: {report.error}", highlight=False)
        return
    counts = report.counts
    mark = "[bold red]✗[/]" if counts["error"] else "[bold green]✓[/]"
    console.print(
        f"{mark} [bold]{report.file}[/]: {_title(report)}; "
        f"[red]{_plural(counts['error'], 'error')}[/], "
        f"[yellow]{_plural(counts['warning'], 'warning')}[/]",
        highlight=False,
    )
    console.print(
        f"  year {report.year_reason}; table {report.table_reason}", highlight=False
    )
    if report.rules is not None:
        console.print(f"  {report.rules.summary()}", highlight=False)
    if not report.issues.height:
        return
    table = Table(show_edge=False, pad_edge=False, box=None, padding=(0, 1))
    for name in ("row", "column", "severity", "message"):
        table.add_column(name, overflow="fold", no_wrap=name != "message")
    for issue in report.issues.head(max_issues).iter_rows(named=True):
        colour = "red" if issue["severity"] == "error" else "yellow"
        table.add_row(
            "" if issue["row"] is None else str(issue["row"]),
            issue["column"] or "",
            Text(issue["severity"], style=colour),
            issue["message"],
        )
    console.print(table)
    hidden = report.issues.height - max_issues
    if hidden > 0:
        console.print(
            f"  … and {hidden:,} more issues: write them all with --report FILE"
        )


def validate(
    files: Annotated[list[Path], typer.Argument(help="The files to check.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the JSON report instead of tables.")
    ] = False,
    la: Annotated[
        str | None, typer.Option(help="The local authority the files are from.")
    ] = None,
    year: Annotated[
        str | None,
        typer.Option(help="Collection year, e.g. 2024 or 2023-24 (ending 31 March)."),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(help="Also write every issue to this .csv or .xlsx file."),
    ] = None,
    max_issues: Annotated[
        int, typer.Option(help="Issues shown per file on screen.", min=0)
    ] = 50,
    max_upload_mb: Annotated[
        float | None,
        typer.Option(
            help="Refuse files larger than this many MiB (default: CLD_MAX_UPLOAD_MB "
            "or 1024).",
            min=0,
        ),
    ] = None,
) -> int:
    """Identify each file (return, table, year) and list every problem in it.

    Exit 0 when every file was read (data issues are not failures); exit 2 when a
    file could not be read or identified.
    """
    given_year = parse_year_option(year)
    authority = find_authority(la) if la else None
    console = Console(highlight=False)
    reports: list[FileReport] = []
    for path in files:
        result = validate_path(
            path,
            ValidateOptions(
                year=given_year,
                la=str(authority.dfe) if authority else None,
                keep_tables=False,  # only the issues are reported
                dfe_rules=True,  # the tables a return's DfE rules read, till run
            ),
            max_bytes=None if max_upload_mb is None else int(max_upload_mb * 2**20),
        )
        reports.append(result)
    apply_rules(reports)  # a return's files together
    if not as_json:
        for result in reports:
            print_report(console, result, max_issues)
    if report is not None:
        write_issue_report(reports, report)
    if as_json:
        payload = {"files": [r.to_json() for r in reports]}
        typer.echo(json.dumps(payload, indent=2, default=str))
    elif authority is not None:
        console.print(f"Checked {len(reports)} files for {authority.name}.")
    failed = any(r.error is not None for r in reports)
    return ExitCode.BAD_INPUT if failed else ExitCode.OK
