"""Write the issues of several files as one CSV or one Excel workbook.

The workbook has a summary sheet, then one sheet per file with a frozen header row
and filters, so a data officer can sort and filter the problems in Excel.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class IssueSheet:
    """One file's sheet of a workbook: the file's name, how many issues it has,
    and its issues (the issue columns, in order), read as the sheet is written."""

    file: str
    count: int
    rows: Iterable[Sequence[object]]


def write_issue_workbook(
    summary: Sequence[Sequence[object]], sheets: Iterable[IssueSheet], target: Path
) -> None:
    """Write the workbook of :func:`write_issue_report` from ``summary`` (a row
    per file, :data:`SUMMARY_COLUMNS`) and ``sheets``, one at a time (Excel's
    write-only mode: no sheet is held whole), atomically."""
    write_atomically(target, lambda temporary: _workbook(summary, sheets, temporary))


def _write_xlsx(reports: Sequence[FileReport], target: Path) -> None:
    _workbook(
        _summary_rows(reports),
        (IssueSheet(r.file, r.issues.height, r.issues.iter_rows()) for r in reports),
        target,
    )


def _workbook(
    summary_rows: Sequence[Sequence[object]], sheets: Iterable[IssueSheet], target: Path
) -> None:
    book = Workbook(write_only=True)
    taken = {"summary"}
    summary = book.create_sheet("Summary")
    summary.freeze_panes = "A2"
    summary.auto_filter.ref = f"A1:H{len(summary_rows) + 1}"
    summary.append(list(SUMMARY_COLUMNS))
    for row in summary_rows:
        summary.append(list(row))
    for found in sheets:
        sheet = book.create_sheet(_sheet_name(found.file, taken))
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = f"A1:F{found.count + 1}"
        sheet.append(list(ISSUE_SCHEMA))
        for issue in found.rows:
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
