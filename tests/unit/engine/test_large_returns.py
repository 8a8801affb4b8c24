"""What keeps large returns fast and small (issue 16), checked for what it gives.

Codes, dates and postcodes are conformed once per distinct cell, each row taking
its cell's outcome; an XML
return's tables are spilled to Parquet batch by batch and conformed one at a time;
``cld validate`` keeps no conformed table. Each must give exactly what the plain
way gives: the same typed frame, the same issues, the same row numbers.
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import BinaryIO

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cld.engine.conform.dtypes import ColumnPlan, plan_column
from cld.engine.conform.table import conform_table
from cld.engine.readers import xml
from cld.engine.readers.csv import read_csv
from cld.engine.spec.load import load_spec
from cld.engine.spec.model import ColumnSpec, DatasetSpec
from cld.engine.validate import ValidateOptions, validate_bytes
from cld.governance.authorities import authorities
from cld.synthetic.cin_census import write_cin_census

EPISODES = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,"
    "HOME_POST,PL_POST,URN\n"
)
# Repeated and distinct texts, good and bad, blank and spaced: every mask and
# every parse of the by-value columns (dates, postcodes) is exercised.
ROWS = [
    "C1,01/04/2023,S,C2,N1,U1,PR1,01/05/2023,X1,CARPL,E1 6AN,n79ab,SC123456",
    "C1,01/05/2023,P,C2,N1,U1,PR1,,,,E1 6AN,N7 9AB,SC123456",
    "C2,31/02/2023,S,C2,N1,U1,PR1, 01/05/2023 ,X1,CARPL,NOT A PC,,SC123456",
    "C3,,S,C2,N1,U1,PR1,2023-05-01,X1,CARPL,e16an,N7 9AB,SC123456",
    "C4,01/04/1880,S,C2,N1,U1,PR1,45000,X1,CARPL,,  ,SC123456",
    "C5,01/04/23,S,C2,N1,U1,PR1,01/05/2023,X1,CARPL,E1 6AN,N7 9AB,SC123456",
    "C1,01/04/2023,S,C2,N1,U1,PR1,01/05/2023,X1,CARPL,E1 6AN,n79ab,SC123456",
]


_PLAN = plan_column


def _by_row(name: str, column: ColumnSpec, year: int) -> ColumnPlan:
    return dataclasses.replace(_PLAN(name, column, year), by_value=False)


# Codes in other cases, spaced and unknown; an identifier a spreadsheet made a
# number; a blank row: every outcome of the columns conformed by value.
UNTIDY = [
    "1234.0,01/04/2023, s ,c2,n1,U1,pr1,,,,E1 6AN,,SC123456",
    "C6,01/04/2023,Q,C2,N9,u1, PR1 ,01/05/2023,x1,carpl,,,SC123456",
    ",,,,,,,,,,,,",
    "C7,01/04/2023,,C2,N1,U1,PR1,01/05/2023,X1,CARPL,E1 6AN,N7 9AB,SC1",
]


@pytest.mark.parametrize("slice_rows", [4, 500_000])
@pytest.mark.parametrize("header", [EPISODES, EPISODES.replace(",PLACE,", ",")])
def test_by_value_columns_conform_as_by_row(
    monkeypatch: pytest.MonkeyPatch, slice_rows: int, header: str
) -> None:
    """Every column that can be conformed once per distinct cell gives, row for
    row, what conforming it cell by cell gives: values, issues and messages,
    in slices or whole, with a column missing or not."""
    monkeypatch.setattr("cld.engine.conform.table.LOOKUP_ROWS", 1)
    monkeypatch.setattr("cld.engine.conform.table.SLICE_ROWS", slice_rows)
    rows = [*ROWS, *UNTIDY] * 3
    if header != EPISODES:  # PLACE (the sixth column) left out of every row
        rows = [",".join(r.split(",")[:5] + r.split(",")[6:]) for r in rows]
    raw = read_csv((header + "\n".join(rows) + "\n").encode())
    spec = load_spec("ssda903", 2024).tables["episodes"]
    by_value = conform_table(raw, spec, 2024)
    assert {
        "invalid_date",
        "date_out_of_range",
        "invalid_postcode",
        "invalid_category",
        "identifier_restored",
        "blank_row",
    } <= set(by_value.issues["code"].to_list())
    monkeypatch.setattr("cld.engine.conform.table.plan_column", _by_row)
    by_row = conform_table(raw, spec, 2024)
    assert_frame_equal(by_value.frame, by_row.frame)
    assert_frame_equal(by_value.issues, by_row.issues)
    assert by_value.rows.to_list() == by_row.rows.to_list()
    # the codes are read whatever their case and spacing
    assert (
        by_value.frame.filter(pl.col("CHILD") == "1234")["RNE"].to_list() == ["S"] * 3
    )


def test_a_column_blank_in_every_row_conforms_by_value_as_by_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("cld.engine.conform.table.LOOKUP_ROWS", 1)
    rows = [",".join(r.split(",")[:7] + [""] + r.split(",")[8:]) for r in ROWS]
    raw = read_csv((EPISODES + "\n".join(rows) + "\n").encode())
    spec = load_spec("ssda903", 2024).tables["episodes"]
    by_value = conform_table(raw, spec, 2024)
    monkeypatch.setattr("cld.engine.conform.table.plan_column", _by_row)
    by_row = conform_table(raw, spec, 2024)
    assert by_value.frame["DEC"].null_count() == by_value.frame.height
    assert_frame_equal(by_value.frame, by_row.frame)
    assert_frame_equal(by_value.issues, by_row.issues)


def test_codes_dates_and_postcodes_are_planned_by_value() -> None:
    spec = load_spec("ssda903", 2024).tables["episodes"]
    planned = {
        name: _PLAN(name, column, 2024).by_value
        for name, column in spec.columns.items()
    }
    assert {name for name, by_value in planned.items() if by_value} == {
        "DECOM",
        "RNE",
        "LS",
        "CIN",
        "PLACE",
        "PLACE_PROVIDER",
        "DEC",
        "REC",
        "REASON_PLACE_CHANGE",
        "HOME_POST",
        "PL_POST",
    }


@pytest.fixture(scope="module")
def cin_return(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("cin") / "cin_census_2024.xml"
    write_cin_census(path, authorities()[0], 2024, children=300, seed=3)
    return path.read_bytes()


def test_spilled_tables_are_the_tables_read(
    cin_return: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xml, "BATCH_ROWS", 50)  # many batches per table
    spec = load_spec("cin_census", 2024)
    in_memory = xml.read_tables(io.BytesIO(cin_return), spec)
    spilled = xml.spill_tables(io.BytesIO(cin_return), spec, tmp_path)
    assert list(spilled) == list(in_memory) == list(spec.tables)
    assert max(len(table.paths) for table in spilled.values()) > 3
    for name, table in spilled.items():
        assert table.headers == in_memory[name].headers
        assert table.encoding == in_memory[name].encoding
        assert table.height == in_memory[name].height
        assert_frame_equal(table.lazy().collect(), in_memory[name].frame)
        assert all(path.is_relative_to(tmp_path) for path in table.paths)
    # the folders hold no table's name: only numbers
    assert all(p.name.startswith("table-") for p in tmp_path.iterdir())


def test_an_xml_return_is_validated_through_a_spill_folder_it_removes(
    cin_return: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xml, "BATCH_ROWS", 50)
    monkeypatch.setattr("cld.engine.validate.SPILL_BYTES", len(cin_return))
    written: list[Path] = []
    spill = xml.spill_tables

    def watched(
        source: BinaryIO, spec: DatasetSpec, folder: Path
    ) -> dict[str, xml.SpilledTable]:
        found = spill(source, spec, folder)
        written.extend(p for t in found.values() for p in t.paths)
        return found

    monkeypatch.setattr(xml, "spill_tables", watched)
    options = ValidateOptions(spill_dir=tmp_path)
    report = validate_bytes("cin_census_2024.xml", cin_return, options)
    assert report.error is None and report.dataset == "cin_census"
    assert written and all(p.is_relative_to(tmp_path) for p in written)
    assert list(tmp_path.iterdir()) == []  # removed once conformed


def test_a_failure_while_conforming_leaves_no_spilled_file(
    cin_return: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("cld.engine.validate.conform_table", broken)
    monkeypatch.setattr("cld.engine.validate.SPILL_BYTES", 0)
    with pytest.raises(RuntimeError):
        validate_bytes("cin.xml", cin_return, ValidateOptions(spill_dir=tmp_path))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", ["xml", "csv"])
def test_without_tables_the_report_is_the_same(cin_return: bytes, kind: str) -> None:
    name, data = (
        ("cin_census_2024.xml", cin_return)
        if kind == "xml"
        else ("ssda903_2024_episodes.csv", (EPISODES + "\n".join(ROWS)).encode())
    )
    kept = validate_bytes(name, data)
    bare = validate_bytes(name, data, ValidateOptions(keep_tables=False))
    assert kept.conformed and kept.rows
    assert bare.conformed == {} and bare.rows == {}
    assert bare.tables == kept.tables
    assert bare.to_json() == kept.to_json()
    assert_frame_equal(bare.issues, kept.issues)
    assert all(isinstance(f, pl.DataFrame) for f in kept.conformed.values())


def test_a_table_conformed_in_slices_is_the_table_conformed_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Slices of 4 rows: duplicate keys across slices are still found, blank rows
    and untidy cells in one slice only still reported, row numbers kept."""
    rows = [*ROWS, ",,,,,,,,,,,,", " C9 ,01/04/2023,S,C2,N1,U1,PR1,,,,,,SC1", *ROWS]
    raw = read_csv((EPISODES + "\n".join(rows) + "\n").encode())
    spec = load_spec("ssda903", 2024).tables["episodes"]
    whole = conform_table(raw, spec, 2024)
    monkeypatch.setattr("cld.engine.conform.table.SLICE_ROWS", 4)
    sliced = conform_table(raw, spec, 2024)
    assert_frame_equal(sliced.frame, whole.frame)
    assert_frame_equal(sliced.issues, whole.issues)
    assert sliced.rows.to_list() == whole.rows.to_list()
    codes = set(whole.issues["code"].to_list())
    assert {"duplicate_key", "blank_row", "invalid_date"} <= codes


