"""What an upload or a session left behind when the process running it died
(a crash, a killed server), found and removed, each removal recorded.

Kinds of leftover (``incoming/`` holds raw files, so none may stay):

- ``receiving``: ``incoming/.portal/.receiving-<pid>-…``, a request's files as
  they arrived;
- ``accepting``: ``incoming/.portal/.accepting-<pid>-…``, an upload being
  identified, never accepted;
- ``download``: ``incoming/.portal/.download-<pid>-…``, an issue report being
  written for a download;
- ``upload``: ``incoming/.portal/<session>/``, the files of an accepted upload
  whose job is no longer queued or running (only the portal knows which are:
  it passes ``keep``);
- ``session``: ``incoming/<LA>/<session>/`` and ``sessions/<LA>/.<session>.partial``,
  a session's working copies, removed only while nothing holds the authority's
  lock (no session of it is running);
- ``other``: anything else under ``incoming/.portal/``.

:func:`find_leftovers` at start-up (``older_than=None``) takes the folders of
processes that are gone (their process id, in the name, is not running here)
and every working copy of an authority nobody holds; ``cld retention apply``
(``older_than`` a day) takes whatever has not changed for that long. An accepted
upload's folder is never taken without ``keep`` (the queue's business). The
drop zone (``incoming/new/``) is never touched.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text

from cld.pipeline.data_area import DROP_ZONE, LOCKS, DataArea
from cld.pipeline.registry.audit_actions import AuditAction
from cld.pipeline.registry.locks import lock_key
from cld.pipeline.registry.store import Registry
from cld.pipeline.session_ids import SESSION_ID
from cld.pipeline.session_records import SessionSummary
from cld.pipeline.session_status import SessionStatus

PORTAL = ".portal"
"""The folder of ``incoming/`` where the portal's uploads wait."""
_OWNED = re.compile(r"\.(receiving|accepting|download)-(?:(\d+)-)?")


@dataclass(frozen=True)
class Leftover:
    kind: str
    path: Path
    files: int
    """Regular files in it (never their names or content)."""


def find_leftovers(
    area: DataArea,
    registry: Registry,
    *,
    older_than: dt.timedelta | None = None,
    keep: Callable[[str], bool] | None = None,
) -> list[Leftover]:
    """The leftovers of ``area``: of gone processes (``older_than`` None), or
    unchanged for ``older_than``. ``keep(session)`` says whether an accepted
    upload's folder is still wanted; without it those folders are left alone."""
    limit = None if older_than is None else time.time() - older_than.total_seconds()

    def stale(path: Path) -> bool:
        return limit is not None and _newest(path) < limit

    found: list[Leftover] = []
    portal = area.incoming / PORTAL
    for path in sorted(portal.iterdir()) if portal.is_dir() else []:
        owned = _OWNED.match(path.name)
        if owned is not None:
            pid = int(owned[2]) if owned[2] else None
            if stale(path) or (limit is None and not _running(pid)):
                found.append(_leftover(owned[1], path))
        elif SESSION_ID.fullmatch(path.name) and path.is_dir():
            if keep is not None and not keep(path.name):
                found.append(_leftover("upload", path))
        elif limit is None or stale(path):
            found.append(_leftover("other", path))
    for la, copies in _working_copies(area).items():
        wanted = [p for p in copies if limit is None or stale(p)]
        if wanted:
            with _unless_busy(area, la, registry.engine) as free:
                if free:
                    found.extend(_leftover("session", p) for p in wanted)
    return found


def remove_leftovers(
    registry: Registry, leftovers: list[Leftover], *, by: str
) -> dict[str, int]:
    """Remove ``leftovers`` and record, per kind, one ``leftovers_removed`` event
    with how many folders and files; the files removed per kind."""
    files: Counter[str] = Counter()
    folders: Counter[str] = Counter()
    for leftover in leftovers:
        if leftover.path.is_dir() and not leftover.path.is_symlink():
            shutil.rmtree(leftover.path, ignore_errors=True)
        else:
            leftover.path.unlink(missing_ok=True)
        files[leftover.kind] += leftover.files
        folders[leftover.kind] += 1
    for kind in sorted(folders):
        registry.record(
            AuditAction.LEFTOVERS_REMOVED,
            by=by,
            detail={"kind": kind, "folders": folders[kind], "files": files[kind]},
        )
    return {kind: files[kind] for kind in sorted(folders)}


