"""The data area: where a platform's files live, and which of them may hold what.

::

    DIR/
      registry.sqlite            the registry (unless DATABASE_URL names another)
      incoming/<LA>/<session>/   raw uploads while a session runs (private to the LA)
      incoming/new/<LA>/         the drop zone: returns left here (by a transfer, the
                                 API) wait for the orchestrator's sensor to process them
      sessions/<LA>/<session>/   the immutable archive of each session: raw upload,
                                 conformed tables, degraded tables, issues, manifest
      current/<LA>/<use case>/<dataset>/<year>/<table>.parquet
                                 each authority's published, degraded tables
      current/.snapshots/<LA>/<session>/
                                 what current/<LA> points to (swapped atomically)
      current/.snapshots/<LA>/.<session>.lease
                                 held by whoever reads that snapshot
                                 (:mod:`cld.pipeline.snapshot_leases`)
      current/.locks/<LA>.lock   one session at a time publishes for an authority
      outputs/<use case>/        the pan-London outputs of each use case (a link to
                                 its latest build, switched atomically)

Only ``incoming/`` and ``sessions/`` ever hold a raw identifier, a full date of
birth or a full postcode; everything under ``current/`` has been through the policy.

The area may be a folder (the default) or an object-store URL such as
``s3://bucket/prefix`` (:func:`open_data_area`): then the store holds the same
layout, with pointer objects instead of links, and ``root`` is the worker's local
mirror of it (:mod:`cld.pipeline.storage.mirror`). The registry of such an area is
where ``DATABASE_URL`` says.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cld.engine.errors import UsageError
from cld.pipeline.registry.database import DATABASE_URL_ENV
from cld.pipeline.snapshot_leases import tidy
from cld.pipeline.storage.location import local_path, mirror_folder, scheme_of
from cld.pipeline.storage.mirror import RemoteArea

REGISTRY_FILE = "registry.sqlite"
AREAS = ("incoming", "sessions", "current")
DROP_ZONE = "new"
"""The folders ``cld init`` makes and every command expects."""
SNAPSHOTS = ".snapshots"
"""Under ``current/``: each authority's snapshots (``current/<LA>`` links to one)."""
LOCKS = ".locks"
"""Under ``current/``: each authority's lock file (``<LA>.lock``)."""
BUILDS = ".builds"
"""Under ``outputs/``: each use case's builds (``outputs/<use case>`` links to
one)."""


