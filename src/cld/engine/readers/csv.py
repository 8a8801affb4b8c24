"""Read a CSV upload from bytes, trusting nothing about it.

Councils' systems write UTF-8 (with or without a byte-order mark), Windows-1252 from
Excel, and now and then UTF-16 "Unicode text"; separators are commas, sometimes
semicolons or tabs. Every cell is read as a string; types are the conformer's job.
"""

from __future__ import annotations

import codecs
import io

import polars as pl

from cld.engine.errors import UnreadableFileError
from cld.engine.readers.table import ROW, RawTable

_SNIFF_BYTES = 8192
_SEPARATORS = (",", ";", "\t", "|")


def decode(data: bytes) -> tuple[bytes, str]:
    """``data`` as UTF-8 without a byte-order mark, and the encoding it was in."""
    if data.startswith(codecs.BOM_UTF8):
        body, encoding = data[len(codecs.BOM_UTF8) :], "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16").encode("utf-8"), "utf-16"
        except UnicodeDecodeError as exc:
            raise UnreadableFileError(
                f"the file starts as UTF-16 but byte {exc.start} is not UTF-16"
            ) from exc
    else:
        body, encoding = data, "utf-8"
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        # Excel on Windows: cp1252 leaves five bytes undefined; latin-1 takes them.
        try:
            return body.decode("cp1252").encode("utf-8"), "windows-1252"
        except UnicodeDecodeError:
            return body.decode("latin-1").encode("utf-8"), "latin-1"
    return body, encoding


def _check_is_text(data: bytes) -> None:
    head = data[:_SNIFF_BYTES]
    if b"\x00" in head:
        raise UnreadableFileError("this is not a text (CSV) file: it holds binary data")
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    if controls > len(head) // 100 + 1:
        raise UnreadableFileError("this is not a text (CSV) file: it holds binary data")


def _separator(first_line: str) -> str:
    counts = {sep: first_line.count(sep) for sep in _SEPARATORS}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > 0 else ","


def read_csv(data: bytes) -> RawTable:
    """Every cell of a CSV as a string, with the spreadsheet row of each row."""
    if not data or data.isspace():
        raise UnreadableFileError("the file is empty")
    body, encoding = decode(data)
    _check_is_text(body)
    first_line = body[: body.find(b"\n") if b"\n" in body else len(body)]
    separator = _separator(first_line.decode("utf-8", errors="replace"))
    try:
        frame = pl.read_csv(
            io.BytesIO(body),
            has_header=False,
            infer_schema=False,
            separator=separator,
            truncate_ragged_lines=True,
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        message = f"the file could not be read as CSV: {reason}"
        raise UnreadableFileError(message) from exc
    if frame.height == 0:
        raise UnreadableFileError("the file is empty")
    header_row = frame.row(0)
    headers = tuple("" if h is None else str(h).strip() for h in header_row)
    names = [RawTable.position_name(i) for i in range(len(headers))]
    frame = (
        frame.slice(1)
        .rename(dict(zip(frame.columns, names, strict=True)))
        .with_row_index(ROW, offset=2)
        .with_columns(pl.col(ROW).cast(pl.Int64))
    )
    return RawTable(headers=headers, frame=frame, encoding=encoding)
