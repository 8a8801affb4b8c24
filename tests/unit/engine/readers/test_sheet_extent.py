"""How far a worksheet's cells reach, read from its XML before calamine builds a
range: a far-away cell in a tiny file is refused, whatever the sheet declares."""

from __future__ import annotations

import io

import pytest
import python_calamine
from xlsx_builders import sparse_workbook, with_sheet_xml, workbook

from cld.engine.errors import UnreadableFileError
from cld.engine.readers.sheet_extent import (
    Extent,
    check_sheet_extents,
    column_letters,
    sheet_extent,
)
from cld.engine.readers.xlsx import read_sheets

EDGE = {"A1": "CHILD", "XFD1048576": "x"}


def _no_calamine(*args, **kwargs):
    raise AssertionError("calamine was given the workbook")


def test_a_cell_at_the_edge_of_the_grid_is_refused_before_calamine(monkeypatch):
    data = sparse_workbook(EDGE)
    assert len(data) < 2000
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", _no_calamine)
    with pytest.raises(UnreadableFileError) as refused:
        read_sheets(data)
    message = str(refused.value)
    assert "the sheet 'List 1' spans A1:XFD1048576 (17 billion cells)" in message
    assert "5,000,000 cells" in message


@pytest.mark.parametrize("dimension", ["A1:B2", "A1", "nonsense", None])
def test_a_lying_dimension_does_not_hide_the_cells(monkeypatch, dimension):
    data = sparse_workbook({"A1": "CHILD", "AN1000000": "x"}, dimension=dimension)
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", _no_calamine)
    with pytest.raises(UnreadableFileError, match=r"A1:AN1000000 \(40 million cells\)"):
        read_sheets(data)


def test_a_dimension_claiming_the_whole_grid_over_a_few_cells_is_read():
    data = sparse_workbook({"A1": "a", "B2": "b"}, dimension="A1:XFD1048576")
    [sheet] = read_sheets(data)
    assert sheet.frame.height == 2


def test_the_extent_is_that_of_the_cells_present():
    data = workbook({"S": [[None, None], [None, "x", "y"], [None, None, None, "z"]]})
    check_sheet_extents(data, max_cells=6)  # B2:D3
    with pytest.raises(UnreadableFileError, match=r"spans B2:D3 \(6 cells\)"):
        check_sheet_extents(data, max_cells=5)


def test_rows_and_cells_without_references_follow_the_one_before():
    xml = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
        b'main"><sheetData><row r="3"><c/><c/><c/></row><row><c/></row>'
        b'<row><c r="E9"/><c/></row></sheetData></worksheet>'
    )
    assert sheet_extent(io.BytesIO(xml)) == Extent(3, 1, 9, 6)


def test_an_empty_sheet_has_no_extent():
    xml = b"<worksheet><sheetData/></worksheet>"
    assert sheet_extent(io.BytesIO(xml)) is None


def test_a_sheet_declaring_a_dtd_is_refused():
    data = sparse_workbook({"A1": "a"})
    sheet = b'<!DOCTYPE w [<!ENTITY e "&#60;c r=&#34;XFD1&#34;/&#62;">]>'
    body = b'<worksheet><sheetData><row r="1"><c r="A1"/>&e;</row></sheetData>'
    data = with_sheet_xml(data, sheet + body + b"</worksheet>")
    with pytest.raises(UnreadableFileError, match="DTD"):
        read_sheets(data)


def test_a_malformed_sheet_is_refused_with_its_line_not_its_text():
    data = sparse_workbook({"A1": "<b>01/02/2012 A123456789012"})  # not XML
    with pytest.raises(UnreadableFileError, match="XML is malformed at line 1") as e:
        check_sheet_extents(data)
    assert "2012" not in str(e.value) and "<b>" not in str(e.value)


@pytest.mark.parametrize(
    ("number", "letters"), [(1, "A"), (26, "Z"), (27, "AA"), (16384, "XFD")]
)
def test_column_letters(number, letters):
    assert column_letters(number) == letters