@dataclass(frozen=True)
class DataArea:
    root: Path
    """The area's folder (the mirror's, on object storage), always absolute:
    made so here, so a relative path given by a person or a setting cannot make
    two spellings of one folder."""
    remote: RemoteArea | None = None
    """The object store the area lives in; None for a folder."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root).resolve())

    @property
    def location(self) -> str:
        """What the area was opened as: its folder, or its URL."""
        return self.remote.url if self.remote is not None else str(self.root)

    @property
    def registry_file(self) -> Path:
        """The embedded SQLite registry. An area on object storage has none: its
        registry is where ``DATABASE_URL`` says."""
        if self.remote is not None and not os.environ.get(DATABASE_URL_ENV, "").strip():
            raise UsageError(
                f"{self.remote.url} is on object storage, so its registry is where "
                f"{DATABASE_URL_ENV} says; set {DATABASE_URL_ENV} "
                "(e.g. postgresql://user@host/db)"
            )
        return self.root / REGISTRY_FILE

    @property
    def incoming(self) -> Path:
        return self.root / "incoming"

    @property
    def sessions(self) -> Path:
        return self.root / "sessions"

    @property
    def current(self) -> Path:
        return self.root / "current"

    @property
    def outputs(self) -> Path:
        return self.root / "outputs"

    def drop_zone(self, la: str) -> Path:
        """Where returns wait to be picked up and processed for ``la``."""
        return self.incoming / DROP_ZONE / la

    def la_current(self, la: str) -> Path:
        return self.current / la

    def session_dir(self, la: str, session_id: str) -> Path:
        return self.sessions / la / session_id

    def create(self) -> None:
        if self.remote is not None:
            self.remote.create()
        for name in AREAS:
            (self.root / name).mkdir(parents=True, exist_ok=True)

    def check(self) -> None:
        """Refuse a folder (or a store) that ``cld init`` has not made a data
        area."""
        if self.remote is not None:
            self.remote.check()
            for name in AREAS:  # the mirror is made as needed
                (self.root / name).mkdir(parents=True, exist_ok=True)
            self.remote.prune(
                sessions=self.sessions,
                current=self.current,
                snapshots=self.current / SNAPSHOTS,
                locks=self.current / LOCKS,
            )
            self.tidy()
            return
        missing = [name for name in AREAS if not (self.root / name).is_dir()]
        if missing:
            raise UsageError(
                f"{self.root} is not a data area (no {', '.join(missing)}); "
                f"run `cld init --data-dir {self.root}` first"
            )
        self.check_links()
        self.tidy()

    def tidy(self) -> None:
        """Remove the snapshots and builds no link points to and no reader holds
        any more (one whose reader died holding it), and what crashed changes
        left, for every link no change is under way for."""
        for folder, snapshots in (
            (self.current, self.current / SNAPSHOTS),
            (self.outputs, self.outputs / BUILDS),
        ):
            if folder.is_dir():
                for link in sorted(folder.iterdir()):
                    if link.is_symlink() and not link.name.startswith("."):
                        tidy(link, snapshots / link.name)

    def check_links(self) -> None:
        """Refuse an area whose ``current/<LA>`` or ``outputs/<use case>`` is
        not a link to a snapshot: a copy made by a tool that followed the links
        (``cp -rL``, some backups) has folders there, which the platform would
        read as nothing published."""
        for folder, what, snapshots in (
            (self.current, "current/<LA>", f"current/{SNAPSHOTS}/<LA>/"),
            (self.outputs, "outputs/<use case>", f"outputs/{BUILDS}/<use case>/"),
        ):
            if not folder.is_dir():
                continue
            for entry in sorted(folder.iterdir()):
                if entry.name.startswith("."):
                    continue
                if entry.is_symlink() and entry.is_dir():
                    continue
                if entry.is_symlink():
                    raise UsageError(
                        f"{entry} is a link to a snapshot that is missing: {what} "
                        f"should be a symbolic link to a snapshot in {snapshots}. "
                        "The area is incomplete; restore it from a whole copy "
                        "(see docs/data-area.md, backing up and restoring)"
                    )
                raise UsageError(
                    f"{entry} is a {'folder' if entry.is_dir() else 'file'}, not a "
                    f"link: {what} should be a symbolic link to a snapshot in "
                    f"{snapshots}. The data area was probably copied by a tool "
                    "that follows links (cp -rL, some backups); restore it from a "
                    "copy that keeps them (tar, cp -a, rsync -a; see "
                    "docs/data-area.md, backing up and restoring)"
                )

    # immutable folders (a session's archive, signed agreements) --------------
    def fetch(self, folder: Path, *, again: bool = False) -> Path:
        """``folder`` with its files, fetched from the store when the mirror lacks
        them, or whatever it has when ``again`` (object-store areas)."""
        if self.remote is not None:
            self.remote.pull_tree(folder, again=again)
        return folder

    def fetch_file(self, path: Path) -> Path:
        """One file of an immutable folder, fetched from the store when the
        mirror lacks it (object-store areas)."""
        if self.remote is not None:
            self.remote.pull_file(path)
        return path

    def store(self, path: Path) -> None:
        """Write a finished folder (or one file) to the store (object-store
        areas)."""
        if self.remote is not None:
            if path.is_dir():
                self.remote.push_tree(path)
            else:
                self.remote.push_file(path)

    def forget(self, folder: Path) -> None:
        """Delete ``folder`` from the store too (object-store areas)."""
        if self.remote is not None:
            self.remote.delete_tree(folder)

    def names(self, folder: Path) -> list[str]:
        """What is directly in ``folder`` (in the store, for object-store areas)."""
        if self.remote is not None:
            return self.remote.names(folder)
        return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def open_data_area(location: str | Path) -> DataArea:
    """The data area at ``location``: a folder (or ``file://`` URL), or an
    object-store URL (``s3://bucket/prefix``, ``az://container/prefix``) worked on
    through a local mirror under ``$CLD_WORK_DIR``."""
    if scheme_of(location) is None:
        return DataArea(local_path(location))
    url = str(location).rstrip("/")
    return DataArea(mirror_folder(url), RemoteArea(url, mirror_folder(url)))


def open_existing_area(location: str | Path) -> DataArea:
    """The data area at ``location``, refusing one ``cld init`` has not made."""
    area = open_data_area(location)
    area.check()
    return area
