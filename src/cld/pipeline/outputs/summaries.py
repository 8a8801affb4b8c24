"""What a built table holds, in the manifest's words: its rows, the authorities
and the years in it, and its kind."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from cld.engine.transforms.derived import LA, YEAR

LONDON = "London"
"""The row label of London totals in report tables (not an authority)."""
CHILD_LEVEL = "child-level"
REPORT = "report"


@dataclass(frozen=True)
class TableSummary:
    rows: int
    las: tuple[str, ...]
    years: tuple[int, ...]
    kind: str
    """``child-level`` (pooled rows) or ``report`` (disclosure-controlled
    aggregates)."""

    def to_json(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "las": list(self.las),
            "years": list(self.years),
            "kind": self.kind,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> TableSummary:
        """The entry :meth:`to_json` wrote (:class:`ValueError` when it is not
        one)."""
        rows, las, years, kind = (data.get(k) for k in ("rows", "las", "years", "kind"))
        if not (
            isinstance(rows, int)
            and isinstance(las, list)
            and isinstance(years, list)
            and isinstance(kind, str)
        ):
            raise ValueError("not a table's summary")
        return cls(rows, tuple(str(la) for la in las), tuple(map(int, years)), kind)


class Seen:
    """The rows, authorities and years of a table, gathered piece by piece."""

    def __init__(self) -> None:
        self.rows = 0
        self.las: set[str] = set()
        self.years: set[int] = set()

    def add(self, frame: pl.DataFrame) -> None:
        self.rows += frame.height
        if LA in frame.columns:
            self.las.update(
                v for v in frame[LA].unique().to_list() if v and v != LONDON
            )
        if YEAR in frame.columns:
            self.years.update(
                int(v) for v in frame[YEAR].unique().to_list() if v is not None
            )

    def summary(self, kind: str) -> TableSummary:
        return TableSummary(
            rows=self.rows,
            las=tuple(sorted(self.las)),
            years=tuple(sorted(self.years)),
            kind=kind,
        )


def summary_of(frame: pl.DataFrame, kind: str) -> TableSummary:
    """The summary of a whole table."""
    seen = Seen()
    seen.add(frame)
    return seen.summary(kind)
