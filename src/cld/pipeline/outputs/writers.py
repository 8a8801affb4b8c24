"""Writing outputs so the same content always gives the same bytes, and no cell a
spreadsheet would run as a formula.

Parquet and CSV from Polars are deterministic; a workbook is written by openpyxl
with fixed document dates and then re-zipped with fixed entry times, so rebuilding
unchanged outputs leaves every file byte for byte as it was.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from cld.engine.disclosure import neutralise_formulae, neutralise_text
from cld.pipeline.atomic import write_atomically

FIXED_TIME = dt.datetime(2000, 1, 1, 0, 0, 0)
"""Stamped as the workbook's creation time and on every zip entry."""
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def write_parquet(frame: pl.DataFrame, target: Path) -> Path:
    return write_atomically(
        target, lambda path: frame.write_parquet(path, compression="zstd")
    )


def write_csv(frame: pl.DataFrame, target: Path) -> Path:
    safe = neutralise_formulae(frame)
    return write_atomically(target, lambda path: safe.write_csv(path))


def _cell(value: object) -> object:
    if isinstance(value, str):
        if _NUMBER.match(value):
            return float(value) if "." in value else int(value)
        return neutralise_text(value)
    return value


def _sheet_title(name: str, taken: set[str]) -> str:
    base = _SHEET_UNSAFE.sub(" ", name)[:31] or "table"
    title, n = base, 2
    while title.casefold() in taken:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title.casefold())
    return title


def write_workbook(
    tables: Mapping[str, pl.DataFrame], notes: Sequence[str], target: Path
) -> Path:
    """A workbook with a Notes sheet, then one sheet per table (header row frozen,
    filters on); numbers written as numbers, symbols such as ``[c]`` as text."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Notes")
    for line in notes:
        sheet.append([neutralise_text(line)])
    taken = {"notes"}
    for name, frame in tables.items():
        page = book.create_sheet(_sheet_title(name, taken))
        page.freeze_panes = "A2"
        if frame.height:
            last = get_column_letter(max(frame.width, 1))
            page.auto_filter.ref = f"A1:{last}{frame.height + 1}"
        page.append([neutralise_text(c) for c in frame.columns])
        for row in frame.iter_rows():
            page.append([_cell(v) for v in row])
    book.properties.created = FIXED_TIME
    book.properties.modified = FIXED_TIME
    book.properties.creator = "Child Level Data platform"

    def write(path: Path) -> None:
        book.save(path)
        _fix_zip_times(path)

    return write_atomically(target, write)


def _fix_zip_times(path: Path) -> None:
    """Re-zip ``path`` with every entry stamped :data:`FIXED_TIME` (openpyxl stamps
    the save time as the document's modified date; that is fixed too)."""
    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    entries = [
        (name, _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", data))
        if name == "docProps/core.xml"
        else (name, data)
        for name, data in entries
    ]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, data)
