"""Builders for tests: small Excel workbooks written as councils' reports write them."""

from __future__ import annotations

import io
import zipfile
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


def sparse_workbook(
    cells: Mapping[str, str],
    *,
    sheet: str = "List 1",
    dimension: str | None = None,
) -> bytes:
    """A tiny workbook, its XML written by hand, with one sheet holding ``cells``
    (reference → text, e.g. ``{"A1": "x", "XFD1048576": "y"}``) and declaring
    ``dimension`` (by default the true one is left out, as some writers do).

    openpyxl would not write a cell at the edge of the grid this cheaply, and a
    hostile file can say anything in its ``<dimension>``."""
    rows: dict[int, list[str]] = {}
    for reference, text in cells.items():
        number = int(reference.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        rows.setdefault(number, []).append(
            f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'
        )
    body = "".join(
        f'<row r="{number}">{"".join(cells)}</row>'
        for number, cells in sorted(rows.items())
    )
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relations = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension='
            '"xml" ContentType="application/xml"/><Override PartName="/xl/'
            'workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
            '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{package}">'
            f'<Relationship Id="rId1" Type="{relations}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" '
            f'xmlns:r="{relations}"><sheets><sheet name="{sheet}" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{package}">'
            f'<Relationship Id="rId1" Type="{relations}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}">'
            f"{declared}<sheetData>{body}</sheetData></worksheet>"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in parts.items():
            book.writestr(name, text)
    return buffer.getvalue()


def with_sheet_xml(data: bytes, xml: bytes) -> bytes:
    """The workbook ``data`` (from :func:`sparse_workbook`) with its sheet's XML
    replaced by ``xml``."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(buffer, "w") as target,
    ):
        for member in source.infolist():
            body = source.read(member.filename)
            if member.filename == "xl/worksheets/sheet1.xml":
                body = xml
            target.writestr(member, body)
    return buffer.getvalue()
