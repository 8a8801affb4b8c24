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
      current/.locks/<LA>.lock   one session at a time publishes for an authority
      outputs/<use case>/        the pan-London outputs of each use case (a link to
                                 its latest build, switched atomically)

Only ``incoming/`` and ``sessions/`` ever hold a raw identifier, a full date of
birth or a full postcode; everything under ``current/`` has been through the policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cld.engine.errors import UsageError

REGISTRY_FILE = "registry.sqlite"
AREAS = ("incoming", "sessions", "current")
DROP_ZONE = "new"
"""The folders ``cld init`` makes and every command expects."""


@dataclass(frozen=True)
class DataArea:
    root: Path

    @property
    def registry_file(self) -> Path:
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
        for name in AREAS:
            (self.root / name).mkdir(parents=True, exist_ok=True)

    def check(self) -> None:
        """Refuse a folder that ``cld init`` has not made a data area."""
        missing = [name for name in AREAS if not (self.root / name).is_dir()]
        if missing:
            raise UsageError(
                f"{self.root} is not a data area (no {', '.join(missing)}); "
                f"run `cld init --data-dir {self.root}` first"
            )


def open_data_area(location: str | Path) -> DataArea:
    """The data area at ``location`` (a folder; see :mod:`cld.pipeline.storage` for
    object-store URLs)."""
    return DataArea(Path(location))
