"""The CSV reader: encodings, separators, row numbers, and files that are not CSV."""

from __future__ import annotations

import codecs

import pytest
from builders import csv_bytes

from cld.engine.errors import UnreadableFileError
from cld.engine.readers.csv import read_csv
from cld.engine.readers.table import ROW

TEXT = """
CHILD,NAME
1,Zoë
2,Siân
"""


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (csv_bytes(TEXT), "utf-8"),
        (codecs.BOM_UTF8 + csv_bytes(TEXT), "utf-8-sig"),
        (csv_bytes(TEXT, "cp1252"), "windows-1252"),
        (csv_bytes(TEXT, "utf-16"), "utf-16"),
    ],
)
def test_encodings_councils_use(data, encoding):
    table = read_csv(data)
    assert table.encoding == encoding
    assert table.headers == ("CHILD", "NAME")
    assert table.frame["c1"].to_list() == ["Zoë", "Siân"]


def test_bytes_undefined_in_windows_1252_fall_back_to_latin_1():
    table = read_csv(b"A\n\x81\n")
    assert table.encoding == "latin-1"
    assert table.frame["c0"].to_list() == ["\x81"]


@pytest.mark.parametrize("separator", [";", "\t", "|"])
def test_other_separators_are_recognised(separator):
    table = read_csv(f"A{separator}B\n1{separator}2\n".encode())
    assert table.headers == ("A", "B")
    assert table.frame.select("c0", "c1").row(0) == ("1", "2")


def test_rows_are_numbered_as_in_a_spreadsheet_even_after_blank_lines():
    table = read_csv(b"A,B\n1,2\n\n3,4\n")
    assert table.frame[ROW].to_list() == [2, 3, 4]
    assert table.frame["c0"].to_list() == ["1", None, "3"]


def test_every_cell_is_a_string_and_quotes_are_respected():
    table = read_csv(b'A,B\n007,"x, y"\n')
    assert table.frame.row(0) == (2, "007", "x, y")


def test_header_only_file_has_no_rows():
    table = read_csv(b"A,B\n")
    assert table.frame.height == 0
    assert table.headers == ("A", "B")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "the file is empty"),
        (b"  \n\n", "the file is empty"),
        (b"\x00\x01\x02\x03junk", "binary data"),
        (bytes(range(1, 9)) * 20, "binary data"),
        (codecs.BOM_UTF16_LE + b"\x00\xd8", "not UTF-16"),
    ],
)
def test_files_that_are_not_csv_are_rejected_with_a_reason(data, reason):
    with pytest.raises(UnreadableFileError, match=reason):
        read_csv(data)
