"""How far each worksheet of a workbook really reaches, read before any library does.

A library reading a sheet builds one dense range from its first to its last cell:
two cells at ``A1`` and ``XFD1048576`` in a 1.5 KB file make it allocate 17 billion
cells, and the allocation kills the process. So before the workbook is opened, the
XML of every worksheet is streamed (lxml ``iterparse`` over the zip member: no DTD
loaded, no entity expanded, nothing fetched), keeping only the first and last row
and column of the cells actually present. The ``<dimension ref>`` a sheet declares
is not trusted: a sheet can claim ``A1:B2`` and hold a cell at ``XFD1048576``.

A sheet whose cells span more than :data:`MAX_SPANNED_CELLS` (rows × columns, what
the range would hold) is refused. The statutory returns are a few dozen columns by
at most some tens of thousands of rows, so the limit leaves room for any real
workbook while keeping the range a reader builds to a few hundred MiB.
"""

from __future__ import annotations

import functools
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from typing import IO

from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from cld.engine.conform.messages import clipped
from cld.engine.errors import UnreadableFileError

MAX_SPANNED_CELLS = 5_000_000
"""The most cells one sheet's used range may span (rows × columns): 100,000 rows of
50 columns, or 1,000,000 rows of 5."""
_WORKBOOK = "xl/workbook.xml"
_WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
_NAME_CHARS = 64
_REFERENCE = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")
_SAFE = {
    "resolve_entities": False,
    "load_dtd": False,
    "no_network": True,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}


@dataclass(frozen=True)
class Extent:
    """The cells present in a sheet: rows and columns counted from 1."""

    first_row: int
    first_column: int
    last_row: int
    last_column: int

    @property
    def cells(self) -> int:
        rows = self.last_row - self.first_row + 1
        return rows * (self.last_column - self.first_column + 1)

    @property
    def reference(self) -> str:
        first = f"{column_letters(self.first_column)}{self.first_row}"
        return f"{first}:{column_letters(self.last_column)}{self.last_row}"


def column_letters(number: int) -> str:
    """``1`` → ``A``, ``16384`` → ``XFD``."""
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


@functools.cache  # at most 18,278 column names
def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _local(tag: object) -> str:
    text = str(tag)
    return text.rsplit("}", 1)[-1]


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Zip member of each worksheet, by the sheet's name as the workbook gives it;
    every ``xl/worksheets/*.xml`` the workbook does not name is added under its
    member name, so no worksheet escapes the check."""
    members = {info.filename for info in archive.infolist()}
    targets: dict[str, str] = {}
    if _WORKBOOK_RELS in members:
        for element in _elements(archive, _WORKBOOK_RELS, "Relationship"):
            target = element.get("Target") or ""
            if target.startswith("/"):
                path = target.lstrip("/")
            else:
                path = posixpath.normpath(posixpath.join("xl", target))
            targets[element.get("Id") or ""] = path
    parts: dict[str, str] = {}
    for element in _elements(archive, _WORKBOOK, "sheet"):
        identifier = next(
            (v for k, v in element.attrib.items() if _local(k) == "id"), ""
        )
        path = targets.get(identifier)
        if path in members:
            parts[element.get("name") or path] = path
    named = set(parts.values())
    for member in sorted(members):
        if (
            member.startswith("xl/worksheets/")
            and member.endswith(".xml")
            and member not in named
        ):
            parts[member] = member
    return parts


def _elements(
    archive: zipfile.ZipFile, member: str, local_name: str
) -> list[etree._Element]:
    """Every ``local_name`` element of a small part (the workbook, its relations)."""
    found = []
    with archive.open(member) as stream:
        for _, element in etree.iterparse(
            stream, events=("end",), tag=f"{{*}}{local_name}", **_SAFE
        ):
            _refuse_dtd(element)
            found.append(element)
    return found


def _refuse_dtd(element: etree._Element) -> None:
    """Refuse a part that declares a DTD: Excel never writes one."""
    info = element.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise UnreadableFileError(
            "this is not an Excel workbook (.xlsx): a part of it declares a document "
            "type (DTD), which Excel never writes and which can expand entities"
        )


def sheet_extent(stream: IO[bytes]) -> Extent | None:
    """The extent of the cells present in the worksheet XML ``stream``; None when it
    has none. Cells and rows without a reference follow the one before, as Excel
    reads them. Memory stays flat: each row is dropped when the next one starts."""
    first_row = first_column = 2**62
    last_row = last_column = 0
    row = column = 0
    previous: etree._Element | None = None
    for _, element in etree.iterparse(
        stream, events=("start",), tag=("{*}row", "{*}c"), **_SAFE
    ):
        if previous is None and last_row == 0:
            _refuse_dtd(element)
        if element.tag[-1] == "w":  # a <row> (only <row> and <c> get here)
            if previous is not None:
                _drop(previous)
            previous = element
            given = element.get("r") or ""
            row = int(given) if given.isdigit() else row + 1
            column = 0
            continue
        found = _REFERENCE.match(element.get("r") or "")
        if found is None:
            column += 1
        else:
            row, column = int(found.group(2)), _column_number(found.group(1))
        if row < first_row:
            first_row = row
        if row > last_row:
            last_row = row
        if column < first_column:
            first_column = column
        if column > last_column:
            last_column = column
    if last_row == 0:
        return None
    return Extent(first_row, first_column, last_row, last_column)


def _drop(element: etree._Element) -> None:
    """Free ``element`` and everything before it under the same parent."""
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def check_sheet_extents(data: bytes, *, max_cells: int = MAX_SPANNED_CELLS) -> None:
    """Refuse the workbook ``data`` if a worksheet's cells span more than
    ``max_cells``; nothing is built but the first and last cell of each sheet."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name, member in _sheet_parts(archive).items():
                name = clipped(name, _NAME_CHARS)
                with archive.open(member) as stream:
                    extent = _extent_of(stream, name)
                if extent is not None and extent.cells > max_cells:
                    raise UnreadableFileError(_too_wide(name, extent, max_cells))
    except etree.XMLSyntaxError as exc:
        raise UnreadableFileError(
            "this is not an Excel workbook (.xlsx): its list of sheets is not "
            f"well-formed XML{_at_line(exc)}"
        ) from None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UnreadableFileError(
            f"this is not an Excel workbook (.xlsx): a part could not be unpacked "
            f"({type(exc).__name__})"
        ) from exc


def _extent_of(stream: IO[bytes], name: str) -> Extent | None:
    try:
        return sheet_extent(stream)
    except etree.XMLSyntaxError as exc:
        raise UnreadableFileError(
            f"sheet '{name}' of the workbook could not be read: its XML is "
            f"malformed{_at_line(exc)}"
        ) from None


def _at_line(error: etree.XMLSyntaxError) -> str:
    """`` at line N`` where libxml2 knows the line. Its message is left out: it
    can quote the text of the cells (personal data)."""
    line = error.lineno
    return f" at line {line}" if isinstance(line, int) and line > 0 else ""


def _too_wide(name: str, extent: Extent, max_cells: int) -> str:
    return (
        f"the sheet '{name}' spans {extent.reference} ({_count(extent.cells)}), "
        f"more than the {max_cells:,} cells a sheet may span; delete the stray "
        "cells far from the table (Ctrl+End shows the last one) and save it again"
    )


def _count(cells: int) -> str:
    if cells >= 10**9:
        return f"{cells / 10**9:,.0f} billion cells"
    if cells >= 10**6:
        return f"{cells / 10**6:,.0f} million cells"
    return f"{cells:,} cells"
