"""Where a published table sits under ``current/<LA>/``:
``<use case>/<dataset>/<year>/<table>.parquet``. The one place that spells that
path out and reads it back."""

from __future__ import annotations

from dataclasses import dataclass

SUFFIX = ".parquet"


@dataclass(frozen=True, order=True)
class PublishedPath:
    """One published table of an authority: its use case, dataset, collection
    year and table."""

    use_case: str
    dataset: str
    year: int
    table: str

    @property
    def rel(self) -> str:
        """The path under ``current/<LA>/`` (and under a session's
        ``degraded/``)."""
        return f"{self.use_case}/{self.dataset}/{self.year}/{self.table}{SUFFIX}"

    @property
    def under_use_case(self) -> str:
        """The path below the use case's folder (``<dataset>/<year>/<table>
        .parquet``: a session's ``conformed/`` keeps its tables so)."""
        return f"{self.dataset}/{self.year}/{self.table}{SUFFIX}"

    def __str__(self) -> str:
        return self.rel

    @classmethod
    def parse(cls, rel: str) -> PublishedPath | None:
        """``rel`` read back, or None when it is not a published table's path
        (a stray file, a folder, a year that is not a number)."""
        parts = rel.split("/")
        if len(parts) != 4 or not all(parts) or not parts[3].endswith(SUFFIX):
            return None
        use_case, dataset, year, name = parts
        table = name.removesuffix(SUFFIX)
        if not year.isdigit() or not table:
            return None
        return cls(use_case, dataset, int(year), table)
