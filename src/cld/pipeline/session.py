"""A processing session: one authority's upload of one or more files, end to end.

receive → identify → parse → conform → minimise → enrich → pseudonymise/degrade →
archive → publish (``../shared/DESIGN.md``). The stages run in that order for the
whole upload; ``on_stage(name)`` is called as each begins (progress bars, and the
tests that inject a failure at every stage). Whatever fails, the authority's
published tables are untouched: they change only at the very end, in one switch
(:mod:`cld.pipeline.publish`), and a failed session's half-made folders are removed.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import shutil
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cld.engine.errors import UploadTooLargeError, UsageError
from cld.engine.issues import IssueCode, concat_issues
from cld.engine.transforms.pseudonymise import Pseudonymiser, PseudonymKey
from cld.engine.validate import FileReport, max_upload_bytes
from cld.governance.authorities import Authority
from cld.pipeline.atomic import copy_stream
from cld.pipeline.data_area import DataArea
from cld.pipeline.issue_report import write_issue_report
from cld.pipeline.manifest import write_manifest
from cld.pipeline.publish import la_lock, publish
from cld.pipeline.registry.store import Registry, now
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
    kept for the issue report only)."""
    use_cases: frozenset[str]
    reports: list[FileReport]
    published: list[PublishedTable] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    """Per file: why nothing of it was published, when nothing was."""

    def to_json(self) -> dict[str, Any]:
        """What ``cld process --json`` prints."""
        return {"session": self.session, "files": [r.to_json() for r in self.reports]}


SESSION_ID = re.compile(r"[0-9]{8}T[0-9]{6}Z-[A-Z0-9]{2,8}-[0-9a-f]{6}")


def new_session_id(la: str, at: dt.datetime) -> str:
    return f"{at:%Y%m%dT%H%M%SZ}-{la}-{secrets.token_hex(3)}"


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
    with la_lock(area, la):
        _clear_dead_sessions(area, registry, la)
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
            reports = _validate(received, authority, stage)
            notes = _unpublishable(reports, received)
            stage("minimise")
            tables = _keep_last(
                t
                for r in reports
                if r.file not in notes
                for t in minimise(r, policy, permissions.use_cases)
            )
            for report in reports:
                if report.file not in notes and not any(
                    t.file == report.file for t in tables
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
        )
        registry.finish_session(
            session_id, status=status, by=by, summary=_summary(result)
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
    received: list[Received], authority: Authority, stage: StageHook
) -> list[FileReport]:
    stage("identify")
    reports = []

    def lap(name: str) -> None:
        stage("parse" if name == "read" else name)

    for item in received:
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
    manifest: dict[str, Any],
) -> list[PublishedTable]:
    """Write the session's immutable folder (under a temporary name) and return
    the degraded tables to publish."""
    (folder / "raw").mkdir(parents=True)
    for item in received:
        if item.path.exists():
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
                )
            )
    write_issue_report(reports, folder / "issues.csv")
    files = [
        {
            "name": item.name,
            "stored_as": f"raw/{item.path.name}" if item.size >= 0 else None,
            "size": item.size,
            "sha256": item.sha256 or None,
            "dataset": report.dataset,
            "year": report.year,
            "year_reason": report.year_reason,
            "term": report.term,
            "tables": report.tables,
            "issues": report.counts,
            "error": report.error,
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


def _summary(result: SessionResult) -> dict[str, Any]:
    return {
        "use_cases": sorted(result.use_cases),
        "files": [
            {
                "file": r.file,
                "dataset": r.dataset,
                "year": r.year,
                "tables": r.tables,
                "issues": r.counts,
                "error": r.error,
            }
            for r in result.reports
        ],
        "published": [p.to_json() for p in result.published],
        "notes": result.notes,
    }


def _clear_dead_sessions(area: DataArea, registry: Registry, la: str) -> None:
    """Remove what a session killed part-way left, and mark it interrupted (the
    lock is held, so no session of this authority is really running)."""
    for record in registry.sessions(la):
        if record.status == "running":
            registry.mark_session(record.id, "interrupted")
    shutil.rmtree(area.incoming / la, ignore_errors=True)
    folder = area.sessions / la
    if folder.is_dir():
        for partial in folder.glob(".*.partial"):
            shutil.rmtree(partial, ignore_errors=True)
