"""Read an Excel workbook (.xlsx) from bytes, trusting nothing about it.

An .xlsx file is a zip archive. Before anything is decompressed, its central
directory is checked: a file that is not a zip, an old binary .xls, a zip bomb
(members that would decompress to far more than the file's size) or a zip that is
not a workbook is refused with a one-line reason.

Every cell is read as a string, as the CSV reader does: dates and date-times as ISO
``yyyy-mm-dd``, whole numbers without a decimal part (Excel stores every number as a
float), other numbers as Python writes them. Real workbooks put titles above the
header row and name their sheets freely, so :func:`find_header` looks for the header
row and :func:`read_workbook_tables` matches sheets to a dataset's tables by name,
then by header row. Row numbers stay those of the Excel sheet.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, repeat

import polars as pl
import python_calamine as calamine

from cld.engine.conform.headers import match_headers, normalise
from cld.engine.conform.messages import clipped
from cld.engine.errors import UnreadableFileError
from cld.engine.issues import Issue, IssueCode, issues_frame
from cld.engine.readers.sheet_extent import MAX_SPANNED_CELLS, check_sheet_extents
from cld.engine.readers.table import ROW, RawTable
from cld.engine.spec.model import ColumnSpec, DatasetSpec, TableSpec

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""First bytes of an OLE compound file: an old .xls, or an encrypted workbook."""
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_WORKBOOK_PART = "xl/workbook.xml"
_RATIO_FROM_BYTES = 2**20
"""Members smaller than this are not held to the compression ratio: a small part
that compresses very well (an empty style sheet) cannot hurt."""
MAX_CELLS = MAX_SPANNED_CELLS
"""The most cells one sheet's used range may span (rows × columns); checked from
the sheet's XML before calamine builds the range (:mod:`.sheet_extent`)."""
HEADER_SEARCH_ROWS = 30
_MIN_HEADER_MATCHES = 2
_ENCODING = "utf-8"
"""What a RawTable read from a workbook reports as its encoding (the XML inside)."""

# Kind of each cell value, as calamine returns it.
_TEXT, _NUMBER, _BOOL, _DATE, _DATETIME, _OTHER = range(6)
_KIND_OF: dict[type, int] = {
    str: _TEXT,
    float: _NUMBER,
    int: _NUMBER,
    bool: _BOOL,
    dt.date: _DATE,
    dt.datetime: _DATETIME,
}
_EXACT_INTEGERS = 2.0**53
_NAME_CHARS = 64
"""The most characters of a sheet's name a message repeats (Excel allows 31)."""
_QUOTED = re.compile(r'"[^"]*"?')


@dataclass(frozen=True)
class Sheet:
    """One worksheet: every cell as a string (null when empty).

    ``frame`` has columns ``c0``, ``c1``… and :data:`ROW`, the Excel row number.
    """

    name: str
    frame: pl.DataFrame
    hidden: bool = False

    @property
    def is_empty(self) -> bool:
        return self.frame.height == 0


def _refuse(reason: str) -> UnreadableFileError:
    return UnreadableFileError(f"this is not an Excel workbook (.xlsx): {reason}")


def check_workbook(
    data: bytes,
    *,
    max_uncompressed_bytes: int = 256 * 2**20,
    max_ratio: int = 200,
) -> None:
    """Refuse ``data`` unless it looks like a safe .xlsx, decompressing nothing.

    Only the zip's central directory is read: the declared size of every member,
    compressed and not. A workbook whose members add up to more than
    ``max_uncompressed_bytes``, or with a member (of 1 MiB or more) that would grow
    more than ``max_ratio`` times, is refused as a likely zip bomb.
    """
    if data.startswith(OLE_MAGIC):
        if _ENCRYPTED in data:
            raise UnreadableFileError(
                "this workbook is protected with a password; remove the password, "
                "save it as .xlsx and upload it again"
            )
        raise UnreadableFileError("this is an old .xls workbook; save it as .xlsx")
    if not data:
        raise UnreadableFileError("the file is empty")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise _refuse(f"it is not a readable zip archive ({exc})") from exc
    except (OSError, ValueError, EOFError) as exc:
        raise _refuse(f"its zip directory is damaged ({exc})") from exc
    total = sum(member.file_size for member in members)
    if total > max_uncompressed_bytes:
        raise UnreadableFileError(
            f"the workbook would unpack to {total / 2**20:,.0f} MiB, more than the "
            f"{max_uncompressed_bytes / 2**20:,.0f} MiB allowed; it was not opened "
            "(a likely zip bomb, or a workbook far larger than any return)"
        )
    for member in members:
        if member.file_size < _RATIO_FROM_BYTES:
            continue
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > max_ratio:
            raise UnreadableFileError(
                f"part '{member.filename}' of the workbook would grow {ratio:,.0f} "
                f"times when unpacked (at most {max_ratio} is allowed); it was not "
                "opened (a likely zip bomb)"
            )
    names = {member.filename.casefold() for member in members}
    if _WORKBOOK_PART not in names:
        raise _refuse(f"the zip archive has no {_WORKBOOK_PART}")


