"""``cld demo``: the platform's main job end to end, on synthetic data.

Generate every London authority's SSDA903 returns (faults planted), validate every
file, show what was found per authority, check each planted fault was found, and
write the issue workbook.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from cld.cli.synth_command import (
    YEARS_HELP,
    DatasetsOption,
    MessinessOption,
    SeedOption,
    generate_with_progress,
    parse_authorities,
    parse_datasets,
    parse_years,
    progress_bar,
)
from cld.engine.errors import ExitCode
from cld.engine.validate import FileReport
from cld.governance.authorities import Authority
from cld.pipeline.issue_report import write_issue_report
from cld.pipeline.validate_files import validate_path
from cld.synthetic.generate import PLANTED_COLUMNS, PLANTED_FAULTS

ISSUE_WORKBOOK = "issues.xlsx"
_FAULT_KEYS = tuple(c for c in PLANTED_COLUMNS if c != "table")


@dataclass
class AuthorityTotals:
    files: int = 0
    rows: int = 0
    errors: int = 0
    warnings: int = 0
    failed: int = 0

    def add(self, report: FileReport) -> None:
        counts = report.counts
        self.files += 1
        self.rows += sum(report.tables.values())
        self.errors += counts["error"]
        self.warnings += counts["warning"]
        self.failed += report.error is not None

    def cells(self) -> list[str]:
        return [
            f"{self.files:,}",
            f"{self.rows:,}",
            f"{self.errors:,}",
            f"{self.warnings:,}",
            f"[bold red]{self.failed:,}[/]" if self.failed else "0",
        ]


def _summary_table(
    las: Sequence[Authority], reports: dict[str, list[FileReport]]
) -> tuple[Table, AuthorityTotals]:
    table = Table(title="Validation of the synthetic returns", title_justify="left")
    table.add_column("LA")
    table.add_column("authority")
    for name in ("files", "rows", "errors", "warnings", "failed"):
        table.add_column(name, justify="right")
    everything = AuthorityTotals()
    for authority in las:
        totals = AuthorityTotals()
        for report in reports.get(authority.code, []):
            totals.add(report)
            everything.add(report)
        table.add_row(authority.code, authority.name, *totals.cells())
    table.add_section()
    table.add_row("", "[bold]all authorities[/]", *everything.cells())
    return table, everything


def _dataset_table(reports: Sequence[FileReport]) -> Table:
    table = Table(title="By return", title_justify="left")
    table.add_column("return")
    for name in ("files", "rows", "errors", "warnings", "failed"):
        table.add_column(name, justify="right")
    by_dataset: dict[str, AuthorityTotals] = {}
    for report in reports:
        by_dataset.setdefault(report.dataset or "(not identified)", AuthorityTotals())
        by_dataset[report.dataset or "(not identified)"].add(report)
    for dataset, totals in sorted(by_dataset.items()):
        table.add_row(dataset, *totals.cells())
    return table


def _found_issues(paths: Sequence[Path], reports: Sequence[FileReport]) -> pl.DataFrame:
    """Every issue as la, file, row, column, code (to compare with planted faults)."""
    frames = [
        report.issues.select(
            pl.lit(path.parent.name).alias("la"),
            pl.lit(path.name).alias("file"),
            "row",
            "column",
            "code",
        )
        for path, report in zip(paths, reports, strict=True)
    ]
    if not frames:
        return pl.DataFrame(
            schema={c: pl.Int64 if c == "row" else pl.String for c in _FAULT_KEYS}
        )
    return pl.concat(frames)


def _missed_faults(out: Path, found: pl.DataFrame) -> tuple[int, int]:
    """(planted faults, planted faults the validator did not report)."""
    planted = pl.read_csv(out / PLANTED_FAULTS, infer_schema=False).with_columns(
        pl.col("row").cast(pl.Int64)
    )
    if planted.height == 0:
        return 0, 0
    missed = planted.join(found, on=list(_FAULT_KEYS), how="anti", nulls_equal=True)
    return planted.height, missed.height


def demo(
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the data and the issue workbook.")
    ] = Path("demo-data"),
    years: Annotated[str, typer.Option("--years", help=YEARS_HELP)] = "2026",
    children: Annotated[
        int, typer.Option(min=1, help="Children looked after per LA and year.")
    ] = 40,
    seed: SeedOption = 0,
    messiness: MessinessOption = 0.02,
    datasets: DatasetsOption = None,
    la: Annotated[
        str | None,
        typer.Option("--la", help="Comma-separated LA codes (default: all 33)."),
    ] = None,
) -> int:
    """Generate every London LA's returns, validate them all, and summarise.

    Writes the files under DIR/<LA>/, the planted faults to DIR/planted_faults.csv
    and every issue found to DIR/issues.xlsx. Exit 0 when every file was read and
    identified and every planted fault was found.
    """
    chosen_years = parse_years(years)
    chosen = parse_authorities(la)
    console = Console(highlight=False)
    summary = generate_with_progress(
        out,
        chosen,
        chosen_years,
        children=children,
        seed=seed,
        messiness=messiness,
        datasets=parse_datasets(datasets),
    )
    console.print(
        f"Generated {len(summary.files):,} files for {len(chosen)} authorities, "
        f"collection years {chosen_years[0]}–{chosen_years[-1]}, in {out}"
    )

    dfe = {authority.code: authority.dfe for authority in chosen}
    reports: list[FileReport] = []
    by_la: dict[str, list[FileReport]] = {}
    with progress_bar(
        Console(stderr=True), "Validating", len(summary.files)
    ) as advance:
        for path in summary.files:
            report = validate_path(path, la=str(dfe[path.parent.name]))
            report.conformed = {}  # the typed tables are not needed: free them
            reports.append(report)
            by_la.setdefault(path.parent.name, []).append(report)
            advance(path.parent.name)

    table, totals = _summary_table(chosen, by_la)
    console.print(table)
    console.print(_dataset_table(reports))
    planted, missed = _missed_faults(out, _found_issues(summary.files, reports))
    if missed:
        console.print(
            f"[bold red]{missed:,} of {planted:,} planted faults were not reported[/]"
        )
    else:
        console.print(f"All {planted:,} planted faults were found by the validator.")
    workbook = out / ISSUE_WORKBOOK
    write_issue_report(reports, workbook)
    console.print(f"Every issue is in {workbook}")
    if totals.failed or missed:
        return ExitCode.INTERNAL
    return ExitCode.OK
