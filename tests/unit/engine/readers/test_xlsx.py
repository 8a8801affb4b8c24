"""The workbook reader: hostile files refused before anything is unpacked, cells as
strings, header rows found under titles, sheets matched to tables."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile

import polars as pl
import pytest
import python_calamine
from xlsx_builders import sparse_workbook, with_sheet_xml, workbook

from cld.engine.conform.table import conform_table
from cld.engine.errors import UnreadableFileError
from cld.engine.readers import xlsx
from cld.engine.readers.table import ROW
from cld.engine.readers.xlsx import (
    check_workbook,
    find_header,
    read_sheets,
    read_workbook_tables,
)
from cld.engine.spec.load import load_spec

SPEC = load_spec("annex_a", 2024)
CONTACTS = SPEC.tables["list_1"]
HEADERS = [
    "Child Unique ID",
    "Gender",
    "Ethnicity",
    "Date of Birth",
    "Age of Child (Years)",
    "Date of Contact",
    "Contact Source",
]
ROW_1 = ["C1", "a) Male", "a) White", "01/02/2015", 9, "03/02/2024", "g) Police"]


def one_sheet(rows, *, name="Sheet", above=0) -> xlsx.Sheet:
    [sheet] = read_sheets(workbook({name: rows}, titles={name: above}))
    return sheet


def cells(sheet: xlsx.Sheet) -> list[tuple[object, ...]]:
    return sheet.frame.drop(ROW).rows()


# --- hostile files, refused from the zip directory alone ---------------------


def test_not_a_zip_is_not_a_workbook():
    with pytest.raises(UnreadableFileError, match=r"not an Excel workbook \(\.xlsx\)"):
        check_workbook(b"Child Unique ID,Gender\nC1,M\n")


def test_old_xls_is_told_to_save_as_xlsx():
    data = xlsx.OLE_MAGIC + bytes(2000)
    with pytest.raises(UnreadableFileError, match=r"old \.xls workbook; save it as"):
        check_workbook(data)


def test_password_protected_workbook_is_told_so():
    data = xlsx.OLE_MAGIC + bytes(100) + "EncryptedPackage".encode("utf-16-le")
    with pytest.raises(UnreadableFileError, match="password"):
        check_workbook(data)


def test_empty_file_is_refused():
    with pytest.raises(UnreadableFileError, match="empty"):
        check_workbook(b"")


def test_zip_without_workbook_part_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    with pytest.raises(UnreadableFileError, match="no xl/workbook.xml"):
        check_workbook(buffer.getvalue())


def _zeros_zip(megabytes: int) -> bytes:
    """A zip whose one member is ``megabytes`` MiB of zeros, written in chunks."""
    buffer = io.BytesIO()
    chunk = bytes(2**20)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            for _ in range(megabytes):
                out.write(chunk)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    return _zeros_zip(300)


def test_zip_bomb_is_refused_quickly_without_unpacking(zip_bomb, monkeypatch):
    assert len(zip_bomb) < 2 * 2**20  # 300 MiB squeezed into well under 2 MiB

    def no_unpacking(*args, **kwargs):
        raise AssertionError("a member was opened")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_unpacking)
    started = time.perf_counter()
    with pytest.raises(UnreadableFileError, match="zip bomb") as refused:
        check_workbook(zip_bomb)
    assert time.perf_counter() - started < 0.5
    assert "300 MiB" in str(refused.value)


def test_read_sheets_refuses_a_zip_bomb_before_calamine_sees_it(zip_bomb, monkeypatch):
    def no_calamine(*args, **kwargs):
        raise AssertionError("calamine was given the bomb")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", no_calamine)
    with pytest.raises(UnreadableFileError, match="zip bomb"):
        read_sheets(zip_bomb)


def test_a_member_that_grows_too_much_is_refused_even_under_the_total():
    data = _zeros_zip(8)  # 8 MiB of zeros: ~1000 times its compressed size
    check_workbook(data, max_ratio=5000)
    with pytest.raises(UnreadableFileError, match="would grow .* times"):
        check_workbook(data, max_uncompressed_bytes=2**30, max_ratio=200)


def test_a_sheet_spanning_too_many_cells_is_refused(monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_CELLS", 1000)
    rows = [["a", "b"]] + [[None, None]] * 600 + [["stray", None]]
    with pytest.raises(UnreadableFileError, match="stray cells"):
        read_sheets(workbook({"Sheet": rows}))


def test_a_damaged_workbook_is_unreadable():
    data = workbook({"Sheet": [["a"]]})
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(buffer, "w") as target,
    ):
        for member in source.infolist():
            body = source.read(member.filename)
            if member.filename.startswith("xl/worksheets/"):
                body = b"<worksheet"
            target.writestr(member, body)
    with pytest.raises(UnreadableFileError, match="could not be read"):
        read_sheets(buffer.getvalue())


def test_a_refusal_from_calamine_does_not_quote_the_cells():
    sheet = (
        b'<worksheet><sheetData><row r="1"><c r="A1" t="A123456789012 01/02/2012">'
        b"<v>1</v></c></row></sheetData></worksheet>"
    )
    data = with_sheet_xml(sparse_workbook({"A1": "a"}), sheet)
    with pytest.raises(UnreadableFileError, match="could not be read") as refused:
        read_sheets(data)
    message = str(refused.value)
    assert "Unknown cell 't' attribute" in message
    assert "A123456789012" not in message and "2012" not in message


# --- cells as strings --------------------------------------------------------


def test_cells_are_strings_with_excel_row_numbers():
    sheet = one_sheet([["Name", "Count"], ["a", 12], ["b", 1.5]])
    assert sheet.frame.columns == [ROW, "c0", "c1"]
    assert sheet.frame[ROW].to_list() == [1, 2, 3]
    assert all(sheet.frame[c].dtype == pl.String for c in ("c0", "c1"))
    assert cells(sheet) == [("Name", "Count"), ("a", "12"), ("b", "1.5")]


def test_numbers_are_written_as_excel_shows_them():
    sheet = one_sheet([[12.0, -3, 0.25, 1234567.0, 2.5e-7, True, False]])
    assert cells(sheet) == [("12", "-3", "0.25", "1234567", "2.5e-7", "TRUE", "FALSE")]


def test_dates_and_datetimes_are_iso_dates_and_text_dates_stay_text():
    sheet = one_sheet(
        [[dt.date(2024, 1, 2), dt.datetime(2023, 12, 31, 14, 30), "02/01/2024"]]
    )
    assert cells(sheet) == [("2024-01-02", "2023-12-31", "02/01/2024")]


def test_blank_and_space_only_cells_are_null_and_trailing_blank_rows_go():
    sheet = one_sheet(
        [["a", "  ", "c"], [None, None, None], ["d", None, ""], ["", " "]]
    )
    assert cells(sheet) == [("a", None, "c"), (None, None, None), ("d", None, None)]
    assert sheet.frame[ROW].to_list() == [1, 2, 3]


def test_an_empty_sheet_has_no_rows():
    sheet = one_sheet([])
    assert sheet.is_empty
    assert sheet.frame.columns == [ROW]


def test_hidden_sheets_are_marked():
    sheets = read_sheets(workbook({"A": [["x"]], "B": [["y"]]}, hidden=["B"]))
    assert [(s.name, s.hidden) for s in sheets] == [("A", False), ("B", True)]


# --- header rows -------------------------------------------------------------


@pytest.mark.parametrize("above", [0, 1, 2, 3])
def test_header_row_is_found_under_a_merged_title(above):
    sheet = one_sheet([HEADERS, ROW_1, ["C2", *ROW_1[1:]]], above=above)
    raw = find_header(sheet, CONTACTS.columns)
    assert raw is not None
    assert raw.headers == tuple(HEADERS)
    assert raw.frame[ROW].to_list() == [above + 2, above + 3]
    assert raw.frame["c0"].to_list() == ["C1", "C2"]


def test_header_is_the_row_naming_most_columns_and_spellings_count():
    rows = [
        ["Child ID", "Notes"],
        [],
        ["Child ID", "Gender", "Ethnicity", "Date of\nBirth", "Age", "Date of Contact"],
        ROW_1[:6],
    ]
    raw = find_header(one_sheet(rows), CONTACTS.columns)
    assert raw is not None
    assert raw.headers[3] == "Date of Birth"  # line breaks in a heading are spaces
    assert raw.frame[ROW].to_list() == [4]


def test_no_header_when_no_row_names_two_columns():
    rows = [["Child Unique ID", "Comments"], ["C1", "x"]]
    assert find_header(one_sheet(rows), CONTACTS.columns) is None
    assert find_header(one_sheet([]), CONTACTS.columns) is None


def test_header_search_stops_at_search_rows():
    rows = [[f"note {i}"] for i in range(5)] + [HEADERS, ROW_1]
    sheet = one_sheet(rows)
    assert find_header(sheet, CONTACTS.columns, search_rows=5) is None
    assert find_header(sheet, CONTACTS.columns, search_rows=6) is not None


# --- sheets to tables --------------------------------------------------------


@pytest.mark.parametrize(
    ("sheet_name", "table"),
    [
        ("List 1 - Contacts", "list_1"),
        ("L1", "list_1"),
        ("List1", "list_1"),
        ("Contacts", "list_1"),
        ("  annex a list 01 ", "list_1"),
        ("List_1_contacts", "list_1"),
        ("List 10 - Adoption", "list_10"),
        ("L11", "list_11"),
        ("Section 47", "list_5"),
        ("CLA", "list_8"),
        ("Care Leavers", "list_9"),
        ("Adopters", "list_11"),
    ],
)
def test_sheet_names_match_their_table(sheet_name, table):
    found = xlsx._sheet_table(sheet_name, SPEC)
    assert found is not None
    assert found.name == table


@pytest.mark.parametrize("sheet_name", ["Sheet1", "Cover", "Lookups", "List 12"])
def test_other_sheet_names_match_no_table(sheet_name):
    assert xlsx._sheet_table(sheet_name, SPEC) is None


def issue_codes(issues: pl.DataFrame) -> list[tuple[str | None, str]]:
    return [(r["table"], r["code"]) for r in issues.iter_rows(named=True)]


def test_renamed_sheet_is_found_by_its_header_row():
    data = workbook({"Sheet1": [HEADERS, ROW_1]}, titles={"Sheet1": 2})
    tables, issues = read_workbook_tables(data, SPEC)
    assert list(tables) == ["list_1"]
    assert tables["list_1"].frame[ROW].to_list() == [4]
    assert ("list_1", "missing_table") not in issue_codes(issues)


def test_unknown_sheets_and_missing_tables_are_issues():
    data = workbook(
        {
            "Cover": [["Annex A return for Camden"]],
            "L1": [HEADERS, ROW_1],
            "Lookups": [["a) Male"], ["b) Female"]],
            "Blank": [],
        },
        hidden=["Lookups"],
    )
    tables, issues = read_workbook_tables(data, SPEC)
    assert list(tables) == ["list_1"]
    found = issue_codes(issues)
    assert found[0] == (None, "unknown_sheet")  # Cover; not the hidden or blank one
    assert found.count((None, "unknown_sheet")) == 1
    assert "'Cover'" in issues["message"][0]
    assert [t for t, c in found if c == "missing_table"] == [
        f"list_{n}" for n in range(2, 12)
    ]
    assert issues["severity"].unique().to_list() == ["warning"]


def test_a_named_sheet_without_a_header_row_says_so():
    data = workbook({"List 1 - Contacts": [HEADERS, ROW_1], "L2": [["nothing"]]})
    _, issues = read_workbook_tables(data, SPEC)
    [message] = issues.filter(pl.col("table") == "list_2")["message"].to_list()
    assert "sheet 'L2' has no header row" in message
    assert "unknown_sheet" not in issues["code"].to_list()


def test_the_first_sheet_of_a_table_wins_and_a_second_is_unknown():
    data = workbook({"L1": [HEADERS, ROW_1], "Contacts": [HEADERS, ROW_1]})
    tables, issues = read_workbook_tables(data, SPEC)
    assert tables["list_1"].frame["c0"].to_list() == ["C1"]
    assert (
        "'Contacts'" in issues.filter(pl.col("code") == "unknown_sheet")["message"][0]
    )


def test_empty_workbook_has_every_table_missing():
    tables, issues = read_workbook_tables(workbook({"Sheet1": []}), SPEC)
    assert tables == {}
    assert issue_codes(issues) == [(name, "missing_table") for name in SPEC.tables]


# --- through the conformer ---------------------------------------------------


def test_excel_dates_serials_and_text_dates_all_conform():
    rows = [
        HEADERS,
        ["C1", "M", "WBRI", dt.date(2015, 2, 1), 9.0, "03/02/2024", "Police"],
        ["C2", "F", "WBRI", 42036, 9, dt.datetime(2024, 2, 3, 0, 0), "g) Police"],
        ["C3", "F", "WBRI", "2015-02-01", 9, "3/2/2024x", "Police"],
    ]
    [sheet] = read_sheets(workbook({"L1": rows}))
    raw = find_header(sheet, CONTACTS.columns)
    assert raw is not None
    conformed = conform_table(raw, CONTACTS, 2024)
    frame = conformed.frame
    assert frame["Date of Birth"].to_list() == [dt.date(2015, 2, 1)] * 3
    assert frame["Date of Contact"].to_list() == [dt.date(2024, 2, 3)] * 2 + [None]
    assert frame["Age of Child (Years)"].to_list() == [9, 9, 9]
    assert frame["Gender"].to_list() == ["a) Male", "b) Female", "b) Female"]
    issues = conformed.issues.select("row", "column", "code").rows()
    assert issues == [(4, "Date of Contact", "invalid_date")]


def test_numeric_identifiers_read_as_whole_digits():
    rows = [HEADERS, [123456.0, "M", "WBRI", None, None, "03/02/2024", "Police"]]
    [sheet] = read_sheets(workbook({"L1": rows}))
    raw = find_header(sheet, CONTACTS.columns)
    assert raw is not None
    conformed = conform_table(raw, CONTACTS, 2024)
    assert conformed.frame["Child Unique ID"].to_list() == ["123456"]
    assert conformed.issues.height == 0
