"""Uploads processed in the background, from a queue that survives a restart.

:func:`submit` receives the files (identified in a child process), and accepts
the upload: its row in the portal's ``Upload`` table (status ``queued``) is the
job, and its files wait in ``incoming/.portal/<session>/`` until it is done. An
upload that is refused, or whose request dies before it is accepted, leaves
nothing (its files are identified in ``.accepting-<pid>-<session>/``, renamed
to the session's folder only once the job is recorded).

The worker (:class:`Worker`, one per portal process) takes queued jobs in the
order they came, claiming each in the database (so a job runs once, whichever
of several portal processes takes it), up to ``CLD_UPLOAD_WORKERS`` sessions at
a time (default 2), one at a time per authority (its sessions in order; the
authority's lock does the same across processes). Each session runs the
pipeline (:func:`cld.pipeline.session.process_files`) in a child process, a warm
one kept for such steps (:mod:`cld.pipeline.isolation`): a reader that aborts
ends that session as failed ("the file could not be read: the reader stopped
unexpectedly"), recorded, its files removed, that child never used again, and the
server goes on.

:func:`start_up` (``cld serve``, and the first time the worker is needed) marks
again the uploads a dead process was running (queued again with their files, or
given the status of the session that had finished them: each is processed once),
re-queues the accepted ones it never started, marks interrupted the registry's
sessions left running with nobody holding their authority, and removes what dead
processes left (:mod:`cld.portal.uploads.leftovers`).
:func:`session_status` says where any session is, whether the portal or ``cld
process`` made it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import socket
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, connection
from django.utils import timezone

from cld.engine.errors import CldError, UsageError
from cld.engine.issues import ISSUE_SCHEMA
from cld.engine.query import ENGINE
from cld.governance.authorities import Authority
from cld.pipeline.data_area import DataArea
from cld.pipeline.isolation import ChildFailedError, ReaderStoppedError, run_in_child
from cld.pipeline.pseudonym_key import key_from_environment
from cld.pipeline.registry.audit import Outcome
from cld.pipeline.registry.audit_actions import AuditAction
from cld.pipeline.session_ids import SESSION_ID, new_session_id
from cld.pipeline.session_records import FileEntry, SessionSummary
from cld.pipeline.session_report import (
    scan_issues,
    stored_file_entries,
    stored_reports_by_checksum,
)
from cld.pipeline.session_status import (
    ARCHIVED_STATUSES,
    FINISHED_STATUSES,
    SessionStatus,
)
from cld.pipeline.upload_steps import SessionJob, run_session
from cld.portal.data_area import data_area, registry
from cld.portal.uploads.models import Upload
from cld.portal.uploads.receive import portal_incoming, receive

logger = logging.getLogger(__name__)

ARCHIVED = ARCHIVED_STATUSES
"""Statuses of a session whose archive (and issue report) exists."""
FINISHED = FINISHED_STATUSES
"""Statuses of a session that is done: ``unchanged`` (every file had been
processed before and nothing had changed since) has no archive."""
INTERRUPTED = (
    "Processing was interrupted: the portal stopped before it finished. Nothing "
    "was published and the files were not kept; upload them again."
)
ISSUES_IN_STATUS = 100
"""The most issues of one file a session's status lists (the rest page by page:
``/api/v1/sessions/<id>/issues``)."""
WORKERS_ENV = "CLD_UPLOAD_WORKERS"
DEFAULT_WORKERS = 2
RUN_SESSION = run_session
"""The step run in a child to process one upload (a test puts another here to
make the child die)."""
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"
"""This process, as a job's ``worker`` names it."""

_lock = threading.Lock()
_worker: Worker | None = None


def upload_folder(area: DataArea, session_id: str) -> Path:
    """Where an accepted upload's files wait for the worker (private to the
    portal)."""
    return portal_incoming(area) / session_id


def upload_workers() -> int:
    """How many sessions one portal process runs at a time
    (``CLD_UPLOAD_WORKERS``, default 2)."""
    text = os.environ.get(WORKERS_ENV, "").strip()
    if not text:
        return DEFAULT_WORKERS
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise UsageError(f"{WORKERS_ENV} must be a whole number from 1 to 64")
    return int(text)


