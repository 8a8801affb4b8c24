"""The first step of a build: what the previous build of the use case holds that
this one keeps.

A pooled table (or a report) whose fingerprint (:mod:`.fingerprints`) is the one
the previous build recorded keeps that build's files: they are exactly the bytes
it would make again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from cld.pipeline.outputs.built_tables import BuiltTables
from cld.pipeline.outputs.outputs_manifest import OutputsManifest
from cld.pipeline.outputs.pooled import TableFiles
from cld.pipeline.outputs.summaries import TableSummary

TABLE_SUFFIXES = ("parquet", "csv")
"""The files of every table of a build, pooled or of a report."""


@dataclass(frozen=True)
class PreviousBuild:
    """The previous build of the use case (``folder``, held by the caller) and its
    ``manifest`` (None: there is none, or it cannot be read)."""

    folder: Path | None
    manifest: OutputsManifest | None

    def _files(self, names: list[str]) -> dict[str, Path] | None:
        if self.folder is None or self.manifest is None:
            return None
        found = {name: self.folder / name for name in names}
        return found if all(path.is_file() for path in found.values()) else None

    def table(self, name: str, fingerprint: str) -> dict[str, Path] | None:
        """The previous build's files of pooled table ``name`` when it was made
        of exactly the same inputs, else None."""
        before = self.manifest
        if (
            before is None
            or before.table_fingerprints.get(name) != fingerprint
            or name not in before.tables
        ):
            return None
        return self._files([f"{name}.{suffix}" for suffix in TABLE_SUFFIXES])

    def report(
        self, name: str, fingerprint: str
    ) -> tuple[tuple[str, ...], dict[str, Path]] | None:
        """The previous build's tables and files of report ``name`` when it was
        made of exactly the same inputs, else None."""
        before = self.manifest
        entry = None if before is None else before.reports.get(name)
        if before is None or entry is None or entry.fingerprint != fingerprint:
            return None
        if any(t not in before.tables for t in entry.tables):
            return None
        names = [f"{t}.{suffix}" for t in entry.tables for suffix in TABLE_SUFFIXES]
        files = self._files([*names, f"{name}.xlsx"] if entry.tables else names)
        return None if files is None else (entry.tables, files)

    def summaries(self, names: Iterable[str]) -> dict[str, TableSummary]:
        """The previous build's summaries of the tables ``names`` (kept)."""
        tables = self.manifest.tables if self.manifest is not None else {}
        return {name: tables[name] for name in names}


@dataclass(frozen=True)
class Reuse:
    kept: BuiltTables
    """The pooled tables kept from the previous build."""
    to_make: tuple[TableFiles, ...]
    """The pooled tables to make afresh."""


def reuse_tables(
    groups: Iterable[TableFiles],
    fingerprints: Mapping[str, str],
    previous: PreviousBuild,
) -> Reuse:
    """Which pooled tables of ``groups`` (with their ``fingerprints``, by name)
    the previous build has, made of exactly the same, and which are to make."""
    files: dict[str, Path] = {}
    pooled: dict[str, Path] = {}
    kept: list[str] = []
    to_make: list[TableFiles] = []
    for group in groups:
        reusable = previous.table(group.name, fingerprints[group.name])
        if reusable is None:
            to_make.append(group)
            continue
        files.update(reusable)
        pooled[group.name] = reusable[f"{group.name}.parquet"]
        kept.append(group.name)
    return Reuse(
        kept=BuiltTables(files, previous.summaries(kept), pooled),
        to_make=tuple(to_make),
    )
