"""Writing outputs so the same content always gives the same bytes, and no cell a
spreadsheet would run as a formula.

Parquet and CSV from Polars are deterministic; a workbook is written by XlsxWriter
with fixed document dates and zip entry times, so rebuilding unchanged outputs
leaves every file byte for byte as it was.

A pooled table is written piece by piece (:class:`TableWriter`: Parquet through
pyarrow's writer, CSV appended), so that it is never whole in memory; the same
pieces give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import polars as pl
import pyarrow.parquet as pq
import xlsxwriter

from cld.engine.disclosure import neutralise_formulae, neutralise_text
from cld.pipeline.atomic import temporary_beside, write_atomically

FIXED_TIME = dt.datetime(2000, 1, 1, 0, 0, 0)
"""Stamped as the workbook's creation time and on every zip entry."""
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")


def write_parquet(frame: pl.DataFrame, target: Path) -> Path:
    return write_atomically(
        target, lambda path: frame.write_parquet(path, compression="zstd")
    )


def write_csv(frame: pl.DataFrame, target: Path) -> Path:
    safe = neutralise_formulae(frame)
    return write_atomically(target, lambda path: safe.write_csv(path))


ROW_GROUP = 250_000
"""Rows gathered before a :class:`TableWriter` writes a Parquet row group."""


class TableWriter:
    """One table written to Parquet and CSV a piece at a time.

    Use as a context manager: :meth:`write` each piece (each with the same columns
    and types, the first piece's), then on a clean exit both files are renamed
    onto their targets; on an error both temporary files are removed and the
    targets are as they were. CSV cells a spreadsheet would run are neutralised,
    as :func:`write_csv` does.
    """

    def __init__(self, parquet: Path, csv: Path) -> None:
        self.parquet, self.csv = parquet, csv
        self.rows = 0
        self._schema: pl.Schema | None = None
        self._pending: list[pl.DataFrame] = []
        self._pending_rows = 0
        self._header_written = False
        self._parquet_part = temporary_beside(parquet)
        self._csv_part = temporary_beside(csv)
        self._csv_out: IO[bytes] = self._csv_part.open("wb")
        self._parquet_out: Any = None

    def __enter__(self) -> TableWriter:
        return self

    def write(self, piece: pl.DataFrame) -> None:
        if self._schema is None:
            self._schema = piece.schema
            arrow = piece.head(0).to_arrow(compat_level=pl.CompatLevel.oldest())
            self._parquet_out = pq.ParquetWriter(
                self._parquet_part, arrow.schema, compression="zstd"
            )
        elif piece.schema != self._schema:
            raise ValueError(
                f"{self.parquet.name}: a piece's columns {piece.schema} are not "
                f"the first piece's {self._schema}"
            )
        neutralise_formulae(piece).write_csv(
            self._csv_out, include_header=not self._header_written
        )
        self._header_written = True
        self._pending.append(piece)
        self._pending_rows += piece.height
        if self._pending_rows >= ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        if self._pending_rows:
            frame = pl.concat(self._pending)
            self._parquet_out.write_table(
                frame.to_arrow(compat_level=pl.CompatLevel.oldest()),
                row_group_size=max(frame.height, 1),
            )
        self.rows += self._pending_rows
        self._pending, self._pending_rows = [], 0

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            try:
                if kind is None:
                    if self._schema is None:
                        raise ValueError(f"{self.parquet.name}: no piece was written")
                    self._flush()
            finally:
                if self._parquet_out is not None:
                    self._parquet_out.close()
                self._csv_out.close()
            if kind is None:
                os.replace(self._parquet_part, self.parquet)
                os.replace(self._csv_part, self.csv)
        finally:
            self._parquet_part.unlink(missing_ok=True)
            self._csv_part.unlink(missing_ok=True)


def _cells(frame: pl.DataFrame, *, numbers: bool) -> list[list[object]]:
    """The frame's columns as cell values: text that is a plain number becomes the
    number (when ``numbers``), other text is neutralised (:func:`neutralise_text`);
    a number that is not finite (NaN, infinity) is an empty cell. The work is done a
    column at a time in Polars."""
    columns: list[list[object]] = []
    for name, dtype in frame.schema.items():
        column = frame.get_column(name)
        if dtype.is_float():
            column = frame.select(
                pl.when(pl.col(name).is_finite()).then(pl.col(name))
            ).to_series()
        if dtype != pl.String:
            columns.append(column.to_list())
            continue
        if not numbers:
            safe = neutralise_formulae(frame.select(name)).get_column(name)
            columns.append(safe.to_list())
            continue
        number = pl.col(name).str.contains(_NUMBER.pattern)
        parts = frame.select(
            pl.when(number).then(pl.col(name).cast(pl.Float64)).alias("number"),
            pl.when(~number).then(pl.col(name)).alias("text"),
        )
        texts = neutralise_formulae(parts.select("text")).get_column("text")
        columns.append(
            [
                n if n is not None else t
                for n, t in zip(parts["number"].to_list(), texts.to_list(), strict=True)
            ]
        )
    return columns


def _sheet_title(name: str, taken: set[str]) -> str:
    base = _SHEET_UNSAFE.sub(" ", name)[:31] or "table"
    title, n = base, 2
    while title.casefold() in taken:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title.casefold())
    return title


Pages = Iterable[pl.DataFrame]
"""A sheet's rows as frames of the same columns, written one after another (the
first may be empty: it gives the header), so that no sheet need be held whole."""


def write_workbook(
    tables: Mapping[str, pl.DataFrame] | Sequence[tuple[str, pl.DataFrame | Pages]],
    notes: Sequence[str],
    target: Path,
    *,
    numbers: bool = True,
) -> Path:
    """A workbook with a Notes sheet (when there are notes), then one sheet per
    table (``tables``: by sheet name, or pairs of a name, which may repeat, and a
    table or its :data:`Pages`) (header row frozen, filters on); numbers written as
    numbers, symbols such as ``[c]`` as text. With ``numbers`` false, text that
    looks like a number stays text (codes such as ``01`` keep their zero).

    Every spreadsheet the platform writes comes from here or :func:`write_csv`, so
    no cell is ever a formula: XlsxWriter writes text as text, and text a
    spreadsheet could still take for a formula is neutralised.

    XlsxWriter in constant-memory mode writes each row as it is given; its zip
    entries carry a fixed time, and the document's dates are :data:`FIXED_TIME`.
    """

    def write(path: Path) -> None:
        book = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "tmpdir": str(path.parent),
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "default_date_format": "yyyy-mm-dd",
            },
        )
        book.set_properties(
            {"created": FIXED_TIME, "author": "Child Level Data platform"}
        )
        taken = set()
        if notes:
            sheet = book.add_worksheet("Notes")
            for row, line in enumerate(notes):
                sheet.write_string(row, 0, neutralise_text(line))
            taken.add("notes")
        pages = tables.items() if isinstance(tables, Mapping) else tables
        for name, content in pages:
            page = book.add_worksheet(_sheet_title(name, taken))
            page.freeze_panes(1, 0)
            rows, width = 0, 0
            for frame in [content] if isinstance(content, pl.DataFrame) else content:
                if not width:
                    page.write_row(0, 0, [neutralise_text(c) for c in frame.columns])
                    width = max(frame.width, 1)
                cells = _cells(frame, numbers=numbers)
                for values in zip(*cells, strict=True):
                    rows += 1
                    page.write_row(rows, 0, values)
            if rows:
                page.autofilter(0, 0, rows, width - 1)
        book.close()

    return write_atomically(target, write)
