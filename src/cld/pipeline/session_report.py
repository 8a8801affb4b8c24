"""An archived session's issue report, read back from its folder.

A session folder keeps what ``cld validate`` said about each file: the manifest's
``files`` list (dataset, year and why, term, tables and their rows, error) and
``issues.csv`` (every issue, one row each, with the file it is in). From them this
module gives each file's manifest entry
(:class:`~cld.pipeline.session_records.FileEntry`, :func:`stored_file_entries`)
and rebuilds, per file and in upload order, the
:class:`~cld.engine.validate.FileReport` the session made (:func:`stored_reports`,
through :meth:`~cld.pipeline.session_records.FileEntry.as_report`; its ``to_json``
is exactly the entry ``cld validate --json`` gives) for the issue-report writers
(:mod:`cld.pipeline.issue_report`). :func:`scan_issues` gives the issues as a lazy
frame, to filter, sort and page through without reading them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl

from cld.engine.disclosure import neutralised
from cld.engine.errors import UsageError
from cld.engine.issues import ISSUE_SCHEMA
from cld.engine.query import ENGINE
from cld.engine.validate import FileReport
from cld.pipeline.atomic import write_atomically
from cld.pipeline.data_area import DataArea
from cld.pipeline.issue_report import summary_frame, write_issue_sheets
from cld.pipeline.manifest import MANIFEST, read_session_manifest
from cld.pipeline.session_records import FileEntry

ISSUES_FILE = "issues.csv"
STORED_ISSUE_SCHEMA = pl.Schema({"file": pl.String(), **ISSUE_SCHEMA})
"""The columns of a session's ``issues.csv``: the file, then an issue's columns."""


def session_folder(area: DataArea, la: str, session_id: str) -> Path:
    """The archive folder of a finished session; :class:`UsageError` when there is
    none (a session still running, failed, or unknown)."""
    folder = area.fetch(area.session_dir(la, session_id))
    if not (folder / MANIFEST).is_file():
        raise UsageError(f"session {session_id!r} of {la} has no archive")
    return folder


def scan_issues(area: DataArea, la: str, session_id: str) -> pl.LazyFrame:
    """Every issue of the session, lazily: ``file`` then the issue columns, in the
    order the files were uploaded and, within a file, the order found."""
    folder = session_folder(area, la, session_id)
    return pl.scan_csv(folder / ISSUES_FILE, schema=STORED_ISSUE_SCHEMA)


def stored_file_entries(area: DataArea, la: str, session_id: str) -> list[FileEntry]:
    """The manifest's entry of each file, in upload order: its name, size,
    sha256, what identification found and its issue counts."""
    return list(read_session_manifest(session_folder(area, la, session_id)).files)


def stored_reports(area: DataArea, la: str, session_id: str) -> list[FileReport]:
    """Each file's report as it was when the session ran, without its conformed
    tables (the issue-report writers need only the issues)."""
    files = stored_file_entries(area, la, session_id)
    issues = scan_issues(area, la, session_id).collect(engine=ENGINE)
    by_file = issues.partition_by("file", as_dict=True, maintain_order=True)
    columns = list(ISSUE_SCHEMA)
    empty = issues.clear().select(columns)
    return [
        entry.as_report(by_file.get((entry.name,), empty).select(columns))
        for entry in files
    ]


def stored_reports_by_checksum(
    area: DataArea, la: str, session_id: str
) -> dict[str, FileReport]:
    """The report, as it was when the session ran, of each file the session read,
    by its sha256 (the last such file's; files it did not read again are left
    out); empty when it has no archive. What ``cld validate`` would say of the
    same bytes again."""
    try:
        files = stored_file_entries(area, la, session_id)
        reports = stored_reports(area, la, session_id)
    except (UsageError, OSError, ValueError, KeyError):
        return {}
    return {
        entry.sha256: report
        for entry, report in zip(files, reports, strict=True)
        if entry.sha256 and entry.processed
    }


BATCH = 10_000
"""Issues read at a time when a report is written from an archive."""


def stored_issue_workbook(
    area: DataArea, la: str, session_id: str, target: Path, name: Callable[[str], str]
) -> None:
    """Write the session's issue report workbook to ``target`` from its archive
    (as :func:`~cld.pipeline.issue_report.write_issue_report` would from its
    reports), each file's issues read :data:`BATCH` at a time; ``name`` gives
    the name a file is shown by."""
    files = stored_file_entries(area, la, session_id)
    issues = scan_issues(area, la, session_id)
    by_severity: dict[tuple[str, str], int] = {
        (str(f), str(s)): int(n)
        for f, s, n in issues.group_by("file", "severity")
        .len()
        .collect(engine=ENGINE)
        .iter_rows()
    }
    summary = summary_frame(
        (
            name(f.name),
            f.dataset,
            f.year,
            ", ".join(f.tables),
            sum(f.tables.values()),
            by_severity.get((f.name, "error"), 0),
            by_severity.get((f.name, "warning"), 0),
            f.error,
        )
        for f in files
    )

    def batches(file: str) -> Iterator[pl.DataFrame]:
        yield pl.DataFrame(schema=ISSUE_SCHEMA)  # the header, for a file without
        yield from (
            issues.filter(pl.col("file") == file)
            .select(list(ISSUE_SCHEMA))
            .collect_batches(chunk_size=BATCH)
        )

    write_issue_sheets(
        summary,
        ((name(f.name), batches(f.name)) for f in files),
        target,
    )


def stored_issue_csv(area: DataArea, la: str, session_id: str, target: Path) -> None:
    """Write the session's issues to the CSV ``target`` from its archive, streamed
    (never all held), each file by the name it was sent with (without the folders
    it was processed from) and no cell a spreadsheet would run as a formula (as
    :func:`~cld.pipeline.issue_report.write_issue_report` writes them)."""
    issues = scan_issues(area, la, session_id).with_columns(
        pl.col("file").str.replace(r"^.*/", "")
    )
    text = [c for c, dtype in STORED_ISSUE_SCHEMA.items() if dtype == pl.String]
    write_atomically(
        target,
        lambda path: issues.with_columns(neutralised(c) for c in text).sink_csv(path),
    )