def clear_interrupted_sessions(
    area: DataArea, registry: Registry, *, by: str
) -> list[str]:
    """End as interrupted every session the registry has as running whose
    authority nobody holds (its process died part-way); their ids."""
    running = {r.la for r in registry.sessions() if r.status == "running"}
    cleared: list[str] = []
    for la in sorted(running):
        with _unless_busy(area, la, registry.engine) as free:
            if free:  # else a session of it is running now
                cleared.extend(end_dead_sessions(area, registry, la, by=by))
    return cleared


def end_dead_sessions(
    area: DataArea, registry: Registry, la: str, *, by: str
) -> list[str]:
    """End as interrupted (recorded) each session of ``la`` the registry has as
    running, removing its working copies and the archive it had put in place if
    it got that far: it never finished, so it has no archive (its upload may run
    it again under the same id; a table it had already published stays, a hard
    link of the snapshot's own). The caller holds the authority's lock, so none
    of them is really running. Their ids."""
    ended: list[str] = []
    for record in registry.sessions(la):
        if record.status != "running":
            continue
        shutil.rmtree(area.incoming / la / record.id, ignore_errors=True)
        shutil.rmtree(area.sessions / la / f".{record.id}.partial", ignore_errors=True)
        archive = area.session_dir(la, record.id)
        shutil.rmtree(archive, ignore_errors=True)
        area.forget(archive)
        registry.finish_session(
            record.id,
            status=SessionStatus.INTERRUPTED,
            by=by,
            summary=SessionSummary.failed("interrupted"),
        )
        ended.append(record.id)
    return ended


def _leftover(kind: str, path: Path) -> Leftover:
    count = (
        sum(1 for p in path.rglob("*") if p.is_file() and not p.is_symlink())
        if path.is_dir()
        else 1
    )
    return Leftover(kind, path, count)


def _working_copies(area: DataArea) -> dict[str, list[Path]]:
    """Per authority, its sessions' working copies (``incoming/<LA>/*`` and
    ``sessions/<LA>/.*.partial``)."""
    copies: dict[str, list[Path]] = {}
    incoming = area.incoming
    for folder in sorted(incoming.iterdir()) if incoming.is_dir() else []:
        if folder.name.startswith(".") or folder.name == DROP_ZONE:
            continue
        if folder.is_dir():
            copies.setdefault(folder.name, []).extend(sorted(folder.iterdir()))
    sessions = area.sessions
    for folder in sorted(sessions.iterdir()) if sessions.is_dir() else []:
        if folder.is_dir() and not folder.name.startswith("."):
            partial = sorted(folder.glob(".*.partial"))
            if partial:
                copies.setdefault(folder.name, []).extend(partial)
    return copies


def _newest(path: Path) -> float:
    """When anything in ``path`` last changed."""
    try:
        times = [path.lstat().st_mtime]
        if path.is_dir() and not path.is_symlink():
            times.extend(p.lstat().st_mtime for p in path.rglob("*"))
    except OSError:
        return 0.0
    return max(times)


def _running(pid: int | None) -> bool:
    """Whether process ``pid`` is running on this machine (None: an old name
    without one, so its process is long gone)."""
    if pid is None:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


@contextmanager
def _unless_busy(area: DataArea, la: str, engine: Engine) -> Iterator[bool]:
    """The authority's lock (:func:`cld.pipeline.publish.la_lock`) if nobody
    holds it: True while held, False (without waiting) when someone does."""
    folder = area.current / LOCKS
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{la}.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            with _database_lock_if_free(engine, f"la:{la}") as free:
                yield free
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def _database_lock_if_free(engine: Engine, name: str) -> Iterator[bool]:
    """PostgreSQL's advisory lock ``name`` if free (machines sharing the
    registry); always True elsewhere."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = lock_key(name)
    with engine.connect() as connection:
        taken = bool(
            connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": key}
            ).scalar()
        )
        connection.commit()
        try:
            yield taken
        finally:
            if taken:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": key}
                )
                connection.commit()