def _cells_frame(rows: Sequence[Sequence[object]], first_row: int) -> pl.DataFrame:
    """``rows`` of cell values (as calamine returns them) as a frame of strings.

    Column-wise over every cell at once: the kind of each cell is found with
    ``map`` (no Python loop), and each kind is turned into text by Polars.
    """
    width = max(map(len, rows), default=0)
    height = len(rows)
    if width == 0 or height == 0:
        return pl.DataFrame(schema={ROW: pl.Int64})
    if any(len(row) != width for row in rows):  # calamine's rows are rectangular
        rows = [list(row) + [""] * (width - len(row)) for row in rows]
    cells = list(chain.from_iterable(rows))
    kinds = pl.Series(
        "kind", list(map(_KIND_OF.get, map(type, cells), repeat(_OTHER))), pl.Int8
    )
    columns = [kinds, pl.Series("text", cells, dtype=pl.String, strict=False)]
    if (kinds == _NUMBER).any():
        columns.append(pl.Series("number", cells, dtype=pl.Float64, strict=False))
    else:
        columns.append(pl.Series("number", [None] * len(cells), dtype=pl.Float64))
    del cells
    kind, raw, number = pl.col("kind"), pl.col("text"), pl.col("number")
    whole = (number == number.floor()) & (number.abs() < _EXACT_INTEGERS)
    value = (
        pl.when((kind == _NUMBER) & whole)
        .then(number.cast(pl.Int64, strict=False).cast(pl.String))
        .when(kind == _BOOL)
        .then(raw.str.to_uppercase())
        .when(kind == _DATETIME)
        .then(raw.str.slice(0, 10))
        .otherwise(raw)
    )
    value = pl.when(value.str.strip_chars().str.len_bytes() > 0).then(value)
    flat = pl.DataFrame(columns).select(value.alias("value")).to_series()
    frame = pl.DataFrame(
        [
            flat.gather_every(width, offset=i).alias(RawTable.position_name(i))
            for i in range(width)
        ]
    )
    return (
        _trimmed(frame)
        .with_row_index(ROW, offset=first_row)
        .with_columns(pl.col(ROW).cast(pl.Int64))
    )