def test_an_empty_table_is_conformed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cld.engine.conform.table.SLICE_ROWS", 4)
    raw = read_csv(EPISODES.encode())
    result = conform_table(raw, load_spec("ssda903", 2024).tables["episodes"], 2024)
    assert result.frame.height == 0
    assert result.issues["code"].to_list() == ["no_rows"]


def test_a_small_xml_return_is_read_in_memory(
    cin_return: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cld.engine.validate.SPILL_BYTES", len(cin_return) + 1)

    def refused(*args: object) -> None:
        raise AssertionError("a small return is not spilled")

    monkeypatch.setattr(xml, "spill_tables", refused)
    report = validate_bytes("cin.xml", cin_return, ValidateOptions(spill_dir=tmp_path))
    assert report.error is None and report.tables["children"] == 300
    monkeypatch.undo()
    monkeypatch.setattr("cld.engine.validate.SPILL_BYTES", len(cin_return))
    spilled = validate_bytes("cin.xml", cin_return, ValidateOptions(spill_dir=tmp_path))
    assert spilled.to_json() == report.to_json()
    assert_frame_equal(spilled.issues, report.issues)


@pytest.mark.parametrize("lookup_rows", [1, 50_000])
def test_a_spilled_table_is_conformed_from_disk_a_slice_at_a_time(
    cin_return: bytes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    lookup_rows: int,
) -> None:
    """Small batches and slices that do not line up with them: every table read
    from its Parquet files a slice at a time (its distinct cells from the files,
    when conformed by value) conforms exactly as in memory cell by cell, and no
    slice asks for the whole table."""
    monkeypatch.setattr("cld.engine.conform.table.LOOKUP_ROWS", lookup_rows)
    monkeypatch.setattr(xml, "BATCH_ROWS", 50)
    monkeypatch.setattr("cld.engine.conform.table.SPILLED_SLICE_ROWS", 70)
    spec = load_spec("cin_census", 2024)
    in_memory = xml.read_tables(io.BytesIO(cin_return), spec)
    spilled = xml.spill_tables(io.BytesIO(cin_return), spec, tmp_path)
    asked: list[int] = []
    rows_of = xml.SpilledTable.rows

    def counted(table: xml.SpilledTable, start: int, length: int) -> pl.DataFrame:
        found = rows_of(table, start, length)
        asked.append(found.height)
        return found

    monkeypatch.setattr(xml.SpilledTable, "rows", counted)
    for name, table_spec in spec.tables.items():
        from_disk = conform_table(spilled[name], table_spec, 2024)
        with monkeypatch.context() as by_row:
            by_row.setattr("cld.engine.conform.table.plan_column", _by_row)
            whole = conform_table(in_memory[name], table_spec, 2024)
        assert spilled[name].height == in_memory[name].height
        assert_frame_equal(from_disk.frame, whole.frame)
        assert_frame_equal(from_disk.issues, whole.issues)
        assert from_disk.rows.to_list() == whole.rows.to_list()
    assert asked and max(asked) <= 70
    assert max(t.height for t in in_memory.values()) > 140  # several slices


def test_without_its_columns_a_table_keeps_its_keys_its_rows_and_its_issues(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("cld.engine.conform.table.SLICE_ROWS", 4)
    raw = read_csv((EPISODES + "\n".join([*ROWS, *ROWS]) + "\n").encode())
    spec = load_spec("ssda903", 2024).tables["episodes"]
    whole = conform_table(raw, spec, 2024, sort=False)
    keys = conform_table(raw, spec, 2024, sort=False, keep_columns=False)
    assert keys.frame.columns == list(spec.key)
    assert_frame_equal(keys.frame, whole.frame.select(spec.key))
    assert_frame_equal(keys.issues, whole.issues)
    assert keys.rows.to_list() == whole.rows.to_list()
    assert "duplicate_key" in keys.issues["code"].to_list()


def test_every_query_of_a_validate_runs_in_memory(
    cin_return: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Polars 2 would run a lazy query on its streaming engine, whose set-up
    alone costs a small table many times its work (engine/query.py)."""
    engines: list[object] = []
    collect, collect_all = pl.LazyFrame.collect, pl.collect_all

    def watched(self: pl.LazyFrame, *args: object, **kwargs: object) -> object:
        engines.append(kwargs.get("engine"))
        return collect(self, *args, **kwargs)  # type: ignore[call-overload]

    def watched_all(*args: object, **kwargs: object) -> object:
        engines.append(kwargs.get("engine"))
        return collect_all(*args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(pl.LazyFrame, "collect", watched)
    monkeypatch.setattr(pl, "collect_all", watched_all)
    monkeypatch.setattr("cld.engine.validate.SPILL_BYTES", 0)  # spilled
    monkeypatch.setattr("cld.engine.conform.table.LOOKUP_ROWS", 1)  # by value
    csv = (EPISODES + "\n".join([*ROWS, *UNTIDY]) + "\n").encode()
    validate_bytes("ssda903_2024_episodes.csv", csv)
    validate_bytes("cin_census_2024.xml", cin_return)
    assert engines and set(engines) == {"in-memory"}


def test_keys_of_a_spilled_table_go_to_disk_and_find_the_same_duplicates(
    cin_return: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Conformed from disk without its columns, a table of more than one slice
    has its keys written a slice at a time to a folder of their own (removed
    once read), and their
    hashes read back a share at a time: the duplicate keys found, the issues and
    the rows counted are those of the table conformed in memory."""
    start = cin_return.index(b"<Child>")
    end = cin_return.index(b"</Child>", start) + len(b"</Child>")
    twice = cin_return[:end] + cin_return[start:end] * 2 + cin_return[end:]
    monkeypatch.setattr(xml, "BATCH_ROWS", 50)
    monkeypatch.setattr("cld.engine.conform.table.SPILLED_SLICE_ROWS", 70)
    monkeypatch.setattr("cld.engine.conform.duplicate_keys.HASHES_AT_ONCE", 100)
    spec = load_spec("cin_census", 2024)
    in_memory = xml.read_tables(io.BytesIO(twice), spec)
    spill = tmp_path / "spill"
    spill.mkdir()
    spilled = xml.spill_tables(io.BytesIO(twice), spec, spill)
    keys = tmp_path / "keys"
    keys.mkdir()
    written: list[int] = []
    write = pl.DataFrame.write_parquet

    def counted(frame: pl.DataFrame, path: Path, **options: object) -> None:
        if Path(path).is_relative_to(keys):
            written.append(frame.height)
        write(frame, path, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(pl.DataFrame, "write_parquet", counted)
    duplicates = 0
    for name, table_spec in spec.tables.items():
        found = conform_table(
            spilled[name], table_spec, 2024, keep_columns=False, keys_folder=keys
        )
        whole = conform_table(in_memory[name], table_spec, 2024, keep_columns=False)
        assert_frame_equal(found.issues, whole.issues)
        assert found.height == whole.height == whole.frame.height
        if whole.height > 70:  # more than a slice: its keys went to disk
            assert found.frame.height == 0
            assert found.frame.columns == whole.frame.columns
        else:
            assert_frame_equal(found.frame, whole.frame)
        duplicates += found.issues["code"].to_list().count("duplicate_key")
    assert duplicates >= 2  # the child twice more: its rows in every table
    assert written and max(written) <= 70  # a slice at a time
    assert list(keys.iterdir()) == []
