"""``cld demo``: the platform's main job end to end, on synthetic data.

Generate every London authority's returns (faults planted); make a data area with a
realistic mix of signed and unsigned agreements; process every authority's files
(check, minimise, pseudonymise, degrade, archive, publish); show what was found per
authority and check each planted fault was found; write the issue workbook; build
every use case's pan-London outputs and say where they are.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from cld.cli.outputs_command import print_outputs
from cld.cli.serve_command import prepare_portal, serve_portal
from cld.cli.synth_command import (
    YEARS_HELP,
    DatasetsOption,
    MessinessOption,
    SeedOption,
    generate_as_asked,
    progress_bar,
)
from cld.engine.errors import ExitCode
from cld.engine.validate import FileReport
from cld.governance.authorities import Authority
from cld.pipeline.data_area import DataArea
from cld.pipeline.demo_governance import sign_demo_agreements
from cld.pipeline.issue_report import write_issue_report
from cld.pipeline.outputs.build import build_outputs
from cld.pipeline.pseudonym_key import DEMO_KEY, DEMO_KEY_TEXT, KEY_ENV
from cld.pipeline.registry import Registry, open_registry
from cld.pipeline.session import process_files
from cld.synthetic.generate import PLANTED_COLUMNS, PLANTED_FAULTS

ISSUE_WORKBOOK = "issues.xlsx"
PLATFORM = "platform"
"""The demo's data area, inside the demo folder."""
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
    serve: Annotated[
        bool,
        typer.Option(
            "--serve/--no-serve",
            help="Then serve the portal on the data area with demo accounts.",
        ),
    ] = False,
    host: Annotated[str, typer.Option("--host", help="Where to serve.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
) -> int:
    """Generate every London LA's returns, process them all, build the outputs.

    Writes the files under DIR/<LA>/, the planted faults to DIR/planted_faults.csv,
    every issue found to DIR/issues.xlsx, and the platform's data area (sessions,
    published tables, outputs) to DIR/platform/. With --serve, then serves the
    portal there with an account for every role (passwords printed; the second
    factor is off in the demo only). Exit 0 when every file was read and
    identified and every planted fault was found.
    """
    made = generate_as_asked(
        out, la, years, datasets, children=children, seed=seed, messiness=messiness
    )
    chosen, chosen_years, summary = made.authorities, made.years, made.summary
    console = Console(highlight=False)
    console.print(
        f"Generated {len(summary.files):,} files for {len(chosen)} authorities, "
        f"collection years {chosen_years[0]}–{chosen_years[-1]}, in {out}"
    )

    area = DataArea(out / PLATFORM)
    area.create()
    registry = open_registry(area.registry_file, must_exist=False, embedded=True)
    registry.create(by="demo")
    flowing = sign_demo_agreements(registry, chosen, on=dt.date.today())
    console.print(
        f"Data area {area.root}: {sum(1 for f in flowing.values() if f)} of "
        f"{len(chosen)} authorities share data (signed agreements and approved "
        "DPIAs); the rest have signed nothing yet or await DPIA approval. The demo "
        "pseudonymises with a fixed key that is not secret: never use it for real "
        "data (cld process needs CLD_PSEUDONYM_KEY)."
    )
    files_by_la: dict[str, list[Path]] = {}
    for path in summary.files:
        files_by_la.setdefault(path.parent.name, []).append(path)
    by_report: dict[Path, FileReport] = {}
    by_la: dict[str, list[FileReport]] = {}
    with progress_bar(Console(stderr=True), "Processing", len(chosen)) as advance:
        for authority in chosen:
            paths = files_by_la.get(authority.code, [])
            result = process_files(
                area, registry, authority, paths, by="demo", key=DEMO_KEY
            )
            for path, report in zip(paths, result.reports, strict=True):
                report.conformed, report.rows = {}, {}  # not needed: free them
                by_report[path] = report
            by_la[authority.code] = result.reports
            advance(authority.code)
    reports = [by_report[path] for path in summary.files]

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
    print_outputs(console, build_outputs(area, registry))
    console.print(
        f"The pan-London outputs are in {area.outputs}/<use case>/ (Parquet, CSV, "
        "a workbook per report, manifest.json)."
    )
    failed = bool(totals.failed or missed)
    if serve and not failed:
        _serve_demo(console, area, registry, chosen, host, port)
    return ExitCode.INTERNAL if failed else ExitCode.OK


def _serve_demo(
    console: Console,
    area: DataArea,
    registry: Registry,
    chosen: Sequence[Authority],
    host: str,
    port: int,
) -> None:
    # The portal's settings read these: the demo says so on every page, keeps to
    # its embedded SQLite registry and pseudonymises uploads with its own key.
    os.environ["CLD_DEMO"] = "1"
    os.environ.pop("DATABASE_URL", None)
    os.environ[KEY_ENV] = DEMO_KEY_TEXT
    prepare_portal(area.root)
    from cld.portal.demo_accounts import demo_accounts

    sharing = [
        a for a in chosen if registry.permissions(a.code, dt.date.today()).use_cases
    ]
    first, second = (sharing + list(chosen))[0], (sharing + list(chosen))[1]
    table = Table(title="Demo accounts (synthetic data; second factor off in the demo)")
    for column in ("username", "password", "role", "authority / use cases"):
        table.add_column(column)
    for account in demo_accounts(registry, first, second):
        table.add_row(
            account.username,
            account.password,
            account.role,
            account.la or ", ".join(account.use_cases),
        )
    console.print(table)
    serve_portal(host, port)
