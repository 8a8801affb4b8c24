"""What ``cld bench`` found, the targets it is held to, and its JSON form."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

STAGE_NAMES = ("read", "conform", "issues", "total")
"""The stages of a validate, as reported; ``total`` is the whole validate."""

_TICK = 1e-9
"""Seconds below which a stage counts as this long (JSON has no infinity)."""


@dataclass(frozen=True)
class Targets:
    """The validate of 1,300,000 episode rows (a large authority's history):
    within 5× a bare ``polars.read_csv`` of the same file, under 1 GiB. A ratio
    to the floor, measured on the same machine in the same run, says more than
    seconds, which depend on the machine and on what else runs on it."""

    rows: int = 1_300_000
    ratio: float = 5.0
    peak_mib: float = 1024.0

    def ratio_met(self, ratio: float) -> bool:
        return ratio <= self.ratio

    def peak_met(self, peak_mib: float) -> bool:
        return peak_mib < self.peak_mib


@dataclass(frozen=True)
class Stage:
    """Wall time of a stage and peak memory of its process at the stage's end."""

    seconds: float
    peak_mib: float

    def rows_per_second(self, rows: int) -> float:
        return rows / max(self.seconds, _TICK)


@dataclass(frozen=True)
class PolarsRead:
    """One bare ``polars.read_csv`` process."""

    rows: int
    seconds: float
    baseline_mib: float
    peak_mib: float

    @property
    def stage(self) -> Stage:
        return Stage(self.seconds, self.peak_mib)

    @classmethod
    def from_child(cls, found: dict[str, Any]) -> PolarsRead:
        return cls(
            rows=int(found["rows"]),
            seconds=float(found["seconds"]),
            baseline_mib=float(found["baseline_mib"]),
            peak_mib=float(found["peak_mib"]),
        )

    @classmethod
    def median(cls, runs: Sequence[PolarsRead]) -> PolarsRead:
        return cls(
            rows=runs[0].rows,
            seconds=statistics.median(r.seconds for r in runs),
            baseline_mib=statistics.median(r.baseline_mib for r in runs),
            peak_mib=statistics.median(r.peak_mib for r in runs),
        )


@dataclass(frozen=True)
class Validate:
    """One validate process, stage by stage."""

    rows: int
    issues: int
    json_bytes: int
    baseline_mib: float
    stages: dict[str, Stage]

    @classmethod
    def from_child(cls, found: dict[str, Any]) -> Validate:
        return cls(
            rows=int(found["rows"]),
            issues=int(found["issues"]),
            json_bytes=int(found["json_bytes"]),
            baseline_mib=float(found["baseline_mib"]),
            stages={
                name: Stage(
                    seconds=float(found["stages"][name]["seconds"]),
                    peak_mib=float(found["stages"][name]["peak_mib"]),
                )
                for name in STAGE_NAMES
            },
        )

    @classmethod
    def median(cls, runs: Sequence[Validate]) -> Validate:
        """Each figure the median of ``runs`` (issue counts are the same in all)."""
        return cls(
            rows=runs[0].rows,
            issues=runs[0].issues,
            json_bytes=runs[0].json_bytes,
            baseline_mib=statistics.median(r.baseline_mib for r in runs),
            stages={
                name: Stage(
                    seconds=statistics.median(r.stages[name].seconds for r in runs),
                    peak_mib=statistics.median(r.stages[name].peak_mib for r in runs),
                )
                for name in STAGE_NAMES
            },
        )


@dataclass(frozen=True)
class BenchResult:
    rows: int
    """Data rows in the generated file."""
    year: int
    seed: int
    repeat: int
    file_mib: float
    generate_seconds: float
    polars_read: PolarsRead
    validate: Validate
    targets: Targets = field(default_factory=Targets)

    @property
    def total(self) -> Stage:
        return self.validate.stages["total"]

    @property
    def ratio_to_polars_read(self) -> float:
        return self.total.seconds / self.polars_read.seconds

    @property
    def ratio_met(self) -> bool:
        return self.targets.ratio_met(self.ratio_to_polars_read)

    @property
    def peak_met(self) -> bool:
        return self.targets.peak_met(self.total.peak_mib)

    @property
    def targets_met(self) -> bool:
        return self.ratio_met and self.peak_met

    def to_json(self) -> dict[str, Any]:
        """The object printed by ``cld bench --json``."""
        return {
            "rows": self.rows,
            "year": self.year,
            "seed": self.seed,
            "repeat": self.repeat,
            "file_mib": self.file_mib,
            "generate_seconds": self.generate_seconds,
            "polars_read": {
                "seconds": self.polars_read.seconds,
                "rows_per_second": self.polars_read.stage.rows_per_second(self.rows),
                "peak_mib": self.polars_read.peak_mib,
                "baseline_mib": self.polars_read.baseline_mib,
            },
            "stages": {
                name: {
                    "seconds": stage.seconds,
                    "rows_per_second": stage.rows_per_second(self.rows),
                    "peak_mib": stage.peak_mib,
                }
                for name, stage in self.validate.stages.items()
            },
            "peak_mib": self.total.peak_mib,
            "baseline_mib": self.validate.baseline_mib,
            "ratio_to_polars_read": self.ratio_to_polars_read,
            "issues": self.validate.issues,
            "json_mib": self.validate.json_bytes / 2**20,
            "targets": {
                "rows": self.targets.rows,
                "ratio_to_polars_read": self.targets.ratio,
                "peak_mib": self.targets.peak_mib,
                "ratio_met": self.ratio_met,
                "peak_met": self.peak_met,
                "met": self.targets_met,
            },
        }
