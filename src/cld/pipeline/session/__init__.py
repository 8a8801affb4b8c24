"""A processing session: one authority's upload of one or more files, end to end.

The recipe (:func:`process_files`), each step a module of this package with a
typed input and output:

1. receive (:mod:`.receive`): the files copied into the authority's private
   incoming area, size capped and checksummed;
2. reuse unchanged (:mod:`.reuse`): a file processed before under what is in
   force now, whose published tables are still what was published, is not
   processed again (when every file is, the session is ``unchanged`` and nothing
   is archived or published);
3. validate (:mod:`.validate`): identify, parse and conform each file;
4. minimise and protect (:mod:`.protect`): the tables the use cases in force
   need, enriched, then protected per use case;
5. archive (:mod:`.archive`): the session's immutable folder and its manifest;
6. publish (:mod:`.publish`): the authority's current tables switched at once.

``on_stage(name)`` is called as each of :data:`STAGES` begins (progress bars,
and the tests that inject a failure at every stage). Whatever fails, the
authority's published tables are untouched: they change only at the very end, in
one switch (:mod:`cld.pipeline.publish`), and a failed session's half-made
folders are removed. The engine's reports are never changed: a step that finds
more issues makes new ones.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Sequence
from pathlib import Path

from cld.engine.transforms.pseudonymise import PseudonymKey
from cld.governance.authorities import Authority
from cld.pipeline.data_area import DataArea
from cld.pipeline.leftovers import end_dead_sessions
from cld.pipeline.publish import la_lock
from cld.pipeline.registry.store import Registry
from cld.pipeline.session.archive import archive
from cld.pipeline.session.context import (
    STAGES,
    SessionContext,
    StageHook,
    session_context,
)
from cld.pipeline.session.files import file_entries
from cld.pipeline.session.protect import EMPTY_FILE_NOTE, minimise_and_protect
from cld.pipeline.session.publish import publish_archived
from cld.pipeline.session.receive import Received, receive
from cld.pipeline.session.result import SessionResult
from cld.pipeline.session.reuse import Unchanged, find_unchanged, notes_of
from cld.pipeline.session.validate import validate
from cld.pipeline.session_records import PublishedTable, SessionSummary
from cld.pipeline.session_status import SessionStatus

__all__ = [
    "EMPTY_FILE_NOTE",
    "STAGES",
    "PublishedTable",
    "SessionResult",
    "StageHook",
    "process_files",
]


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
    ``session_id`` (from :func:`~cld.pipeline.session_ids.new_session_id`) lets a
    caller that queues the work name the session before it starts."""
    area.check()
    context = session_context(
        area,
        registry,
        authority,
        by=by,
        key=key,
        today=today,
        on_stage=on_stage,
        session_id=session_id,
    )
    with la_lock(area, context.la, registry.engine):
        _clear_dead_sessions(context)
        registry.start_session(
            context.session_id,
            context.la,
            by=by,
            received_at=context.received_at,
            policy_version=context.under.policy_version,
        )
        try:
            result = _run(context, paths, max_bytes)
        except BaseException as exc:
            _discard(context, exc)
            raise
        shutil.rmtree(context.incoming, ignore_errors=True)
        registry.finish_session(
            result.session, status=result.status, by=by, summary=result.summary()
        )
    return result


def _run(
    context: SessionContext, paths: Sequence[Path], max_bytes: int | None
) -> SessionResult:
    """The recipe: receive → reuse unchanged → validate → minimise and protect
    → archive → publish."""
    context.stage("receive")
    received = receive(paths, context.incoming, max_bytes)
    unchanged = find_unchanged(context, received)
    if received and len(unchanged) == len(received):
        return _nothing_to_do(context, received, unchanged)
    validated = validate(context, received, unchanged)
    protected = minimise_and_protect(context, validated)
    since = {name: earlier.session for name, earlier in validated.unchanged.items()}
    archived = archive(context, received, protected, unchanged=since)
    publish_archived(context, archived)
    return SessionResult(
        session=context.session_id,
        la=context.la,
        status=SessionStatus.PUBLISHED
        if archived.published
        else SessionStatus.ARCHIVED,
        use_cases=context.use_cases,
        reports=list(protected.reports),
        published=list(archived.published),
        notes=protected.notes,
        unchanged=since,
        checksums={item.name: item.sha256 for item in received},
        superseded=protected.superseded,
        under=context.under,
        files=archived.files,
    )


def _nothing_to_do(
    context: SessionContext, received: list[Received], unchanged: Unchanged
) -> SessionResult:
    """A session every file of which is unchanged: nothing is archived or
    published; each file's report is what its earlier session found."""
    since = {name: earlier.session for name, earlier in unchanged.items()}
    reports = [unchanged[item.name].report_as(item.name) for item in received]
    return SessionResult(
        session=context.session_id,
        la=context.la,
        status=SessionStatus.UNCHANGED,
        use_cases=context.use_cases,
        reports=reports,
        notes=notes_of(unchanged),
        unchanged=since,
        checksums={item.name: item.sha256 for item in received},
        under=context.under,
        files=file_entries(received, reports, unchanged=since),
    )


def _discard(context: SessionContext, error: BaseException) -> None:
    """What a failed session made, removed; the session recorded as failed."""
    area = context.area
    shutil.rmtree(context.incoming, ignore_errors=True)
    shutil.rmtree(context.partial, ignore_errors=True)
    shutil.rmtree(context.folder, ignore_errors=True)
    area.forget(context.folder)
    context.registry.finish_session(
        context.session_id,
        status=SessionStatus.FAILED,
        by=context.by,
        summary=SessionSummary.failed(type(error).__name__),
    )


def _clear_dead_sessions(context: SessionContext) -> None:
    """End what a session killed part-way left (the lock is held, so no session
    of this authority is really running), and any other working copy."""
    area, la = context.area, context.la
    end_dead_sessions(area, context.registry, la, by=context.by)
    shutil.rmtree(area.incoming / la, ignore_errors=True)
    folder = area.sessions / la
    if folder.is_dir():
        for partial in folder.glob(".*.partial"):
            shutil.rmtree(partial, ignore_errors=True)
