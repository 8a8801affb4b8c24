"""What every reader returns: the cells as strings, with where they came from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import polars as pl

ROW = "__row"
"""Column holding each row's number as the council sees it (the header is row 1)."""


@dataclass(frozen=True)
class RawTable:
    """A table exactly as read: headers as written, every cell a string.

    ``frame`` has one column per file column, named ``c0``, ``c1``… (headers may
    repeat or be blank, so they cannot be column names), plus :data:`ROW`.
    """

    headers: tuple[str, ...]
    frame: pl.DataFrame
    encoding: str

    @staticmethod
    def position_name(index: int) -> str:
        return f"c{index}"

    @property
    def height(self) -> int:
        return self.frame.height

    in_memory = True

    def lazy(self) -> pl.LazyFrame:
        return self.frame.lazy()

    def rows(self, start: int, length: int) -> pl.DataFrame:
        return self.frame.slice(start, length)


class RawRows(Protocol):
    """A raw table as the conformer reads it, a slice at a time: in memory
    (:class:`RawTable`) or in files on disk (an XML return's spilled tables), so
    a table on disk is never held whole."""

    @property
    def headers(self) -> tuple[str, ...]: ...

    @property
    def height(self) -> int: ...

    @property
    def in_memory(self) -> bool:
        """Whether every row is held already (a slice then costs no read)."""
        ...

    def lazy(self) -> pl.LazyFrame:
        """Every row, for passes over whole columns (distinct values, counts)."""
        ...

    def rows(self, start: int, length: int) -> pl.DataFrame:
        """``length`` rows from ``start``, in the file's order."""
        ...
