"""The CSV reader: encodings, separators, row numbers, and files that are not CSV."""

from __future__ import annotations

import codecs

import pytest
from builders import csv_bytes

from cld.engine.errors import UnreadableFileError
from cld.engine.readers.csv import check_line_lengths, read_csv
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


HEADER = b"CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"


def test_a_huge_header_line_is_refused_naming_it():
    data = b"CHILD," + b"x" * (3 * 2**20) + b"\n1,2\n"  # 3 MiB in one header cell
    with pytest.raises(UnreadableFileError) as refused:
        read_csv(data)
    message = str(refused.value)
    assert message.startswith("line 1 (the header row) of the file is longer than")
    assert "1 MiB" in message and "xxx" not in message


def test_a_huge_data_line_is_refused_naming_its_line():
    big = b"2,1," + b"9" * (2 * 2**20) + b"\n"
    data = HEADER + b"1,1,01/01/2010,WBRI,A123456789012,,\n" + big + b"3,1\n"
    with pytest.raises(UnreadableFileError, match="^line 3 of the file is longer"):
        read_csv(data)


@pytest.mark.parametrize(
    ("body", "refused_line"),
    [
        (b"12345\n12345\n12345", None),  # every line exactly at the limit
        (b"12345\n123456\n1", 2),
        (b"1\n\n123456", 3),
        (b"123456", 1),
    ],
)
def test_line_lengths_are_checked_exactly(body, refused_line):
    if refused_line is None:
        check_line_lengths(body, limit=5)
        return
    with pytest.raises(UnreadableFileError, match=f"^line {refused_line} "):
        check_line_lengths(body, limit=5)


def test_an_unterminated_quote_is_refused_by_line_without_quoting_it():
    data = (
        HEADER
        + b"1,1,01/01/2010,WBRI,A123456789012,,\n"
        + b'2,1,"14/07/2011,WBRI,B987654321098,,\n'
        + b"3,1,01/01/2010,WBRI,A123456789013,,\n"
    )
    with pytest.raises(UnreadableFileError) as refused:
        read_csv(data)
    message = str(refused.value)
    assert "line 3" in message and "never closed" in message
    assert "14/07/2011" not in message and "B987654321098" not in message
    assert refused.value.__cause__ is None  # Polars' message, quoting the line, too


def test_a_quoted_value_over_several_lines_is_read():
    table = read_csv(b'A,B\n1,"two\nlines"\n2,"x"\n')
    assert table.frame["c1"].to_list() == ["two\nlines", "x"]


def test_a_huge_line_in_utf_16_is_refused_after_decoding():
    text = "CHILD,SEX\n1," + "x" * (2**20 + 1) + "\n"
    with pytest.raises(UnreadableFileError, match="^line 2 of the file is longer"):
        read_csv(text.encode("utf-16"))
