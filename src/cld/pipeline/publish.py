"""Publishing an authority's current tables atomically.

``current/<LA>`` is a symbolic link to a snapshot folder,
``current/.snapshots/<LA>/<name>/``. A change (a session's new tables, a withdrawal,
retention) builds a complete new snapshot beside the old one — unchanged files are
hard links, so this costs no copying — and then swaps the link with one
``rename``. A reader, or a crash at any moment, sees the old snapshot or the new
one, never a mix. Only one change runs at a time per authority (:func:`la_lock`).
The old snapshot is removed once no reader holds it (:mod:`.snapshot_leases`), so
a reader that resolved the link a moment before the switch reads it to the end.

On a data area on object storage the same happens in the worker's mirror, and the
new snapshot is then written to the store and its pointer object switched
(:mod:`cld.pipeline.storage.mirror`); the lock is also taken in the registry's
database, so workers on other machines wait too.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine

from cld.pipeline.atomic import link_or_copy, point_link
from cld.pipeline.data_area import LOCKS, SNAPSHOTS, DataArea
from cld.pipeline.registry.locks import database_lock
from cld.pipeline.snapshot_leases import held, linked, sweep, switching
from cld.pipeline.storage.mirror import RemoteArea


@contextmanager
def la_lock(area: DataArea, la: str, database: Engine | None = None) -> Iterator[None]:
    """Hold the authority's lock: sessions and changes for one LA run one at a time
    (other authorities go on in parallel). A file lock serialises the processes
    of one machine; with ``database`` (the registry's engine) on PostgreSQL, an
    advisory lock there serialises every machine's. On an object-store area the
    mirror is brought up to date with the store once the lock is held."""
    folder = area.current / LOCKS
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{la}.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            with database_lock(database, f"la:{la}"):
                refresh_current(area, la)
                yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def refresh_current(area: DataArea, la: str) -> None:
    """Bring the mirror's ``current/<LA>`` up to date (object-store areas)."""
    if area.remote is not None:
        area.remote.pull_snapshot(area.la_current(la), area.current / SNAPSHOTS / la)


def refresh_output(area: DataArea, use_case: str, builds: str) -> Path:
    """``outputs/<use case>``, brought up to date with the store first
    (object-store areas); ``builds`` is the folder its builds are kept in."""
    link = area.outputs / use_case
    if area.remote is not None:
        area.remote.pull_snapshot(link, area.outputs / builds / use_case)
    return link


def current_snapshot(area: DataArea, la: str) -> Path | None:
    return linked_snapshot(area.la_current(la))


def linked_snapshot(link: Path) -> Path | None:
    """The snapshot folder ``link`` points to (absolute), if it is a link."""
    return linked(link)


def current_files(area: DataArea, la: str) -> dict[str, Path]:
    """Every published file of ``la``, by its path under ``current/<LA>/``."""
    refresh_current(area, la)
    return snapshot_files(area.la_current(la))


@contextmanager
def holding_current(
    area: DataArea, la: str
) -> Iterator[tuple[Path | None, dict[str, Path]]]:
    """The snapshot ``la`` has published and its files, which stay readable
    until the block ends whatever is published meanwhile."""
    refresh_current(area, la)
    with held(area.la_current(la)) as snapshot:
        yield snapshot, files_in(snapshot)


def snapshot_files(link: Path) -> dict[str, Path]:
    """Every file of the snapshot ``link`` points to, by its relative path
    (listed while it is held, so a switch meanwhile cannot pull it away)."""
    with held(link) as snapshot:
        return files_in(snapshot)


def files_in(snapshot: Path | None) -> dict[str, Path]:
    """Every file of ``snapshot`` (none when None), by its relative path."""
    if snapshot is None:
        return {}
    return {
        path.relative_to(snapshot).as_posix(): path
        for path in sorted(snapshot.rglob("*"))
        if path.is_file()
    }


def publish(
    area: DataArea,
    la: str,
    name: str,
    *,
    add: Mapping[str, Path] | None = None,
    remove: Iterable[str] = (),
    on_built: Callable[[], None] | None = None,
) -> Path:
    """Make ``current/<LA>`` the old snapshot with ``add`` (relative path → file)
    put in and the files under each of ``remove`` (paths or folder prefixes) taken
    out. The caller holds :func:`la_lock`. ``on_built`` is called once the new
    snapshot is complete, just before the switch. Returns the new snapshot."""
    return switch_snapshot(
        area.la_current(la),
        area.current / SNAPSHOTS / la,
        name,
        add=add,
        remove=remove,
        on_built=on_built,
        remote=area.remote,
    )


def switch_snapshot(
    link: Path,
    snapshots: Path,
    name: str,
    *,
    add: Mapping[str, Path] | None = None,
    remove: Iterable[str] = (),
    keep: bool = True,
    on_built: Callable[[], None] | None = None,
    remote: RemoteArea | None = None,
) -> Path:
    """Build the next snapshot of ``link`` in ``snapshots`` and switch to it: the
    old snapshot's files (unless ``keep`` is false), less ``remove``, plus
    ``add``. With ``remote``, the store's pointer is switched first. The old
    snapshot is removed at once unless a reader holds it (then its last reader
    removes it). On any failure before the switch the link is as it was and
    nothing of the new snapshot is left."""
    # absolute from here on: the paths compared below must be spelled alike
    # whatever the caller's working folder (a relative --data-dir)
    link = link.parent.resolve() / link.name
    snapshots.mkdir(parents=True, exist_ok=True)
    snapshots = snapshots.resolve()
    # tidying waits for a switch; readers never do
    with switching(link), held(link) as old:
        sweep(snapshots, old)
        new = snapshots / f"{name}-{secrets.token_hex(3)}"
        building = snapshots / f".{new.name}.partial"
        added = dict(add or {})
        prefixes = tuple(p.rstrip("/") for p in remove)
        try:
            for rel, path in (files_in(old) if keep else {}).items():
                if rel in added or any(
                    rel == p or rel.startswith(p + "/") for p in prefixes
                ):
                    continue
                link_or_copy(path, building / rel)
            for rel, path in added.items():
                link_or_copy(path, building / rel)
            building.mkdir(parents=True, exist_ok=True)  # an empty one is one too
            os.rename(building, new)
            if on_built is not None:
                on_built()
            if remote is not None:
                remote.push_snapshot(link, new)  # the object store's switch
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            shutil.rmtree(new, ignore_errors=True)
            raise
        point_link(link, new)  # the switch: one rename
    # letting go of ``old`` above removed it, unless another reader holds it
    return new
