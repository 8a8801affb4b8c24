"""Validate one uploaded file: sniff, read, identify, conform.

The format comes from the content (CSV, XML, workbook), never from the name; each
format has its reader, and every table found is conformed against its schema. The
file comes through a :class:`~cld.engine.source.Source`; the only other I/O is the
upload limit read from the environment and, for an XML return, its tables spilled
to a temporary folder while it is read (removed before this returns, whatever
happens).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from cld.engine.conform.table import conform_table
from cld.engine.errors import (
    FileRejectedError,
    UploadTooLargeError,
    UsageError,
)
from cld.engine.identify import (
    check_name_fits,
    find_term,
    identify,
)
from cld.engine.issues import (
    Issue,
    IssueCode,
    concat_issues,
    count_by_severity,
    empty_issues,
    issues_frame,
)
from cld.engine.readers.csv import read_csv
from cld.engine.readers.sniff import sniff_format
from cld.engine.readers.table import RawRows
from cld.engine.rules.run import RulesSummary, rules_of
from cld.engine.source import BytesSource, Source
from cld.engine.spec.load import load_spec

SPILL_BYTES = 32 * 2**20
"""XML returns this large or larger have their tables spilled to disk as they are
read (about 25,000 children's CIN census); smaller ones are read in memory, where
writing and reading the batches would cost more than it saves."""
DEFAULT_MAX_UPLOAD_MB = 1024
MAX_UPLOAD_ENV = "CLD_MAX_UPLOAD_MB"


def max_upload_bytes() -> int:
    """The upload limit: ``CLD_MAX_UPLOAD_MB`` megabytes (MiB), 1024 by default."""
    text = os.environ.get(MAX_UPLOAD_ENV, str(DEFAULT_MAX_UPLOAD_MB))
    try:
        megabytes = float(text)
    except ValueError as exc:
        raise UsageError(f"{MAX_UPLOAD_ENV}={text!r} is not a number") from exc
    return int(megabytes * 2**20)


@dataclass
class FileReport:
    """Everything ``cld validate`` says about one file."""

    file: str
    dataset: str | None = None
    year: int | None = None
    year_reason: str | None = None
    table_reason: str | None = None
    term: str | None = None
    la: str | None = None
    """The LA the file itself names (the DfE number in an XML header), if any."""
    encoding: str | None = None
    tables: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    issues: pl.DataFrame = field(default_factory=empty_issues)
    conformed: dict[str, pl.DataFrame] = field(default_factory=dict)
    """Each table as conformed, in the file's row order."""
    rows: dict[str, pl.Series] = field(default_factory=dict)
    """Each conformed table's row numbers (spreadsheet row or XML line), in the
    same order as its frame."""
    rules: RulesSummary | None = None
    """What the DfE's rules of the file's return found in it, when they ran
    (:func:`cld.engine.rules.returns.apply_rules`)."""

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
            "term": self.term,
            "tables": dict(self.tables),
            "error": self.error,
            "issues": self.issues.to_dicts(),
            "dfe_rules": None if self.rules is None else self.rules.to_json(),
        }


Lap = Callable[[str], None]


def _conform_all(
    report: FileReport,
    raws: Iterable[tuple[str, RawRows]],
    spec_year: int,
    extra: list[Issue],
    *,
    keep_tables: bool,
    scratch: Path | None = None,
) -> None:
    """Conform each table in turn (a table spilled to disk is read a slice at a
    time); the conformed tables are kept in the report only when
    ``keep_tables``, and otherwise only their key columns are held, one table at
    a time, for the duplicate-key check (or, for tables spilled to disk, written
    to the ``scratch`` folder beside them, with only their hashes held)."""
    assert report.dataset is not None
    spec = load_spec(report.dataset, spec_year)
    frames = [issues_frame(extra)] if extra else []
    for name, raw in raws:
        result = conform_table(
            raw,
            spec.tables[name],
            spec_year,
            sort=False,
            keep_columns=keep_tables,
            keys_folder=scratch,
        )
        del raw
        report.tables[name] = result.height
        if keep_tables:
            report.conformed[name] = result.frame
            report.rows[name] = result.rows
        frames.append(result.issues)
        del result
    report.issues = concat_issues(frames)


@dataclass(frozen=True)
class ValidateOptions:
    """What a caller may say about a file beside its name and content."""

    year: int | None = None
    """The collection year, when the file does not say."""
    folder: str | None = None
    """The name of the folder the file was in (it can name the year)."""
    la: str | None = None
    """The DfE number of the authority the file was uploaded for, checked
    against any LA the file names."""
    keep_tables: bool = True
    """Keep each conformed table in the report (a session needs them; ``cld
    validate`` does not, and then holds one table at a time)."""
    dfe_rules: bool = False
    """Keep the conformed tables of a dataset that has DfE rules, for
    :func:`cld.engine.rules.returns.apply_rules` to run them (``cld validate``)."""
    spill_dir: Path | None = None
    """Where an XML return's tables are spilled while it is read (a temporary
    folder made and removed inside it); the system's temporary folder if None."""

    def keeps(self, dataset: str) -> bool:
        """Whether the conformed tables of a file of ``dataset`` are kept."""
        return self.keep_tables or (self.dfe_rules and bool(rules_of(dataset)))


