"""Reuse unchanged: the files of an upload that were processed before, under what
is in force now, and whose published tables are still what was published.

Re-processing a file is a no-op, by its checksum: a file this authority sent
before (the same sha256), last processed under the policy, pseudonym key and use
cases in force now, whose published tables are still exactly what that session
published, is *unchanged*: not read, archived or published again, and reported
with the session that processed it (its report read back from that session's
archive)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from cld.engine.validate import FileReport
from cld.pipeline.atomic import sha256_of
from cld.pipeline.publish import current_files
from cld.pipeline.registry.store import SessionRecord
from cld.pipeline.session.context import SessionContext
from cld.pipeline.session.receive import Received
from cld.pipeline.session_records import FileEntry, SessionSummary
from cld.pipeline.session_report import stored_reports_by_checksum
from cld.pipeline.session_status import ARCHIVED_STATUSES


@dataclass(frozen=True)
class Earlier:
    """The session that last processed a file, its summary's entry for the file
    and its report of it (from its archive)."""

    session: str
    entry: FileEntry
    sha256: str
    report: FileReport

    @property
    def note(self) -> str:
        return (
            f"unchanged: the same file (sha256 {self.sha256[:8]}…) was processed "
            f"in session {self.session}; nothing was done"
        )

    def report_as(self, name: str) -> FileReport:
        """What the earlier session found in the file, named as received now."""
        return replace(self.report, file=name)


Unchanged = Mapping[str, Earlier]
"""The files found unchanged, by the name they arrived with."""


def notes_of(unchanged: Unchanged) -> dict[str, str]:
    return {name: earlier.note for name, earlier in unchanged.items()}


def find_unchanged(context: SessionContext, received: list[Received]) -> Unchanged:
    """The files of ``received`` that are unchanged: the latest session of the
    authority that processed a file with the same sha256 did so under what is in
    force now and what it published from that file is still exactly what is
    published (a later upload, a withdrawal or retention makes it new again). A
    file that session published nothing of is unchanged when that session said
    why (it was not read, names another authority, or no use case needs it), not
    when another file of its upload replaced its tables. The session's archive
    must still hold its report of the file."""
    area, la = context.area, context.la
    wanted = {item.sha256 for item in received if item.sha256 and not item.too_large}
    latest = _latest_entries(context.registry.sessions(la) if wanted else [], wanted)
    published: dict[str, Path] | None = None
    reports: dict[str, dict[str, FileReport]] = {}
    found = {}
    for item in received:
        if item.sha256 not in latest:
            continue
        record, summary, entry = latest[item.sha256]
        if record.status not in ARCHIVED_STATUSES or entry.superseded is not False:
            continue
        if summary.under != context.under or entry.published is None:
            continue
        if not entry.published and not summary.notes.get(entry.name):
            continue
        if entry.published:
            published = current_files(area, la) if published is None else published
            archive = area.session_dir(la, record.id) / "degraded"
            if not all(
                rel in published
                and area.fetch_file(archive / rel).is_file()
                and sha256_of(published[rel]) == sha256_of(archive / rel)
                for rel in entry.published
            ):
                continue
        if record.id not in reports:
            reports[record.id] = stored_reports_by_checksum(area, la, record.id)
        report = reports[record.id].get(item.sha256)
        if report is not None:
            found[item.name] = Earlier(record.id, entry, item.sha256, report)
    return found


def _latest_entries(
    records: list[SessionRecord], wanted: set[str]
) -> dict[str, tuple[SessionRecord, SessionSummary, FileEntry]]:
    """Per sha256 wanted, the latest session that processed such a file, its
    summary and its entry of the file."""
    latest: dict[str, tuple[SessionRecord, SessionSummary, FileEntry]] = {}
    for record in reversed(records):
        summary = record.outcome
        for entry in reversed(summary.files):
            digest = entry.sha256
            if digest in wanted and digest not in latest and entry.processed:
                latest[digest] = (record, summary, entry)
    return latest
