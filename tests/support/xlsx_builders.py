"""Builders for tests: small Excel workbooks written as councils' reports write them."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl import Workbook

Rows = Sequence[Any]
"""Rows of cell values (each a sequence; None is an empty cell)."""


def workbook(
    sheets: Mapping[str, Rows],
    *,
    titles: dict[str, int] | None = None,
    hidden: Sequence[str] = (),
) -> bytes:
    """A workbook with a sheet of ``rows`` for each name in ``sheets``.

    ``titles`` gives, for some sheets, how many rows go above the rows given: the
    first holds a title merged across the table, the rest are blank. Cells that
    are None are left empty.
    """
    book = Workbook()
    default = book.active
    if default is not None:
        book.remove(default)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        above = (titles or {}).get(name, 0)
        if above:
            sheet.cell(row=1, column=1, value=f"{name}: title above the table")
            width = max((len(row) for row in rows), default=1)
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        for index, row in enumerate(rows, start=above + 1):
            for column, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(row=index, column=column, value=value)
        if name in hidden:
            sheet.sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