def _validate_csv(
    report: FileReport, name: str, source: Source, options: ValidateOptions, lap: Lap
) -> None:
    raw = read_csv(source.read())
    report.encoding = raw.encoding
    lap("read")
    found = identify(raw.headers, name, year=options.year, folder=options.folder)
    check_name_fits(name, found.dataset)
    report.dataset, report.year = found.dataset, found.year
    report.year_reason, report.table_reason = found.year_reason, found.table_reason
    tables = [(found.table, raw)]
    del raw
    _conform_all(
        report, tables, found.year, [], keep_tables=options.keeps(found.dataset)
    )


def _validate_xml(
    report: FileReport, name: str, source: Source, options: ValidateOptions, lap: Lap
) -> None:
    """Read the return's tables, then conform them one at a time. A return of
    :data:`SPILL_BYTES` or more is read to Parquet files in a temporary folder
    first, and each table conformed from there a slice at a time, so memory holds
    a slice (and, for ``cld validate``, one table's keys), not the whole return."""
    from cld.engine.identify_returns import identify_xml
    from cld.engine.readers import xml

    found = identify_xml(name, source, year=options.year, folder=options.folder)
    report.dataset, report.year = found.spec.name, found.year
    report.year_reason = found.year_reason
    report.table_reason = "from the XML header"
    report.la = (found.header.get("la") or "").strip() or None
    tables: Iterable[tuple[str, RawRows]]
    scratch: Path | None = None
    with ExitStack() as stack:
        with source.open() as stream:
            if source.size < SPILL_BYTES:
                tables = xml.read_tables(stream, found.spec).items()
            else:
                scratch = Path(
                    stack.enter_context(
                        tempfile.TemporaryDirectory(
                            prefix=".cld-xml-", dir=options.spill_dir
                        )
                    )
                )
                tables = xml.spill_tables(stream, found.spec, scratch).items()
        lap("read")
        _conform_all(
            report,
            tables,
            found.year,
            _la_check(report.la, options.la),
            keep_tables=options.keeps(found.spec.name),
            scratch=scratch,
        )


def _la_check(found: str | None, expected: str | None) -> list[Issue]:
    """An issue when the LA a file names (its DfE number) is not the one it was
    uploaded for."""
    if found is None or expected is None or found.lstrip("0") == expected.lstrip("0"):
        return []
    code = IssueCode.LA_MISMATCH
    message = code.message(found=f"LA {found}", expected=f"LA {expected}")
    return [Issue(None, None, "LEA", code, message)]


def _validate_xlsx(
    report: FileReport, name: str, source: Source, options: ValidateOptions, lap: Lap
) -> None:
    from cld.engine.identify_returns import identify_workbook
    from cld.engine.readers import xlsx

    sheets = xlsx.read_sheets(source.read())  # checks for zip bombs first
    found = identify_workbook(name, sheets, year=options.year, folder=options.folder)
    report.dataset, report.year = found.dataset, found.year
    report.year_reason = found.year_reason
    report.table_reason = "from the sheet names and header rows"
    lap("read")
    _conform_all(
        report,
        found.tables.items(),
        found.year,
        [],
        keep_tables=options.keeps(found.dataset),
    )
    report.issues = concat_issues([found.sheet_issues, report.issues])


_READERS = {"xml": _validate_xml, "xlsx": _validate_xlsx, "csv": _validate_csv}


def validate_source(
    name: str,
    source: Source,
    options: ValidateOptions | None = None,
    *,
    display_name: str | None = None,
    max_bytes: int | None = None,
    on_stage: Lap | None = None,
) -> FileReport:
    """Sniff, read, identify and conform the file ``name``.

    A file that cannot be read or identified gets ``error`` (one line, no personal
    data); data problems are issues and never stop the report. ``on_stage`` is
    called with ``"read"`` and ``"conform"`` as each stage ends (the benchmark's
    clock).
    """
    options = options or ValidateOptions()
    report = FileReport(file=display_name or name)
    lap = on_stage or (lambda stage: None)
    limit = max_upload_bytes() if max_bytes is None else max_bytes
    try:
        if source.size > limit:
            raise UploadTooLargeError(
                f"the file is {source.size / 2**20:,.1f} MiB, over the upload limit "
                f"of {limit / 2**20:,.0f} MiB (set {MAX_UPLOAD_ENV} to change it)"
            )
        file_format = sniff_format(source.head())
        _READERS[file_format](report, name, source, options, lap)
    except FileRejectedError as exc:
        return FileReport(file=report.file, error=str(exc))
    if report.dataset is not None and load_spec(report.dataset, report.year or 0).terms:
        report.term = find_term(name)
    lap("conform")
    return report


def validate_bytes(
    name: str,
    data: bytes,
    options: ValidateOptions | None = None,
    *,
    display_name: str | None = None,
    max_bytes: int | None = None,
    on_stage: Lap | None = None,
) -> FileReport:
    """:func:`validate_source` for a file already in memory."""
    return validate_source(
        name,
        BytesSource(data),
        options,
        display_name=display_name,
        max_bytes=max_bytes,
        on_stage=on_stage,
    )
