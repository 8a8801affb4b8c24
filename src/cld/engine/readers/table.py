"""What every reader returns: the cells as strings, with where they came from."""

from __future__ import annotations

from dataclasses import dataclass

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
