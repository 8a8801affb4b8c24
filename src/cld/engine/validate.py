"""Validate one uploaded file: read, identify, conform. Pure: bytes in, report out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from cld.engine.conform.table import conform_table
from cld.engine.errors import FileRejectedError
from cld.engine.identify import identify
from cld.engine.issues import count_by_severity, empty_issues
from cld.engine.readers.csv import read_csv


@dataclass
class FileReport:
    """Everything ``cld validate`` says about one file."""

    file: str
    dataset: str | None = None
    year: int | None = None
    year_reason: str | None = None
    table_reason: str | None = None
    encoding: str | None = None
    tables: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    issues: pl.DataFrame = field(default_factory=empty_issues)
    conformed: dict[str, pl.DataFrame] = field(default_factory=dict)
    """Each table as conformed, in the file's row order."""

    @property
    def counts(self) -> dict[str, int]:
        return count_by_severity(self.issues)

    def to_json(self) -> dict[str, Any]:
        """The entry promised by ``cld validate --json`` (docs/reference/json.md)."""
        return {
            "file": self.file,
            "dataset": self.dataset,
            "year": self.year,
            "year_reason": self.year_reason,
            "tables": dict(self.tables),
            "error": self.error,
            "issues": self.issues.to_dicts(),
        }


def validate_bytes(
    name: str,
    data: bytes,
    *,
    year: int | None = None,
    folder: str | None = None,
    display_name: str | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> FileReport:
    """Read, identify and conform the file ``name`` holding ``data``.

    A file that cannot be read or identified gets ``error`` (one line, no personal
    data); data problems are issues and never stop the report. ``on_stage`` is
    called with ``"read"`` and ``"conform"`` as each stage ends (the benchmark's
    clock).
    """
    report = FileReport(file=display_name or name)
    lap = on_stage or (lambda stage: None)
    try:
        raw = read_csv(data)
        report.encoding = raw.encoding
        lap("read")
        found = identify(raw.headers, name, year=year, folder=folder)
    except FileRejectedError as exc:
        report.error = str(exc)
        return report
    report.dataset = found.dataset
    report.year = found.year
    report.year_reason = found.year_reason
    report.table_reason = found.table_reason
    # Validation only counts the conformed rows: leave them in file order.
    result = conform_table(raw, found.table_spec, found.year, sort=False)
    report.tables = {found.table: result.frame.height}
    report.issues = result.issues
    report.conformed = {found.table: result.frame}
    lap("conform")
    return report