def _trimmed(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` without its trailing empty rows and columns."""
    used = frame.select(pl.all().is_not_null().any()).row(0)
    last_column = max((i for i, any_value in enumerate(used) if any_value), default=-1)
    frame = frame.select(frame.columns[: last_column + 1])
    if not frame.width:
        return pl.DataFrame()
    filled = frame.select(pl.any_horizontal(pl.all().is_not_null())).to_series()
    positions = filled.arg_true()
    return frame.head(int(positions[-1]) + 1 if len(positions) else 0)


def _reason(error: calamine.CalamineError) -> str:
    """calamine's description of ``error`` without the content it may quote: its
    detail after a colon, or a quoted value, can be a cell's text (personal data)."""
    kind = str(error).split(":", 1)[0]
    return _QUOTED.sub("…", kind).strip()[:100] or type(error).__name__


def _open(data: bytes) -> calamine.CalamineWorkbook:
    try:
        return calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except calamine.CalamineError as exc:
        raise _refuse(f"it could not be opened ({_reason(exc)})") from None


def _read_sheet(
    workbook: calamine.CalamineWorkbook, meta: calamine.SheetMetadata
) -> Sheet:
    try:
        sheet = workbook.get_sheet_by_name(meta.name)
        start = sheet.start
        if start is None or sheet.end is None:
            rows: Sequence[Sequence[object]] = []
            first_row = 1
        else:
            rows = sheet.to_python(skip_empty_area=True)
            first_row = start[0] + 1
    except calamine.CalamineError as exc:
        name = clipped(meta.name, _NAME_CHARS)
        raise UnreadableFileError(
            f"sheet '{name}' of the workbook could not be read ({_reason(exc)})"
        ) from None
    return Sheet(
        name=meta.name,
        frame=_cells_frame(rows, first_row),
        hidden=meta.visible != calamine.SheetVisibleEnum.Visible,
    )


def read_sheets(data: bytes) -> list[Sheet]:
    """Every worksheet of the workbook ``data``, in workbook order (chart sheets
    and macro sheets are left out). The workbook is checked first, and then how
    far each sheet's cells reach, before calamine builds a range for any."""
    check_workbook(data)
    check_sheet_extents(data, max_cells=MAX_CELLS)
    with _open(data) as workbook:
        return [
            _read_sheet(workbook, meta)
            for meta in workbook.sheets_metadata
            if meta.typ == calamine.SheetTypeEnum.WorkSheet
        ]


def _cell_columns(frame: pl.DataFrame) -> list[str]:
    return [name for name in frame.columns if name != ROW]


def _header_row(
    sheet: Sheet, columns: Mapping[str, ColumnSpec], search_rows: int
) -> tuple[int, tuple[str, ...], int] | None:
    """(position, headers, columns matched) of the row among the first
    ``search_rows`` that names most of ``columns``; None if none names two."""
    best: tuple[int, tuple[str, ...], int] | None = None
    head = sheet.frame.head(search_rows).select(_cell_columns(sheet.frame))
    for position, row in enumerate(head.iter_rows()):
        if sum(value is not None for value in row) < _MIN_HEADER_MATCHES:
            continue
        headers = tuple(
            "" if value is None else " ".join(value.split()) for value in row
        )
        matched = len(match_headers(headers, columns).found)
        if matched >= _MIN_HEADER_MATCHES and (best is None or matched > best[2]):
            best = (position, headers, matched)
    return best


def find_header(
    sheet: Sheet,
    columns: Mapping[str, ColumnSpec],
    search_rows: int = HEADER_SEARCH_ROWS,
) -> RawTable | None:
    """The table under the header row of ``sheet`` that best names ``columns``.

    The header row is the one, among the first ``search_rows``, whose cells name
    most columns (the first such row on a tie); it must name at least two. The
    table is every row below it, each keeping its Excel row number.
    """
    found = _header_row(sheet, columns, search_rows)
    if found is None:
        return None
    position, headers, _ = found
    return RawTable(
        headers=headers, frame=sheet.frame.slice(position + 1), encoding=_ENCODING
    )


def _sheet_table(name: str, spec: DatasetSpec) -> TableSpec | None:
    """The table whose sheet-name patterns ``name`` matches, if any."""
    wanted = normalise(name)
    for table in spec.tables.values():
        for pattern in table.sheets:
            if re.fullmatch(pattern, wanted, flags=re.IGNORECASE):
                return table
    return None


def _by_header(
    sheet: Sheet, tables: list[TableSpec]
) -> tuple[TableSpec, RawTable] | None:
    """The one table of ``tables`` whose columns the sheet's header row names
    best, when one is clearly best."""
    scored = []
    for table in tables:
        found = _header_row(sheet, table.columns, HEADER_SEARCH_ROWS)
        if found is not None:
            scored.append((found[2], table, found))
    if not scored:
        return None
    scored.sort(key=lambda item: item[0], reverse=True)
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        return None
    _, table, (position, headers, _) = scored[0]
    raw = RawTable(
        headers=headers, frame=sheet.frame.slice(position + 1), encoding=_ENCODING
    )
    return table, raw


def read_workbook_tables(
    data: bytes, spec: DatasetSpec
) -> tuple[dict[str, RawTable], pl.DataFrame]:
    """The tables of ``spec`` found in the workbook ``data``, and the issues of its
    sheets (see :func:`workbook_tables`)."""
    return workbook_tables(read_sheets(data), spec)


def workbook_tables(
    sheets: Sequence[Sheet], spec: DatasetSpec
) -> tuple[dict[str, RawTable], pl.DataFrame]:
    """The tables of ``spec`` found in ``sheets``, and the issues of the sheets:
    ``unknown_sheet`` for a visible sheet that holds none of the tables,
    ``missing_table`` for a table no sheet holds.

    A sheet is matched by its name first (``TableSpec.sheets``), then by its header
    row; the first sheet found for a table wins. Read the sheets once with
    :func:`read_sheets` to try them against several datasets.
    """
    found: dict[str, RawTable] = {}
    headerless: dict[str, str] = {}
    left: list[Sheet] = []
    for sheet in sheets:
        table = _sheet_table(sheet.name, spec)
        if table is None or table.name in found:
            left.append(sheet)
            continue
        raw = find_header(sheet, table.columns)
        if raw is None:
            headerless.setdefault(table.name, sheet.name)
            if not sheet.is_empty:
                left.append(sheet)
            continue
        found[table.name] = raw
    issues: list[Issue] = []
    expected = ", ".join(table.title for table in spec.tables.values())
    for sheet in left:
        if sheet.is_empty:
            continue
        remaining = [t for t in spec.tables.values() if t.name not in found]
        matched = _by_header(sheet, remaining)
        if matched is not None:
            table, raw = matched
            found[table.name] = raw
            continue
        if sheet.hidden or sheet.name in headerless.values():
            continue
        code = IssueCode.UNKNOWN_SHEET
        message = code.message(
            sheet=clipped(sheet.name, _NAME_CHARS),
            dataset=spec.title,
            expected=expected,
        )
        issues.append(Issue(None, None, None, code, message))
    for name, table in spec.tables.items():
        if name in found:
            continue
        if name in headerless:
            sheet_name = clipped(headerless[name], _NAME_CHARS)
            hint = (
                f"sheet '{sheet_name}' has no header row naming its columns "
                f"(looked in its first {HEADER_SEARCH_ROWS} rows)"
            )
        else:
            hint = f"add a sheet named like '{table.title}' with its header row"
        code = IssueCode.MISSING_TABLE
        message = code.message(table=name, title=table.title, hint=hint)
        issues.append(Issue(name, None, None, code, message))
    ordered = {name: found[name] for name in spec.tables if name in found}
    return ordered, issues_frame(issues)
