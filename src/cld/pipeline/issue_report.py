"""Write the issues of several files as one CSV or one Excel workbook.

The workbook has a summary sheet, then one sheet per file with a frozen header row
and filters, so a data officer can sort and filter the problems in Excel. Both go
through the outputs' writers (:mod:`cld.pipeline.outputs.writers`): a file name or
a column heading that starts like a formula (``=HYPERLINK(…)``) is written as text,
never as something a spreadsheet would run.

:func:`write_issue_record` writes a session archive's ``issues.csv``: the record of
what was found, verbatim, read back by the platform (pages, reports), never handed
to a person as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import polars as pl

from cld.engine.errors import UsageError
from cld.engine.issues import ISSUE_SCHEMA
from cld.engine.validate import FileReport
from cld.pipeline.atomic import write_atomically
from cld.pipeline.outputs.writers import Pages, write_csv, write_workbook

SUMMARY_SCHEMA = pl.Schema(
    {
        "file": pl.String(),
        "dataset": pl.String(),
        "year": pl.Int64(),
        "tables": pl.String(),
        "rows": pl.Int64(),
        "errors": pl.Int64(),
        "warnings": pl.Int64(),
        "error": pl.String(),
    }
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


def summary_frame(rows: Iterable[Sequence[object]]) -> pl.DataFrame:
    """The Summary sheet: a row per file (:data:`SUMMARY_SCHEMA`)."""
    return pl.DataFrame(list(rows), schema=SUMMARY_SCHEMA, orient="row")


def _summary(reports: Sequence[FileReport]) -> pl.DataFrame:
    return summary_frame(
        (
            r.file,
            r.dataset,
            r.year,
            ", ".join(r.tables),
            sum(r.tables.values()),
            r.counts["error"],
            r.counts["warning"],
            r.error,
        )
        for r in reports
    )


def _sheets(reports: Sequence[FileReport]) -> list[tuple[str, pl.DataFrame]]:
    """The summary, then each file's issues, on a sheet named after the file
    (without its suffix; the writer makes names unique and safe)."""
    return [
        ("Summary", _summary(reports)),
        *((Path(r.file).stem, r.issues.select(*ISSUE_SCHEMA)) for r in reports),
    ]


def write_issue_sheets(
    summary: pl.DataFrame, files: Iterable[tuple[str, Pages]], target: Path
) -> None:
    """The workbook of :func:`write_issue_report` from its Summary sheet and, per
    file, its name and its issues as :data:`~cld.pipeline.outputs.writers.Pages`
    (a batch at a time: no file's issues held whole), atomically."""
    pages: list[tuple[str, pl.DataFrame | Pages]] = [("Summary", summary)]
    pages.extend((Path(name).stem, issues) for name, issues in files)
    write_workbook(pages, [], target, numbers=False)


def write_issue_report(reports: Sequence[FileReport], target: Path) -> None:
    """Write ``reports`` to ``target`` (``.csv`` or ``.xlsx``), atomically, for a
    person to open."""
    suffix = target.suffix.lower()
    if suffix == ".csv":
        write_csv(_long_frame(reports), target)
    elif suffix == ".xlsx":
        write_workbook(_sheets(reports), [], target, numbers=False)
    else:
        raise UsageError(f"--report must end in .csv or .xlsx, not {target.name!r}")


def write_issue_record(reports: Sequence[FileReport], target: Path) -> None:
    """Write every issue of ``reports`` verbatim to the CSV ``target``, atomically:
    a session archive's record (:mod:`cld.pipeline.session_report` reads it)."""
    frame = _long_frame(reports)
    write_atomically(target, lambda path: frame.write_csv(path))
