"""Write the lists into one workbook as an authority's report would, byte for byte
the same for the same lists and style.

openpyxl stamps the workbook's properties (``modified`` whatever it was set to) and
every zip member with the time of writing; both are set to a fixed moment after
saving, so the bytes depend on the content only.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Mapping

import polars as pl
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from cld.engine.spec.model import (
    CategoryColumn,
    DateColumn,
    IntegerColumn,
    PersonalData,
    TableSpec,
)
from cld.synthetic.annex_a.style import HEADER_VARIANTS, Style
from cld.synthetic.seeds import stable_number

FIXED_TIME = dt.datetime(2024, 1, 1, 9, 0, 0)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_WHOLE = re.compile(r"^-?\d+$")
_DATE_FORMAT = "dd/mm/yyyy"
_CORE = "docProps/core.xml"
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _cells(
    frame: pl.DataFrame, table: TableSpec, style: Style, year: int
) -> list[list[object]]:
    """Each column of ``frame`` as the objects written in its cells: dates as dates
    (where the style writes date cells), whole numbers as numbers, the rest as text;
    a value that is not what its column holds (a planted fault) stays text."""
    columns: list[list[object]] = []
    for name, spec in table.columns.items():
        text = frame[name]
        values: list[object] = text.to_list()
        if isinstance(spec, DateColumn) and style.date_as_cell(name):
            parsed = text.str.to_date("%d/%m/%Y", strict=False)
            if style.dates == "datetime":
                as_cells = parsed.cast(pl.Datetime("us")).to_list()
            else:
                as_cells = parsed.to_list()
            values = [
                cell if cell is not None else value
                for cell, value in zip(as_cells, values, strict=True)
            ]
        elif isinstance(spec, IntegerColumn) or (
            spec.personal == PersonalData.IDENTIFIER
            and style.numeric_ids
            and not isinstance(spec, CategoryColumn)
        ):
            whole = text.str.contains(_WHOLE.pattern).fill_null(False)
            numbers = pl.select(
                pl.when(whole).then(text.cast(pl.Int64, strict=False))
            ).to_series()
            values = [
                number if number is not None else value
                for number, value in zip(numbers.to_list(), values, strict=True)
            ]
        columns.append(values)
    return columns


def _header(name: str, style: Style) -> str:
    variants = HEADER_VARIANTS.get(name)
    if not style.other_headers or not variants:
        return name
    return variants[stable_number(f"header:{style.file_name}:{name}") % len(variants)]


def _write_list(
    workbook: Workbook,
    title: str,
    frame: pl.DataFrame,
    table: TableSpec,
    style: Style,
    year: int,
) -> None:
    sheet = workbook.create_sheet(style.sheet(table.name))
    first = style.first_column
    width = len(table.columns)
    if style.header_row > 1:
        sheet.cell(row=1, column=1, value=title)
        last = get_column_letter(first + width - 1)
        sheet.merge_cells(f"A1:{last}1")
    if style.header_row > 3:
        sheet.cell(row=2, column=1, value=f"Data as at 31/03/{year}")
    for offset, name in enumerate(table.columns):
        sheet.cell(
            row=style.header_row, column=first + offset, value=_header(name, style)
        )
    columns = _cells(frame, table, style, year)
    for index, row in enumerate(zip(*columns, strict=True)):
        excel_row = style.header_row + 1 + index
        for offset, value in enumerate(row):
            if value is None:
                continue
            cell = sheet.cell(row=excel_row, column=first + offset, value=value)
            if isinstance(value, dt.date):
                cell.number_format = _DATE_FORMAT


def _lookups(workbook: Workbook, tables: Mapping[str, TableSpec]) -> None:
    """A hidden sheet of the drop-down values, as the Ofsted template has."""
    sheet = workbook.create_sheet("Lookups")
    sheet.sheet_state = "hidden"
    seen: dict[str, CategoryColumn] = {}
    for table in tables.values():
        for name, spec in table.columns.items():
            if isinstance(spec, CategoryColumn) and name not in seen:
                seen[name] = spec
    for column, (name, spec) in enumerate(seen.items(), start=1):
        sheet.cell(row=1, column=column, value=name)
        for row, code in enumerate(spec.codes, start=2):
            sheet.cell(row=row, column=column, value=code)


def _fixed_zip(data: bytes) -> bytes:
    """``data`` (a zip) with every member dated the same fixed moment."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = member.external_attr
            body = source.read(member.filename)
            if member.filename == _CORE:
                stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                body = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", body)
            target.writestr(info, body)
    return out.getvalue()


def workbook_bytes(
    lists: Mapping[str, pl.DataFrame],
    tables: Mapping[str, TableSpec],
    style: Style,
    la_name: str,
    year: int,
) -> bytes:
    """The workbook of ``lists`` (text frames, one per table) in ``style``."""
    workbook = Workbook()
    default = workbook.active
    if default is not None:
        workbook.remove(default)
    for name, frame in lists.items():
        table = tables[name]
        title = f"{la_name}: Annex A {table.title} ({year - 1}-{year % 100:02d})"
        _write_list(workbook, title, frame, table, style, year)
    if style.lookups_sheet:
        _lookups(workbook, tables)
    workbook.properties.creator = la_name
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _fixed_zip(buffer.getvalue())
