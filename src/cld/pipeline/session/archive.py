"""Archive: the session's immutable folder (raw files, conformed and degraded
tables, the issue record and the manifest), made under a temporary name and put
in place whole."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cld.pipeline.issue_report import write_issue_record
from cld.pipeline.manifest import write_manifest
from cld.pipeline.published_path import PublishedPath
from cld.pipeline.registry.store import now
from cld.pipeline.session.context import SessionContext
from cld.pipeline.session.files import file_entries
from cld.pipeline.session.protect import Protected
from cld.pipeline.session.receive import Received
from cld.pipeline.session_records import FileEntry, PublishedTable, SessionManifest
from cld.pipeline.session_tables import SessionTable, children_in


@dataclass(frozen=True)
class Archived:
    folder: Path
    """The archive, in place."""
    files: tuple[FileEntry, ...]
    published: tuple[PublishedTable, ...]
    """The degraded tables to publish (under ``folder / "degraded"``)."""


def archive(
    context: SessionContext,
    received: list[Received],
    protected: Protected,
    *,
    unchanged: Mapping[str, str],
) -> Archived:
    """Write the session's archive and put it in place; the files ``unchanged``
    (name → the session that processed them) are listed but not kept again."""
    context.stage("archive")
    folder = context.partial
    (folder / "raw").mkdir(parents=True)
    for item in received:
        if item.path.exists() and item.name not in unchanged:
            os.replace(item.path, folder / "raw" / item.path.name)
    published = tuple(
        p for table in protected.tables for p in _write_tables(folder, table)
    )
    write_issue_record(protected.reports, folder / "issues.csv")
    files = file_entries(
        received,
        protected.reports,
        published=published,
        superseded=protected.superseded,
        unchanged=unchanged,
    )
    write_manifest(
        folder,
        SessionManifest(
            session=context.session_id,
            la=context.la,
            submitted_by=context.by,
            received_at=context.received_at,
            under=context.under,
            notes=protected.notes,
            finished_at=now(),
            files=files,
            published=published,
        ),
    )
    for path in folder.rglob("*"):
        if path.is_file():
            path.chmod(stat.S_IRUSR | stat.S_IRGRP)
    os.rename(folder, context.folder)
    context.area.store(context.folder)  # an object-store area keeps it there
    return Archived(context.folder, files, published)


def _write_tables(folder: Path, table: SessionTable) -> list[PublishedTable]:
    """Write ``table`` as conformed and as each use case receives it."""
    conformed = PublishedPath("", table.dataset, table.year, table.table)
    target = folder / "conformed" / conformed.under_use_case  # of no use case
    target.parent.mkdir(parents=True, exist_ok=True)
    table.frame.write_parquet(target)
    published = []
    for use_case, frame in table.degraded.items():
        where = PublishedPath(use_case, table.dataset, table.year, table.table)
        target = folder / "degraded" / where.rel
        target.parent.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(target)
        published.append(
            PublishedTable(
                where=where,
                rows=frame.height,
                children=children_in(frame, table.spec),
                columns=tuple(frame.columns),
                file=table.file,
            )
        )
    return published
