"""Read a CSV upload from bytes, trusting nothing about it.

Councils' systems write UTF-8 (with or without a byte-order mark), Windows-1252 from
Excel, and now and then UTF-16 "Unicode text"; separators are commas, sometimes
semicolons or tabs. Every cell is read as a string; types are the conformer's job.

A line longer than :data:`MAX_LINE_BYTES` is refused before Polars reads anything:
no row of a return comes near it, and one huge cell would otherwise be carried
through every stage. A refusal names the line, never its text: a line of a return
holds identifiers and dates of birth.
"""

from __future__ import annotations

import codecs
import io

import polars as pl

from cld.engine.errors import UnreadableFileError
from cld.engine.readers.table import ROW, RawTable

_SNIFF_BYTES = 8192
MAX_LINE_BYTES = 2**20
"""The longest line (header or data, in bytes after decoding to UTF-8) a CSV may
have: a row of a return is a few hundred bytes."""
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
    if body.isascii():  # most returns: valid UTF-8 without decoding a copy
        return body, encoding
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


def check_line_lengths(body: bytes, limit: int = MAX_LINE_BYTES) -> None:
    """Refuse ``body`` if a line is longer than ``limit`` bytes, naming the first.

    Each step looks at the next ``limit + 1`` bytes for the last line break in
    them, so a file of short lines is crossed in a few steps per MiB."""
    start = 0
    while len(body) - start > limit:
        end = body.rfind(b"\n", start, start + limit + 1)
        if end == -1:
            line = body.count(b"\n", 0, start) + 1
            which = " (the header row)" if line == 1 else ""
            raise UnreadableFileError(
                f"line {line}{which} of the file is longer than "
                f"{limit / 2**20:g} MiB, far longer than any row of a return: is "
                "it a CSV export of the return?"
            )
        start = end + 1


def _open_quote_line(body: bytes) -> int | None:
    """The line on which a quoted value starts that is never closed, if any."""
    opened = None
    for number, line in enumerate(body.split(b"\n"), start=1):
        if line.count(b'"') % 2:
            opened = number if opened is None else None
    return opened


def _not_csv(body: bytes) -> UnreadableFileError:
    """Why Polars could not read ``body``, by line number only: its messages quote
    the line, which holds personal data."""
    line = _open_quote_line(body)
    if line is not None:
        return UnreadableFileError(
            f"the file could not be read as CSV: a quoted value starting on line "
            f'{line} is never closed (a " is missing or one too many)'
        )
    return UnreadableFileError(
        "the file could not be read as CSV: its rows could not be split into "
        "columns; check it is saved as CSV (comma-separated values)"
    )


def read_csv(data: bytes) -> RawTable:
    """Every cell of a CSV as a string, with the spreadsheet row of each row."""
    if not data or data.isspace():
        raise UnreadableFileError("the file is empty")
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        check_line_lengths(data)  # before decoding copies a file of one huge line
    body, encoding = decode(data)
    _check_is_text(body)
    if body is not data:  # decoding can make a line longer
        check_line_lengths(body)
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
    except pl.exceptions.PolarsError:
        raise _not_csv(body) from None
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
    # Left in the chunks Polars read it in: the conformer reads it a slice at a
    # time and makes each slice's conformed columns one chunk. Rechunking here
    # copied every cell of the file (1.3M episode rows: 0.1 s, peak 845 -> 632 MiB).
    return RawTable(headers=headers, frame=frame, encoding=encoding)
