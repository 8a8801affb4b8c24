"""Outputs are written the same way every time, and never as formulas."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from openpyxl import load_workbook

from cld.pipeline.outputs.writers import write_csv, write_parquet, write_workbook

FRAME = pl.DataFrame(
    {
        "LA": ["CAM", "HAC", "ISL"],
        "note": ['=HYPERLINK("x")', "+1", "plain"],
        "count": ["12", "[c]", "3.5"],
        "n": [1, -2, 3],
    }
)


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(tmp_path: Path) -> None:
    write_csv(FRAME, tmp_path / "t.csv")
    back = pl.read_csv(tmp_path / "t.csv", infer_schema=False)
    assert back["note"].to_list() == ['\'=HYPERLINK("x")', "'+1", "plain"]
    assert back["n"].to_list() == ["1", "-2", "3"]  # numbers are not text


def test_workbook_numbers_symbols_and_formulas(tmp_path: Path) -> None:
    path = write_workbook(
        {"by type": FRAME}, ["Notes line", "=1+1"], tmp_path / "r.xlsx"
    )
    book = load_workbook(path)
    assert book.sheetnames == ["Notes", "by type"]
    notes = [row[0] for row in book["Notes"].iter_rows(values_only=True)]
    assert notes == ["Notes line", "'=1+1"]
    rows = list(book["by type"].iter_rows(values_only=True))
    assert rows[0] == ("LA", "note", "count", "n")
    assert rows[1] == ("CAM", '\'=HYPERLINK("x")', 12, 1)
    assert rows[2][2] == "[c]" and rows[3][2] == 3.5
    assert book["by type"].freeze_panes == "A2"


def test_the_same_content_gives_the_same_bytes(tmp_path: Path) -> None:
    for name in ("a", "b"):
        write_parquet(FRAME, tmp_path / f"{name}.parquet")
        write_csv(FRAME, tmp_path / f"{name}.csv")
        write_workbook({"t": FRAME}, ["n"], tmp_path / f"{name}.xlsx")
    for suffix in ("parquet", "csv", "xlsx"):
        first = (tmp_path / f"a.{suffix}").read_bytes()
        assert first == (tmp_path / f"b.{suffix}").read_bytes(), suffix
