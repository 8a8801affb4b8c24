"""A processing session: one authority's upload of one or more files, end to end.

receive → identify → parse → conform → minimise → enrich → pseudonymise/degrade →
archive → publish (``../shared/DESIGN.md``). The stages run in that order for the
whole upload; ``on_stage(name)`` is called as each begins (progress bars, and the
tests that inject a failure at every stage). Whatever fails, the authority's
published tables are untouched: they change only at the very end, in one switch
(:mod:`cld.pipeline.publish`), and a failed session's half-made folders are removed.

Re-processing a file is a no-op, by its checksum: a file this authority sent
before (the same sha256), last processed under the policy, pseudonym key and use
cases in force now, whose published tables are still exactly what that session
published, is *unchanged* — not read, archived or published again, and reported
with the session that processed it. When every file of an upload is unchanged the
session's status is ``unchanged`` and nothing is archived or published.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cld.engine.errors import UploadTooLargeError, UsageError
from cld.engine.issues import Issue, IssueCode, concat_issues, issues_frame
from cld.engine.transforms.pseudonymise import Pseudonymiser, PseudonymKey
from cld.engine.validate import FileReport, max_upload_bytes
from cld.engine.years import year_span
from cld.governance.authorities import Authority
from cld.pipeline.atomic import copy_stream, sha256_of
from cld.pipeline.data_area import DataArea
from cld.pipeline.issue_report import write_issue_record
from cld.pipeline.leftovers import end_dead_sessions
from cld.pipeline.manifest import write_manifest
from cld.pipeline.publish import current_files, la_lock, publish
from cld.pipeline.registry.store import Registry, SessionRecord, now
from cld.pipeline.session_ids import SESSION_ID, new_session_id
from cld.pipeline.session_report import stored_reports_by_checksum
from cld.pipeline.session_tables import (
    SessionTable,
    children_in,
    enrich_table,
    minimise,
    protect_table,
)
from cld.pipeline.validate_files import validate_path

STAGES = (
    "receive",
    "identify",
    "parse",
    "conform",
    "minimise",
    "enrich",
    "pseudonymise",
    "archive",
    "publish",
)
StageHook = Callable[[str], None]


@dataclass(frozen=True)
class PublishedTable:
    use_case: str
    dataset: str
    year: int
    table: str
    rows: int
    children: int | None
    columns: tuple[str, ...]
    path: str
    """Where it is under ``current/<LA>/``."""
    file: str = ""
    """The file of the upload it came from."""

    def to_json(self) -> dict[str, Any]:
        return {
            "use_case": self.use_case,
            "dataset": self.dataset,
            "year": self.year,
            "table": self.table,
            "rows": self.rows,
            "children": self.children,
            "columns": list(self.columns),
            "path": self.path,
        }


@dataclass
class SessionResult:
    session: str
    la: str
    status: str
    """``published`` (something went to a use case), ``archived`` (nothing could:
    kept for the issue report only), ``unchanged`` (every file had been processed
    before, and nothing has changed since: nothing was done)."""
    use_cases: frozenset[str]
    reports: list[FileReport]
    published: list[PublishedTable] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    """Per file: why nothing of it was published, when nothing was."""
    unchanged: dict[str, str] = field(default_factory=dict)
    """Per file found unchanged: the earlier session that processed it (its
    report is that session's, read back from its archive: the file was not read
    again)."""
    checksums: dict[str, str] = field(default_factory=dict)
    """Per file received: its sha256."""
    superseded: frozenset[str] = frozenset()
    """Files a table of which a later file of the upload replaced."""

    def to_json(self) -> dict[str, Any]:
        """What ``cld process --json`` prints: each file's ``cld validate --json``
        entry, with ``unchanged_since`` (the earlier session) for an unchanged
        one."""
        return {
            "session": self.session,
            "status": self.status,
            "files": [
                {**r.to_json(), "unchanged_since": self.unchanged[r.file]}
                if r.file in self.unchanged
                else r.to_json()
                for r in self.reports
            ],
        }


def process_files(
    area: DataArea,
    registry: Registry,
    authority: Authority,
    paths: Sequence[Path],
    *,
    by: str,
    key: PseudonymKey,
    today: dt.date | None = None,
    max_bytes: int | None = None,
    on_stage: StageHook | None = None,
    session_id: str | None = None,
) -> SessionResult:
    """Run one session for ``authority`` over ``paths`` and return what it did.
    ``session_id`` (from :func:`new_session_id`) lets a caller that queues the work
    name the session before it starts."""
    area.check()
    stage = on_stage or (lambda name: None)
    received_at = now()
    day = today or received_at.date()
    version, policy = registry.policy()
    permissions = registry.permissions(authority.code, day)
    session_id = session_id or new_session_id(authority.code, received_at)
    if not SESSION_ID.fullmatch(session_id) or f"-{authority.code}-" not in session_id:
        raise UsageError(f"{session_id!r} is not a session id for {authority.code}")
    la = authority.code
    with la_lock(area, la, registry.engine):
        _clear_dead_sessions(area, registry, la, by)
        registry.start_session(
            session_id,
            la,
            by=by,
            received_at=received_at,
            policy_version=version.version,
        )
        incoming = area.incoming / la / session_id
        partial = area.sessions / la / f".{session_id}.partial"
        try:
            stage("receive")
            received = _receive(paths, incoming, max_bytes)
            under = {
                "policy": {"version": version.version, "sha256": version.sha256},
                "pseudonym_key": key.fingerprint,
                "use_cases": sorted(permissions.use_cases),
            }
            unchanged = _unchanged(area, registry, la, received, under)
            if received and len(unchanged) == len(received):
                return _nothing_to_do(
                    registry, session_id, la, by, incoming, received, unchanged, under
                )
            reports = _validate(received, authority, stage, unchanged)
            notes = {**_unpublishable(reports, received), **_notes(unchanged)}
            stage("minimise")
            minimised = [
                t
                for r in reports
                if r.file not in notes
                for t in minimise(r, policy, permissions.use_cases)
            ]
            minimised, empty = _without_empty_tables(minimised, reports, notes)
            tables = _keep_last(minimised)
            kept = {id(t) for t in tables}
            superseded = frozenset(t.file for t in minimised if id(t) not in kept)
            for report in reports:
                if report.file not in notes and not any(
                    t.file == report.file for t in (*tables, *empty)
                ):
                    notes[report.file] = (
                        "no use case in force for this authority needs its tables"
                    )
            stage("enrich")
            by_file = {r.file: r for r in reports}
            for table in tables:
                found = enrich_table(table, la, la_ons=authority.ons)
                if found.height:
                    report = by_file[table.file]
                    report.issues = concat_issues([report.issues, found])
            stage("pseudonymise")
            pseudonyms = Pseudonymiser(key)
            for table in tables:
                protect_table(table, la, pseudonyms)
            stage("archive")
            published = _archive(
                partial,
                incoming,
                received,
                reports,
                tables,
                unchanged={name: e.session for name, e in unchanged.items()},
                superseded=superseded,
                manifest={
                    "session": session_id,
                    "la": la,
                    "submitted_by": by,
                    "received_at": received_at.isoformat(),
                    "policy": {"version": version.version, "sha256": version.sha256},
                    "pseudonym_key": key.fingerprint,
                    "use_cases_in_force": sorted(permissions.use_cases),
                    "notes": notes,
                },
            )
            final = area.session_dir(la, session_id)
            os.rename(partial, final)
            area.store(final)  # an object-store area keeps the archive there
            stage("publish")
            if published:
                publish(
                    area,
                    la,
                    session_id,
                    add={p.path: final / "degraded" / p.path for p in published},
                    on_built=lambda: stage("switch"),
                )
        except BaseException as exc:
            shutil.rmtree(incoming, ignore_errors=True)
            shutil.rmtree(partial, ignore_errors=True)
            shutil.rmtree(area.session_dir(la, session_id), ignore_errors=True)
            area.forget(area.session_dir(la, session_id))
            registry.finish_session(
                session_id,
                status="failed",
                by=by,
                summary={"error": type(exc).__name__},
            )
            raise
        shutil.rmtree(incoming, ignore_errors=True)
        status = "published" if published else "archived"
        result = SessionResult(
            session=session_id,
            la=la,
            status=status,
            use_cases=permissions.use_cases,
            reports=reports,
            published=published,
            notes=notes,
            unchanged={name: e.session for name, e in unchanged.items()},
            checksums={item.name: item.sha256 for item in received},
            superseded=superseded,
        )
        registry.finish_session(
            session_id, status=status, by=by, summary=_summary(result, under)
        )
    return result


@dataclass(frozen=True)
class Earlier:
    """The session that last processed a file, its summary's entry for the file
    and its report of it (from its archive)."""

    session: str
    entry: dict[str, Any]
    sha256: str
    report: FileReport

    @property
    def note(self) -> str:
        return (
            f"unchanged: the same file (sha256 {self.sha256[:8]}…) was processed "
            f"in session {self.session}; nothing was done"
        )


PROCESSED = ("published", "archived")
"""Statuses of a session that processed its files (and has its archive)."""


def _unchanged(
    area: DataArea,
    registry: Registry,
    la: str,
    received: list[Received],
    under: dict[str, Any],
) -> dict[str, Earlier]:
    """The files of ``received`` that are unchanged, by name: the latest session
    of ``la`` that processed a file with the same sha256 did so under ``under``
    (the policy, pseudonym key and use cases in force now) and what it published
    from that file is still exactly what is published (a later upload, a
    withdrawal or retention makes it new again). A file that session published
    nothing of is unchanged when that session said why (it was not read, names
    another authority, or no use case needs it), not when another file of its
    upload replaced its tables. The session's archive must still hold its
    report of the file."""
    wanted = {item.sha256 for item in received if item.sha256 and item.size >= 0}
    latest: dict[str, tuple[SessionRecord, dict[str, Any]]] = {}
    for record in reversed(registry.sessions(la) if wanted else []):
        entries = (record.summary or {}).get("files")
        for entry in reversed(entries if isinstance(entries, list) else []):
            digest = entry.get("sha256") if isinstance(entry, dict) else None
            if (
                digest in wanted
                and digest not in latest
                and not entry.get("unchanged_since")  # it was not processed then
            ):
                latest[digest] = (record, entry)
    published: dict[str, Path] | None = None
    reports: dict[str, dict[str, FileReport]] = {}
    found = {}
    for item in received:
        if item.sha256 not in latest:
            continue
        record, entry = latest[item.sha256]
        summary = record.summary or {}
        if record.status not in PROCESSED or entry.get("superseded") is not False:
            continue
        if any(summary.get(k) != v for k, v in under.items()):
            continue
        paths = entry.get("published")
        if not isinstance(paths, list):
            continue
        if not paths and not (summary.get("notes") or {}).get(entry.get("file")):
            continue
        if paths:
            published = current_files(area, la) if published is None else published
            archive = area.session_dir(la, record.id) / "degraded"
            if not all(
                rel in published
                and area.fetch_file(archive / rel).is_file()
                and sha256_of(published[rel]) == sha256_of(archive / rel)
                for rel in map(str, paths)
            ):
                continue
        if record.id not in reports:
            reports[record.id] = stored_reports_by_checksum(area, la, record.id)
        report = reports[record.id].get(item.sha256)
        if report is not None:
            found[item.name] = Earlier(record.id, entry, item.sha256, report)
    return found


def _notes(unchanged: dict[str, Earlier]) -> dict[str, str]:
    return {name: earlier.note for name, earlier in unchanged.items()}


def _unchanged_report(item: Received, earlier: Earlier) -> FileReport:
    """A file not read again: what its earlier session found in it."""
    return replace(earlier.report, file=item.name)


def _nothing_to_do(
    registry: Registry,
    session_id: str,
    la: str,
    by: str,
    incoming: Path,
    received: list[Received],
    unchanged: dict[str, Earlier],
    under: dict[str, Any],
) -> SessionResult:
    """Finish a session every file of which is unchanged: nothing is archived or
    published; the registry records it as ``unchanged``."""
    shutil.rmtree(incoming, ignore_errors=True)
    result = SessionResult(
        session=session_id,
        la=la,
        status="unchanged",
        use_cases=frozenset(under["use_cases"]),
        reports=[_unchanged_report(item, unchanged[item.name]) for item in received],
        notes=_notes(unchanged),
        unchanged={name: e.session for name, e in unchanged.items()},
        checksums={item.name: item.sha256 for item in received},
    )
    registry.finish_session(
        session_id, status="unchanged", by=by, summary=_summary(result, under)
    )
    return result


@dataclass(frozen=True)
class Received:
    name: str
    """The name the file arrived with."""
    path: Path
    size: int
    sha256: str


def _receive(
    paths: Sequence[Path], incoming: Path, max_bytes: int | None
) -> list[Received]:
    """Copy each upload into the authority's private incoming area (streamed, size
    capped, checksummed)."""
    limit = max_upload_bytes() if max_bytes is None else max_bytes
    received = []
    taken: set[str] = set()
    for number, path in enumerate(paths, start=1):
        name = path.name if path.name not in taken else f"{number}-{path.name}"
        taken.add(name)
        target = incoming / name
        if not path.is_file():
            received.append(Received(str(path), target, 0, ""))
            continue
        try:
            with path.open("rb") as stream:
                size, digest = copy_stream(stream, target, limit=limit)
        except OverflowError:
            received.append(Received(str(path), target, -1, ""))
            continue
        received.append(Received(str(path), target, size, digest))
    return received


def _validate(
    received: list[Received],
    authority: Authority,
    stage: StageHook,
    unchanged: dict[str, Earlier],
) -> list[FileReport]:
    """Each file's report, in upload order. An unchanged file is not read (its
    report is what its earlier session found) unless a file before it in this
    upload is the same return and year: it must then be read, to win over that
    one as the later file of the upload does (it is taken out of ``unchanged``)."""
    stage("identify")
    reports: list[FileReport] = []

    def lap(name: str) -> None:
        stage("parse" if name == "read" else name)

    for item in received:
        earlier = unchanged.get(item.name)
        if earlier is not None:
            same = (earlier.report.dataset, earlier.report.year)
            if not any(
                (r.dataset, r.year) == same
                for r in reports
                if r.file not in unchanged and r.dataset is not None
            ):
                reports.append(_unchanged_report(item, earlier))
                continue
            del unchanged[item.name]
        if item.size < 0:
            reports.append(
                FileReport(
                    file=item.name,
                    error=str(
                        UploadTooLargeError(
                            "the file is over the upload limit "
                            f"({max_upload_bytes() / 2**20:,.0f} MiB)"
                        )
                    ),
                )
            )
            continue
        if not item.path.exists():
            reports.append(FileReport(file=item.name, error="no such file"))
            continue
        report = validate_path(item.path, la=str(authority.dfe), on_stage=lap)
        report.file = item.name
        reports.append(report)
    return reports


def _unpublishable(
    reports: list[FileReport], received: list[Received]
) -> dict[str, str]:
    """Files nothing of which may be published, and why."""
    notes = {}
    for report in reports:
        if report.error is not None:
            notes[report.file] = f"not read: {report.error}"
        elif report.issues.height and IssueCode.LA_MISMATCH.value in set(
            report.issues.get_column("code").to_list()
        ):
            notes[report.file] = "the file names another authority"
    return notes


EMPTY_FILE_NOTE = (
    "the file has no rows in any table a use case needs, so nothing of it was "
    "shared and the tables already shared stay as they were; to take a year's "
    "data out, withdraw it (cld data withdraw)"
)


def _without_empty_tables(
    tables: list[SessionTable], reports: list[FileReport], notes: dict[str, str]
) -> tuple[list[SessionTable], list[SessionTable]]:
    """``tables`` less those with no rows, and those: a file with no rows for a
    table never replaces the rows already published for it (an empty or junk
    file must not empty an authority's tables; withdrawing a year's data is done
    on purpose, by :func:`cld.pipeline.governance_actions.withdraw_year`). Each
    file's report gets a warning per empty table; a file all of whose tables are
    empty gets a note in ``notes`` saying nothing of it was published."""
    kept = [t for t in tables if t.frame.height]
    empty = [t for t in tables if not t.frame.height]
    by_file = {r.file: r for r in reports}
    for file in dict.fromkeys(t.file for t in empty):
        found = [t for t in empty if t.file == file]
        report = by_file[file]
        report.issues = concat_issues(
            [
                report.issues,
                issues_frame(
                    [
                        Issue(
                            t.table,
                            None,
                            None,
                            IssueCode.EMPTY_TABLE_KEPT,
                            IssueCode.EMPTY_TABLE_KEPT.message(
                                table=t.table, year=year_span(t.year)
                            ),
                        )
                        for t in dict((t.key, t) for t in found).values()
                    ]
                ),
            ]
        )
        if not any(t.file == file for t in kept):
            notes[file] = EMPTY_FILE_NOTE
    return kept, empty


def _keep_last(tables: Any) -> list[SessionTable]:
    """One table per dataset, year and table: a later file of the upload wins."""
    latest: dict[tuple[str, int, str], SessionTable] = {}
    for table in tables:
        latest[table.key] = table
    return list(latest.values())


def _archive(
    folder: Path,
    incoming: Path,
    received: list[Received],
    reports: list[FileReport],
    tables: list[SessionTable],
    *,
    unchanged: dict[str, str],
    superseded: frozenset[str],
    manifest: dict[str, Any],
) -> list[PublishedTable]:
    """Write the session's immutable folder (under a temporary name) and return
    the degraded tables to publish. The files ``unchanged`` (name → the session
    that processed them) are listed but not kept again."""
    (folder / "raw").mkdir(parents=True)
    for item in received:
        if item.path.exists() and item.name not in unchanged:
            os.replace(item.path, folder / "raw" / item.path.name)
    published: list[PublishedTable] = []
    for table in tables:
        where = f"{table.dataset}/{table.year}/{table.table}.parquet"
        conformed = folder / "conformed" / where
        conformed.parent.mkdir(parents=True, exist_ok=True)
        table.frame.write_parquet(conformed)
        for use_case, frame in table.degraded.items():
            rel = f"{use_case}/{where}"
            target = folder / "degraded" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            frame.write_parquet(target)
            published.append(
                PublishedTable(
                    use_case=use_case,
                    dataset=table.dataset,
                    year=table.year,
                    table=table.table,
                    rows=frame.height,
                    children=children_in(frame, table.spec),
                    columns=tuple(frame.columns),
                    path=rel,
                    file=table.file,
                )
            )
    write_issue_record(reports, folder / "issues.csv")
    files = [
        {
            "name": item.name,
            "stored_as": f"raw/{item.path.name}"
            if item.size >= 0 and item.name not in unchanged
            else None,
            "size": item.size,
            "sha256": item.sha256 or None,
            "dataset": report.dataset,
            "year": report.year,
            "year_reason": report.year_reason,
            "term": report.term,
            "tables": report.tables,
            "issues": report.counts,
            "error": report.error,
            **_file_entry(item.sha256, report.file, published, superseded, unchanged),
        }
        for item, report in zip(received, reports, strict=True)
    ]
    write_manifest(
        folder,
        {
            **manifest,
            "finished_at": now().isoformat(),
            "files": files,
            "published": [p.to_json() for p in published],
        },
    )
    for path in folder.rglob("*"):
        if path.is_file():
            path.chmod(stat.S_IRUSR | stat.S_IRGRP)
    return published


def _file_entry(
    sha256: str,
    name: str,
    published: list[PublishedTable],
    superseded: frozenset[str],
    unchanged: dict[str, str],
) -> dict[str, Any]:
    """What a file's entry of the manifest and of the registry's summary say
    beside what was found in it: its ``sha256``, the paths under
    ``current/<LA>/`` of the tables ``published`` from it, whether a later file
    of the upload ``superseded`` one of its tables, and the session it was
    ``unchanged_since`` (None: it was processed). Re-processing matches on them
    (:func:`_unchanged`); entries without them are never matched."""
    return {
        "sha256": sha256 or None,
        "published": [p.path for p in published if p.file == name],
        "superseded": name in superseded,
        "unchanged_since": unchanged.get(name),
    }


def _summary(result: SessionResult, under: dict[str, Any]) -> dict[str, Any]:
    """What the registry keeps of a finished session: ``under`` (the policy,
    pseudonym key fingerprint and use cases in force), each file's entry, what
    was published and the notes."""
    return {
        **under,
        "files": [
            {
                "file": r.file,
                "dataset": r.dataset,
                "year": r.year,
                "tables": r.tables,
                "issues": r.counts,
                "error": r.error,
                **_file_entry(
                    result.checksums.get(r.file, ""),
                    r.file,
                    result.published,
                    result.superseded,
                    result.unchanged,
                ),
            }
            for r in result.reports
        ],
        "published": [p.to_json() for p in result.published],
        "notes": result.notes,
    }


def _clear_dead_sessions(area: DataArea, registry: Registry, la: str, by: str) -> None:
    """End what a session killed part-way left (the lock is held, so no session
    of this authority is really running), and any other working copy."""
    end_dead_sessions(area, registry, la, by=by)
    shutil.rmtree(area.incoming / la, ignore_errors=True)
    folder = area.sessions / la
    if folder.is_dir():
        for partial in folder.glob(".*.partial"):
            shutil.rmtree(partial, ignore_errors=True)
