"""A data area on object storage, worked on through a local mirror.

The object store is the system of record; a worker keeps a mirror of the parts it
needs (``$CLD_WORK_DIR``) and runs the very same pipeline on it. What changes on
the mirror is written back:

- Published snapshots (``current/<LA>``, ``outputs/<use case>``): their files are
  written as new objects (``current/.snapshots/<LA>/<snapshot>/…``,
  ``outputs/.builds/<use case>/<build>/…``; a file unchanged since the last
  snapshot keeps its object), then one small pointer object,
  ``current/<LA>/pointer.json``, is replaced. It lists every file of the snapshot
  with its object key, size and sha256. A single PUT replaces an object whole, so a
  reader that follows the pointer sees the old snapshot or the new one, never half.
  Objects no pointer names any more are deleted after the switch.
- Immutable folders (a session's archive, signed agreements): every file, the
  manifest last, so a folder whose manifest is there is complete.

Reading follows the pointer: each file is fetched once, checked against its sha256
and kept in the mirror; a file the last snapshot already had is linked, not
fetched again.

The mirror is a cache, never a second record: what a worker has not used for
:data:`MIRROR_KEEP` leaves its disk (:meth:`RemoteArea.prune`, run whenever the
area is opened), so a session archive or a table that retention or a withdrawal
deleted from the store, on any worker, does not stay on another worker's disk.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import secrets
import shutil
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cld.engine.errors import UsageError
from cld.pipeline.atomic import (
    link_or_copy,
    point_link,
    sha256_of,
    write_bytes_atomically,
)
from cld.pipeline.snapshot_leases import held, switching
from cld.pipeline.storage.location import open_filesystem
from cld.pipeline.storage.pointer import POINTER_FORMAT, Pointer, StoredFile

POINTER = "pointer.json"
MARKER = ".cld-data-area"
LAST = ("manifest.json", "manifest.json.sha256")
"""Written last in an immutable folder: their presence says it is complete."""
MIRROR_KEEP = dt.timedelta(days=1)
"""How long a worker's mirror keeps what it has not used: a session's archive
(raw uploads among it) not written or fetched, an authority's current tables not
brought up to date, in that time (:meth:`RemoteArea.prune`)."""


class ObjectStoreError(UsageError):
    """The object store refused or lost something (a file's checksum differs)."""


def _refusals() -> tuple[type[Exception], ...]:
    """What a store's driver raises when it refuses a request: ``OSError`` and
    ``ValueError`` (s3fs, fsspec), and the Azure SDK's own errors (adlfs passes
    some on as they are, e.g. a container name Azure does not allow)."""
    try:
        from azure.core.exceptions import AzureError  # noqa: PLC0415 - optional
    except ImportError:
        return (OSError, ValueError)
    return (OSError, ValueError, AzureError)


STORE_REFUSED = _refusals()


def _reason(exc: Exception) -> str:
    """The first line of a driver's error (the Azure SDK's go on with XML)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class RemoteArea:
    """The object-store side of a data area whose mirror is ``mirror``."""

    def __init__(self, url: str, mirror: Path) -> None:
        self.url = url.rstrip("/")
        self.mirror = mirror
        fs, root = open_filesystem(self.url)
        self._fs: Any = fs
        self._root = root.rstrip("/")

    def __repr__(self) -> str:
        return f"RemoteArea({self.url!r})"

    # keys ---------------------------------------------------------------
    def key(self, rel: str) -> str:
        return f"{self._root}/{rel}" if rel else self._root

    def rel(self, local: Path) -> str:
        """The key (relative to the area) of a path in the mirror."""
        return local.relative_to(self.mirror).as_posix()

    def _fresh(self) -> None:
        self._fs.invalidate_cache()

    # the area itself -----------------------------------------------------
    def exists(self) -> bool:
        self._fresh()
        return bool(self._fs.exists(self.key(MARKER)))

    def create(self) -> None:
        """Mark the prefix as a data area (making the bucket or container if
        there is none)."""
        bucket = self._root.split("/", 1)[0]
        try:
            if self.exists():
                return
            self._fs.makedirs(self._root, exist_ok=True)  # s3fs makes the bucket
            if not self._fs.exists(bucket):  # adlfs makes a container only so
                self._fs.mkdir(bucket)
            marker = json.dumps({"format": POINTER_FORMAT}).encode()
            self._fs.pipe(self.key(MARKER), marker)
        except STORE_REFUSED as exc:
            raise ObjectStoreError(
                f"{self.url}: cannot be made ({_reason(exc)})"
            ) from exc

    def check(self) -> None:
        try:
            found = self.exists()
        except STORE_REFUSED as exc:
            raise ObjectStoreError(
                f"{self.url} cannot be read: {_reason(exc)}"
            ) from exc
        if not found:
            raise UsageError(
                f"{self.url} is not a data area (no {MARKER}); "
                f"run `cld init --data-dir {self.url}` first"
            )

    # snapshots -----------------------------------------------------------
    def read_pointer(self, link: Path) -> Pointer | None:
        try:
            data = self._fs.cat_file(self.key(f"{self.rel(link)}/{POINTER}"))
        except FileNotFoundError:
            return None
        return Pointer.decode(data)

    def pull_snapshot(self, link: Path, snapshots: Path) -> None:
        """Make the mirror's ``link`` point to a local copy of the snapshot the
        store's pointer names (removing it when the store has none)."""
        with switching(link):  # one change of the link at a time
            self._pull(link, snapshots)

    def _pull(self, link: Path, snapshots: Path) -> None:
        pointer = self.read_pointer(link)
        if link.is_symlink() and not link.exists():  # the mirror is a cache:
            link.unlink()  # a link whose snapshot was removed is fetched again
        with held(link) as old:  # linked from below; removed once let go
            if pointer is None:  # the store has none (any more): nor has the mirror
                if old is not None:
                    link.unlink()
                _pointer_copy(link).unlink(missing_ok=True)
                return
            target = snapshots / pointer.snapshot
            if old == target.resolve() and target.is_dir():
                _pointer_copy(link).touch()  # up to date as of now (see prune)
                return
            old_files = _local_pointer(link) if old is not None else {}
            building = snapshots / f".{target.name}.{secrets.token_hex(3)}.pulling"
            try:
                for rel, entry in pointer.files.items():
                    local = building / rel
                    local.parent.mkdir(parents=True, exist_ok=True)
                    before = old_files.get(rel)
                    if old and before and before.sha256 == entry.sha256:
                        link_or_copy(old / rel, local)
                    else:
                        self._fetch(entry, local)
                building.mkdir(parents=True, exist_ok=True)
                if target.is_dir():  # another process of this worker pulled it
                    shutil.rmtree(building)
                else:
                    os.rename(building, target)
            except BaseException:
                shutil.rmtree(building, ignore_errors=True)
                raise
            point_link(link, target)
            _save_local_pointer(link, pointer)

    def push_snapshot(self, link: Path, snapshot: Path) -> None:
        """Write ``snapshot`` (complete, in the mirror) to the store and switch the
        store's pointer for ``link`` to it; then delete the objects of earlier
        snapshots that it no longer names."""
        self._fresh()
        last = self.read_pointer(link)
        old_files = last.files if last is not None else {}
        known = {(rel, e.sha256): e for rel, e in old_files.items()}
        files: dict[str, StoredFile] = {}
        written: list[str] = []
        try:
            for path in sorted(snapshot.rglob("*")):
                if not path.is_file():
                    continue
                rel = path.relative_to(snapshot).as_posix()
                digest = sha256_of(path)
                entry = known.get((rel, digest))
                if entry is None:
                    entry = StoredFile(
                        key=f"{self.rel(snapshot)}/{rel}",
                        sha256=digest,
                        size=path.stat().st_size,
                    )
                    written.append(self.key(entry.key))
                    self._fs.put_file(str(path), written[-1])
                files[rel] = entry
            pointer = Pointer(
                snapshot=snapshot.name,
                written_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                files=files,
            )
            data = pointer.encode(indent=1)
            self._fs.pipe(self.key(f"{self.rel(link)}/{POINTER}"), data)  # switch
        except BaseException:
            if written:  # the pointer still names the old snapshot: drop the new
                self._fs.rm(written)
            raise
        _save_local_pointer(link, pointer)
        named = {e.key for e in files.values()}
        stale = sorted(
            self.key(e.key) for e in old_files.values() if e.key not in named
        )
        if stale:
            self._fs.rm(stale)

    def _fetch(self, entry: StoredFile, local: Path) -> None:
        """Fetch one object to ``local``, refusing it if its sha256 differs."""
        partial = local.parent / f".{local.name}.{secrets.token_hex(3)}.partial"
        try:
            self._fs.get_file(self.key(entry.key), str(partial))
            if sha256_of(partial) != entry.sha256:
                raise ObjectStoreError(
                    f"{self.url}/{entry.key} does not match the sha256 its "
                    "pointer gives; it was changed or damaged in the store"
                )
            os.replace(partial, local)
        except FileNotFoundError as exc:
            raise ObjectStoreError(
                f"{self.url}/{entry.key} is missing (a newer snapshot replaced "
                "it while it was read: try again)"
            ) from exc
        finally:
            partial.unlink(missing_ok=True)

    # immutable folders ---------------------------------------------------
    def push_tree(self, folder: Path) -> None:
        """Write every file under ``folder`` to the store, the manifest last."""
        paths = sorted(p for p in folder.rglob("*") if p.is_file())
        paths.sort(key=lambda p: p.name in LAST)
        for path in paths:
            self._fs.put_file(str(path), self.key(self.rel(path)))

    def push_file(self, path: Path) -> None:
        self._fs.put_file(str(path), self.key(self.rel(path)))

    def pull_tree(self, folder: Path, *, again: bool = False) -> bool:
        """Fetch the folder from the store unless the mirror has it complete (or
        ``again``: fetch it whatever the mirror has); False when the store has no
        complete copy."""
        if not again and (folder / LAST[0]).is_file():
            os.utime(folder)  # used now: kept in the mirror (see prune)
            return True
        self._fresh()
        prefix = self.key(self.rel(folder))
        found = [k for k in self._fs.find(prefix) if not k.endswith("/")]
        if not any(k == f"{prefix}/{LAST[0]}" for k in found):
            return False
        building = folder.parent / f".{folder.name}.{secrets.token_hex(3)}.pulling"
        try:
            for key in found:
                local = building / key[len(prefix) + 1 :]
                local.parent.mkdir(parents=True, exist_ok=True)
                self._fs.get_file(key, str(local))
            _remove_tree(folder)
            os.rename(building, folder)
        finally:
            _remove_tree(building)
        return True

    def pull_file(self, path: Path) -> bool:
        """Fetch one file of an immutable folder unless the mirror has it; False
        when the store has none."""
        if path.is_file():
            return True
        partial = path.parent / f".{path.name}.{secrets.token_hex(3)}.partial"
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._fs.get_file(self.key(self.rel(path)), str(partial))
            os.replace(partial, path)
        except FileNotFoundError:
            return False
        finally:
            partial.unlink(missing_ok=True)
        return True

    # a mutable folder (the drop zone) -------------------------------------
    def pull_folder(self, folder: Path) -> None:
        """Make the files directly in the mirror's ``folder`` those in the store's:
        new and changed objects fetched (their time kept as the file's), files
        the store no longer has removed. Hidden names are left alone."""
        self._fresh()
        try:
            listed = self._fs.ls(self.key(self.rel(folder)), detail=True)
        except FileNotFoundError:
            listed = []
        there = {}
        for info in listed:
            name = str(info["name"]).rstrip("/").rsplit("/", 1)[-1]
            if info.get("type") == "file" and not name.startswith("."):
                there[name] = info
        folder.mkdir(parents=True, exist_ok=True)
        for path in folder.iterdir():
            hidden = path.name.startswith(".")
            if path.is_file() and not hidden and path.name not in there:
                path.unlink(missing_ok=True)
        for name, info in there.items():
            local = folder / name
            stamp = _modified(info)
            if local.is_file():
                held = local.stat()
                if held.st_size == info["size"] and held.st_mtime == stamp:
                    continue
            partial = folder / f".{name}.{secrets.token_hex(3)}.partial"
            try:
                self._fs.get_file(str(info["name"]), str(partial))
                os.utime(partial, (stamp, stamp))
                os.replace(partial, local)
            except FileNotFoundError:
                continue  # taken away while the folder was read
            finally:
                partial.unlink(missing_ok=True)

    def delete_unchanged(self, path: Path) -> bool:
        """Delete the store's copy of ``path`` (a file of a folder kept by
        :meth:`pull_folder`) unless it changed since it was fetched."""
        key = self.key(self.rel(path))
        self._fresh()
        try:
            info = self._fs.info(key)
        except FileNotFoundError:
            return True
        if (
            _modified(info) != path.stat().st_mtime
            or info["size"] != path.stat().st_size
        ):
            return False
        self._fs.rm(key)
        return True

    def delete_tree(self, folder: Path) -> None:
        self._fresh()
        prefix = self.key(self.rel(folder))
        if self._fs.exists(prefix):
            self._fs.rm(prefix, recursive=True)

    # the mirror itself ----------------------------------------------------
    def prune(
        self,
        *,
        sessions: Path,
        current: Path,
        snapshots: Path,
        locks: Path,
        keep: dt.timedelta = MIRROR_KEEP,
        now: float | None = None,
    ) -> list[Path]:
        """Clear out of the mirror what it has not used for ``keep``:

        - every session archive under ``sessions/<LA>/`` (and every half-fetched
          one) not written or fetched since; the store keeps it, and a later
          fetch brings it back;
        - every authority's ``current/<LA>`` not brought up to date since is
          brought up to date now (``snapshots/<LA>`` holds its snapshots), so a
          table the store no longer has leaves the mirror; an authority whose
          lock (``locks/<LA>.lock``) a process of this worker holds is left to
          it (its session brings it up to date).

        Returns the session folders removed and the links brought up to date.
        """
        limit = (time.time() if now is None else now) - keep.total_seconds()
        done: list[Path] = []
        for folder in _subfolders(sessions):
            for session in _subfolders(folder):
                if session.stat().st_mtime < limit:
                    _remove_tree(session)
                    done.append(session)
        if not current.is_dir():
            return done
        for link in sorted(current.iterdir()):
            if not link.is_symlink():
                continue
            copy = _pointer_copy(link)
            if copy.is_file() and copy.stat().st_mtime >= limit:
                continue
            locks.mkdir(parents=True, exist_ok=True)
            with (locks / f"{link.name}.lock").open("a") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a session of this worker holds it
                try:
                    self.pull_snapshot(link, snapshots / link.name)
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
            done.append(link)
        return done

    def names(self, folder: Path) -> list[str]:
        """The names directly under ``folder`` in the store."""
        self._fresh()
        try:
            listed = self._fs.ls(self.key(self.rel(folder)), detail=False)
        except FileNotFoundError:
            return []
        return sorted({str(k).rstrip("/").rsplit("/", 1)[-1] for k in listed})


def _modified(info: Mapping[str, object]) -> float:
    """When an object was last written, as a POSIX time (0 when not said)."""
    for name in ("LastModified", "last_modified", "mtime", "created"):
        value = info.get(name)
        if isinstance(value, dt.datetime):
            return float(int(value.timestamp()))
        if isinstance(value, int | float):
            return float(int(value))
    return 0.0


def _subfolders(folder: Path) -> list[Path]:
    """The folders directly in ``folder`` (none if it is missing), not links."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink())


def _pointer_copy(link: Path) -> Path:
    return link.parent / f".{link.name}.{POINTER}"


def _local_pointer(link: Path) -> Mapping[str, StoredFile]:
    try:
        return Pointer.decode(_pointer_copy(link).read_text("utf-8")).files
    except (OSError, ValueError, KeyError):
        return {}


def _save_local_pointer(link: Path, pointer: Pointer) -> None:
    write_bytes_atomically(_pointer_copy(link), pointer.encode())


def _remove_tree(folder: Path) -> None:
    """Remove ``folder`` even where its files are read-only (session archives)."""

    if not folder.exists():
        return
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            path.chmod(0o600)
    shutil.rmtree(folder)
