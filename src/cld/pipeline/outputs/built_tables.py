"""What a step of a build gives the next: the build's tables so far."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cld.pipeline.outputs.summaries import TableSummary


@dataclass(frozen=True)
class BuiltTables:
    """Tables of one build, with their files (in staging, or kept from the
    previous build)."""

    files: Mapping[str, Path] = field(default_factory=dict)
    """Every file, by its name in the build (``<table>.parquet``, ``.csv``,
    ``<report>.xlsx``)."""
    summaries: Mapping[str, TableSummary] = field(default_factory=dict)
    pooled: Mapping[str, Path] = field(default_factory=dict)
    """Each pooled table's Parquet file (the reports read them back)."""
    recomputed: tuple[str, ...] = ()
    """The tables worked out afresh (the others were kept)."""

    def __or__(self, other: BuiltTables) -> BuiltTables:
        """Both steps' tables (``other``'s win where both have one)."""
        return BuiltTables(
            files={**self.files, **other.files},
            summaries={**self.summaries, **other.summaries},
            pooled={**self.pooled, **other.pooled},
            recomputed=(*self.recomputed, *other.recomputed),
        )