def submit(
    files: Sequence[UploadedFile[Any]],
    *,
    authority: Authority,
    by: str,
    source: str | None,
) -> Upload:
    """Receive ``files`` for ``authority`` from ``by`` (at address ``source``),
    record it, and queue them for processing. Raises
    :class:`~cld.portal.uploads.receive.UploadRefused` for files it will not take
    (nothing is then kept or queued)."""
    area = data_area()
    session_id = new_session_id(authority.code, dt.datetime.now(dt.UTC))
    folder = upload_folder(area, session_id)
    staging = portal_incoming(area) / f".accepting-{os.getpid()}-{session_id}"
    received = receive(files, staging)
    try:
        described = [file.to_json(staging) for file in received]
        registry().record(
            AuditAction.UPLOAD_RECEIVED,
            by=by,
            la=authority.code,
            detail={
                "session": session_id,
                "files": [
                    {"name": f["name"], "size": f["size"], "sha256": f["sha256"]}
                    for f in described
                ],
            },
            source=source,
        )
        upload = Upload.objects.create(
            session_id=session_id,
            la=authority.code,
            submitted_by=by,
            files=described,
        )
        os.rename(staging, folder)  # accepted: the queue's from now on
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    wake()
    return upload


# --- the worker ----------------------------------------------------------------


