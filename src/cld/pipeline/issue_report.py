"""Write the issues of several files as one CSV or one Excel workbook.

The workbook has a summary sheet, then one sheet per file with a frozen header row
and filters, so a data officer can sort and filter the problems in Excel.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import polars as pl
from openpyxl import Workbook

from cld.engine.errors import UsageError
from cld.engine.issues import ISSUE_SCHEMA
from cld.engine.validate import FileReport
from cld.pipeline.atomic import write_atomically

_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")
SUMMARY_COLUMNS = (
    "file",
    "dataset",
    "year",
    "tables",
    "rows",
    "errors",
    "warnings",
    "error",
)


def _long_frame(reports: Sequence[FileReport]) -> pl.DataFrame:
    frames = [
        r.issues.select(pl.lit(r.file).alias("file"), *ISSUE_SCHEMA)
        for r in reports
        if r.issues.height
    ]
    if not frames:
        return pl.DataFrame(schema={"file": pl.String(), **ISSUE_SCHEMA})
    return pl.concat(frames)


def _summary_rows(reports: Sequence[FileReport]) -> list[tuple[object, ...]]:
    return [
        (
            r.file,
            r.dataset or "",
            r.year or "",
            ", ".join(r.tables),
            sum(r.tables.values()),
            r.counts["error"],
            r.counts["warning"],
            r.error or "",
        )
        for r in reports
    ]


def _sheet_name(file: str, taken: set[str]) -> str:
    base = _SHEET_UNSAFE.sub("_", Path(file).stem)[:28] or "file"
    name, n = base, 1
    while name.casefold() in taken:
        n += 1
        name = f"{base[:25]}~{n}"
    taken.add(name.casefold())
    return name


def _write_xlsx(reports: Sequence[FileReport], target: Path) -> None:
    book = Workbook(write_only=True)
    taken = {"summary"}
    summary = book.create_sheet("Summary")
    summary.freeze_panes = "A2"
    rows = _summary_rows(reports)
    summary.auto_filter.ref = f"A1:H{len(rows) + 1}"
    summary.append(list(SUMMARY_COLUMNS))
    for row in rows:
        summary.append(list(row))
    for report in reports:
        sheet = book.create_sheet(_sheet_name(report.file, taken))
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = f"A1:F{report.issues.height + 1}"
        sheet.append(list(ISSUE_SCHEMA))
        for issue in report.issues.iter_rows():
            sheet.append(list(issue))
    book.save(target)


def write_issue_report(reports: Sequence[FileReport], target: Path) -> None:
    """Write ``reports`` to ``target`` (``.csv`` or ``.xlsx``), atomically."""
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise UsageError(f"--report must end in .csv or .xlsx, not {target.name!r}")

    def write(temporary: Path) -> None:
        if suffix == ".csv":
            _long_frame(reports).write_csv(temporary)
        else:
            _write_xlsx(reports, temporary)

    write_atomically(target, write)