class Worker:
    """Threads that take queued uploads in turn, at most ``size`` at a time and
    one per authority, each running its session in a child process."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._pool = ThreadPoolExecutor(
            max_workers=size, thread_name_prefix="cld-uploads"
        )
        self._guard = threading.Lock()
        self._running: dict[str, str] = {}  # session -> authority
        self.futures: dict[str, Future[None]] = {}
        self._stopping = False

    def running(self, session_id: str) -> bool:
        with self._guard:
            return session_id in self._running

    def dispatch(self) -> None:
        """Start the queued uploads there is room for, oldest first, never two of
        one authority at once."""
        with self._guard:
            if self._stopping or len(self._running) >= self.size:
                return
            busy = set(self._running.values())
            queued = Upload.objects.filter(status=Upload.Status.QUEUED).order_by(
                "created_at", "pk"
            )
            for session_id, la in queued.values_list("session_id", "la"):
                if len(self._running) >= self.size:
                    break
                if la in busy:
                    continue
                busy.add(la)  # its later uploads wait for this one
                claimed = Upload.objects.filter(
                    session_id=session_id, status=Upload.Status.QUEUED
                ).update(status=Upload.Status.RUNNING, stage="", worker=WORKER_ID)
                if not claimed:
                    continue  # another process took it
                self._running[session_id] = la
                self.futures[session_id] = self._pool.submit(self._run, session_id)

    def _run(self, session_id: str) -> None:
        try:
            _process(session_id)
        finally:
            with self._guard:
                self._running.pop(session_id, None)
                self.futures.pop(session_id, None)
            try:
                self.dispatch()
            finally:
                connection.close()  # this thread's own connection

    def stop(self) -> None:
        """Let the sessions running finish, start no more."""
        with self._guard:
            self._stopping = True
        self._pool.shutdown(wait=True)


def start_worker() -> Worker:
    """The worker, started (after :func:`start_up`) if need be."""
    global _worker
    with _lock:
        if _worker is None:
            worker = Worker(upload_workers())
            start_up(worker)
            _worker = worker
        worker = _worker
    return worker


def wake() -> None:
    """Have the worker start what is queued (starting it if need be)."""
    start_worker().dispatch()


def stop_worker() -> None:
    """Let the running sessions finish, then stop the worker (the next
    :func:`start_worker` starts afresh, as a restarted process would)."""
    global _worker
    with _lock:
        worker, _worker = _worker, None
    if worker is not None:
        worker.stop()


def start_up(worker: Worker | None = None) -> None:
    """What a starting portal process does before it takes uploads: mark failed
    what dead processes were running, remove what they left, and start what
    was accepted and not yet run (with ``worker``)."""
    from cld.portal.uploads.leftovers import clear_leftovers  # it needs this module

    mark_interrupted(worker)
    clear_leftovers()
    if worker is not None:
        worker.dispatch()


def _alive(worker_id: str, current: Worker | None, session_id: str) -> bool:
    """Whether the process ``worker_id`` names may still be running the job
    (one on another machine is that machine's to judge)."""
    host, _, pid = worker_id.rpartition(":")
    if not pid.isdigit():
        return False
    if host != socket.gethostname():
        return True
    if int(pid) == os.getpid():
        return current is not None and current.running(session_id)
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_interrupted(current: Worker | None = None) -> list[str]:
    """Take up again every upload a process that stopped was running; returns
    their session ids. An accepted upload is processed once, whatever happens to
    the process running it: one whose session had finished before the process
    died takes that session's status; any other goes back to the queue, with its
    files (kept until it is done), and runs again under the same session id
    (:meth:`~cld.pipeline.registry.Registry.start_session` takes an interrupted
    session up again). A child process running a session dies with its server
    (:mod:`cld.pipeline.isolation`), so nothing finishes it unseen meanwhile."""
    area = data_area()
    left = [
        session_id
        for session_id, worker_id in Upload.objects.filter(
            status=Upload.Status.RUNNING
        ).values_list("session_id", "worker")
        if not _alive(worker_id, current, session_id)
    ]
    recorded = {r.id: r.status for r in registry().sessions()} if left else {}
    for session_id in left:
        status = recorded.get(session_id)
        if status in FINISHED:
            Upload.objects.filter(session_id=session_id).update(
                status=status, finished_at=timezone.now()
            )
            shutil.rmtree(upload_folder(area, session_id), ignore_errors=True)
            continue
        if not upload_folder(area, session_id).is_dir():  # nothing left to run
            Upload.objects.filter(session_id=session_id).update(
                status=Upload.Status.FAILED,
                error=INTERRUPTED,
                finished_at=timezone.now(),
            )
            logger.warning("upload %s was interrupted; marked failed", session_id)
            continue
        Upload.objects.filter(session_id=session_id).update(
            status=Upload.Status.QUEUED, stage="", worker=""
        )
        logger.warning("upload %s was interrupted; queued again", session_id)
    return left


def _process(session_id: str) -> None:
    area = data_area()
    folder = upload_folder(area, session_id)
    try:
        _process_files(area, folder, Upload.objects.get(session_id=session_id))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _process_files(area: DataArea, folder: Path, upload: Upload) -> None:
    session_id = upload.session_id
    stage = "receive"

    def on_stage(name: Any) -> None:
        nonlocal stage
        stage = "publish" if name == "switch" else str(name)
        try:
            Upload.objects.filter(pk=upload.pk).update(
                status=Upload.Status.RUNNING, stage=stage
            )
        except DatabaseError as exc:  # progress only: the session goes on
            logger.warning(
                "upload %s: stage %s not recorded (%s)",
                session_id,
                stage,
                type(exc).__name__,
            )

    try:
        job = SessionJob(
            data_dir=str(settings.CLD_DATA_DIR),
            la=upload.la,
            paths=tuple(folder / f["stored_as"] for f in upload.files),
            by=upload.submitted_by,
            key=key_from_environment(),
            session_id=session_id,
        )
        status = run_in_child(RUN_SESSION, job, on_message=on_stage, reuse=True)
        Upload.objects.filter(pk=upload.pk).update(
            status=status, finished_at=timezone.now()
        )
    except Exception as exc:
        name = str(exc) if isinstance(exc, ChildFailedError) else type(exc).__name__
        logger.error("upload %s failed at %s: %s", session_id, stage, name)
        if isinstance(exc, ReaderStoppedError):
            _clear_stopped(area, upload)
        Upload.objects.filter(pk=upload.pk).update(
            status=Upload.Status.FAILED,
            error=failure_message(exc, stage),
            finished_at=timezone.now(),
        )
        registry().record(
            AuditAction.UPLOAD_FAILED,
            by=upload.submitted_by,
            la=upload.la,
            detail={"session": session_id, "stage": stage, "error": name},
            outcome=Outcome.DONE,
        )


def _clear_stopped(area: DataArea, upload: Upload) -> None:
    """What a session whose child died left: its working copies, and its
    registry record (still ``running``), marked failed."""
    session_id, la = upload.session_id, upload.la
    shutil.rmtree(area.incoming / la / session_id, ignore_errors=True)
    shutil.rmtree(area.sessions / la / f".{session_id}.partial", ignore_errors=True)
    found = registry()
    if any(
        s.id == session_id and s.status == SessionStatus.RUNNING
        for s in found.sessions(la)
    ):
        found.finish_session(
            session_id,
            status=SessionStatus.FAILED,
            by=upload.submitted_by,
            summary=SessionSummary.failed(ReaderStoppedError.__name__),
        )


def failure_message(error: Exception, stage: str) -> str:
    """What a person is told when processing failed (never a value from a file:
    the platform's own errors say what went wrong in a line without any)."""
    done = "Nothing was published and the files were not kept."
    if isinstance(error, CldError):
        reason = str(error).rstrip(".")
        return f"Processing stopped at the {stage} stage: {reason}. {done}"
    return (
        f"Processing stopped at the {stage} stage because of a fault in the "
        f"platform. {done} Upload the files again; if it happens again, tell the "
        "hub's data team."
    )


# --- where a session is ---------------------------------------------------------


def display_name(file: str) -> str:
    """A stored file name as the person sent it (without the folders it was
    processed from)."""
    return Path(file).name or file


@dataclass(frozen=True)
class UnchangedFile:
    """A file of a session that was not processed again: the same file had been,
    in ``session``, and nothing had changed since."""

    name: str
    session: str
    note: str


@dataclass(frozen=True)
class SessionInfo:
    """Where a session is, without its files' reports."""

    session: str
    la: str
    status: str
    """queued, running, published, archived, unchanged or failed."""
    stage: str | None
    submitted_by: str
    received_at: dt.datetime
    error: str | None
    identified: list[dict[str, Any]]
    """While queued or running, what identification found in each file."""
    unchanged: tuple[UnchangedFile, ...] = ()
    """Once finished, its files that were not processed again."""
    files: tuple[FileEntry, ...] = ()
    """Once finished, the registry's entry of each file (what was found, its
    issue counts, ``unchanged_since``)."""

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def archived(self) -> bool:
        """Whether it has an archive (and an issue report)."""
        return self.status in ARCHIVED

    def unchanged_since(self, file: str) -> str | None:
        """The earlier session of a file (by its name as sent) not processed
        again, else None."""
        return next((u.session for u in self.unchanged if u.name == file), None)


def find_session(session_id: str) -> SessionInfo | None:
    """Where session ``session_id`` is (None for an unknown one), from its
    upload or, for a session ``cld process`` made, from the registry."""
    if not SESSION_ID.fullmatch(session_id):
        return None
    upload = Upload.objects.filter(session_id=session_id).first()
    la = upload.la if upload is not None else session_id.split("-")[1]
    record = None
    if upload is None or upload.status in FINISHED:
        record = next((s for s in registry().sessions(la) if s.id == session_id), None)
    summary = record.outcome if record is not None else SessionSummary()
    if upload is not None:
        return SessionInfo(
            session=session_id,
            la=upload.la,
            status=str(upload.status),
            stage=upload.stage or None,
            submitted_by=upload.submitted_by,
            received_at=upload.created_at,
            error=upload.error or None,
            identified=upload.files if not upload.finished else [],
            unchanged=_unchanged_files(summary),
            files=summary.files,
        )
    if record is None:
        return None
    status = (
        record.status
        if record.status in (*FINISHED, SessionStatus.RUNNING)
        else SessionStatus.FAILED
    )
    return SessionInfo(
        session=session_id,
        la=record.la,
        status=status,
        stage=None,
        submitted_by=record.submitted_by,
        received_at=record.received_at,
        error=_registry_error(record.status, summary),
        identified=[],
        unchanged=_unchanged_files(summary) if status in FINISHED else (),
        files=summary.files if status in FINISHED else (),
    )


def _unchanged_files(summary: SessionSummary) -> tuple[UnchangedFile, ...]:
    """The files of a finished session's summary that were not processed again."""
    return tuple(
        UnchangedFile(
            name=display_name(f.name),
            session=f.unchanged_since,
            note=summary.notes.get(f.name) or "",
        )
        for f in summary.files
        if f.unchanged_since
    )


def _registry_error(status: str, summary: SessionSummary) -> str | None:
    """Why a session the registry has failed (``cld process`` keeps no more)."""
    if status == SessionStatus.INTERRUPTED:
        return "Processing was interrupted before it finished. Nothing was published."
    if status == SessionStatus.FAILED:
        fault = f" ({summary.error})" if summary.error else ""
        return f"Processing failed{fault}. Nothing was published."
    return None


def session_status(session_id: str) -> dict[str, Any] | None:
    """Where session ``session_id`` is, or None for an unknown one:
    ``session``, ``la``, ``status``, ``stage``, ``submitted_by``, ``received_at``
    (ISO 8601), ``error`` (why it failed, else None) and ``files``: each file's
    ``cld validate --json`` entry (``file`` the name it was sent with) once the
    session is archived or published, its ``issues`` cut to the first
    :data:`ISSUES_IN_STATUS` and ``issue_count`` saying how many it has;
    while it is queued or running, ``file``,
    ``size``, ``sha256`` and what identification found (``format``, ``dataset``,
    ``title``, ``year``, ``year_reason``, ``tables``: a list). A file that was
    not processed again (the same file had been, and nothing had changed since)
    has ``unchanged_since``, the session that processed it, and its entry is
    what that session found in it; a session all of whose files were is
    ``unchanged`` (and has no archive of its own). Callers check the asker may
    see ``la``."""
    info = find_session(session_id)
    if info is None:
        return None
    if info.archived:
        files = archived_entries(info.la, session_id)
    elif info.finished:
        files = [_unread(info.la, f) for f in info.files]
    else:
        files = [_identified(f) for f in info.identified]
    for entry in files:
        since = info.unchanged_since(entry["file"]) if info.finished else None
        if since is not None:
            entry["unchanged_since"] = since
    return {
        "session": session_id,
        "la": info.la,
        "status": info.status,
        "stage": info.stage,
        "submitted_by": info.submitted_by,
        "received_at": info.received_at.isoformat(),
        "error": info.error,
        "files": files,
    }


def archived_entries(
    la: str, session_id: str, first: int = ISSUES_IN_STATUS
) -> list[dict[str, Any]]:
    """Each file's ``cld validate --json`` entry from the session's archive, its
    ``issues`` cut to the ``first`` found (``issue_count`` says how many there
    are; the API's ``/issues`` pages through them all): what a session says of
    itself stays small however many issues its files have. Only those issues
    are read from the archive."""
    area = data_area()
    issues = scan_issues(area, la, session_id)
    counts = dict(issues.group_by("file").len().collect(engine=ENGINE).iter_rows())
    columns = list(ISSUE_SCHEMA)
    entries = []
    for entry in stored_file_entries(area, la, session_id):
        name = entry.name
        report = entry.as_report(
            issues.filter(pl.col("file") == name)
            .head(first)
            .select(columns)
            .collect(engine=ENGINE),
            file=display_name(name),
        )
        entries.append({**report.to_json(), "issue_count": int(counts.get(name, 0))})
    return entries


def _unread(la: str, entry: FileEntry) -> dict[str, Any]:
    """A file of an unchanged session as a ``cld validate --json`` entry: what
    the session that processed it found (it was not read again), from that
    session's archive; what the registry keeps, without issues, if it is gone."""
    name = display_name(entry.name)
    found = (
        stored_reports_by_checksum(data_area(), la, entry.unchanged_since).get(
            entry.sha256
        )
        if entry.unchanged_since and entry.sha256
        else None
    )
    if found is None:
        return entry.as_report(file=name).to_json()
    report = found.to_json()
    issues = report["issues"]
    return {
        **report,
        "file": name,
        "issues": issues[:ISSUES_IN_STATUS],
        "issue_count": len(issues),
    }


def _identified(file: dict[str, Any]) -> dict[str, Any]:
    """A queued file as session_status gives it: ``file`` (its name, as in a
    report's entry) and what identification found."""
    found = {k: v for k, v in file.items() if k not in ("name", "stored_as")}
    return {"file": file["name"], **found}


def wait(session_id: str, timeout: float = 60.0) -> dict[str, Any] | None:
    """Wait until ``session_id`` is no longer queued or running (at most
    ``timeout`` seconds: :class:`TimeoutError`), and say where it is."""
    worker = _worker
    future = worker.futures.get(session_id) if worker is not None else None
    if future is not None:
        future.result(timeout=timeout)
    deadline = time.monotonic() + timeout
    while True:
        info = find_session(session_id)
        if info is None or info.status not in ("queued", "running"):
            return session_status(session_id)
        if time.monotonic() > deadline:
            raise TimeoutError(f"session {session_id} still {info.status}")
        time.sleep(0.1)
