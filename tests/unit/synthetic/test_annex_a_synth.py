"""The synthetic Annex A workbooks: deterministic, clean when asked, and every
planted fault found by the validator where the generator says it is."""

from __future__ import annotations

import io
import re
import zipfile

import polars as pl
import pytest

from cld.engine.conform.table import conform_table
from cld.engine.identify import datasets_named
from cld.engine.issues import concat_issues
from cld.engine.readers.xlsx import read_sheets, read_workbook_tables
from cld.engine.spec.load import load_spec
from cld.engine.spec.model import CategoryColumn
from cld.engine.years import find_year
from cld.governance.authorities import Authority, authorities
from cld.synthetic.annex_a import AnnexAWorkbook, generate
from cld.synthetic.annex_a.style import style_of
from cld.synthetic.identifiers import id_style
from cld.synthetic.registry import generator

KEYS = ["table", "row", "column", "code"]


def _style(authority: Authority):
    return style_of(authority.code, id_style(authority.code).numeric)


def _varied() -> list[Authority]:
    """Authorities that between them have every layout habit: header rows 1 to 4,
    dates as cells and as text, template codes and their own spellings, numeric
    identifiers and prefixed ones, a hidden lookups sheet, a table from column B."""
    wanted = [
        lambda s: s.header_row == 1 and s.dates == "text",
        lambda s: s.header_row == 4,
        lambda s: s.header_row in (2, 3) and s.dates == "excel",
        lambda s: s.dates == "datetime" and not s.template_codes,
        lambda s: s.dates == "mixed" and s.numeric_ids,
        lambda s: s.lookups_sheet and s.dates == "text",
        lambda s: s.sheet_name == "L{n}",
        lambda s: s.first_column == 2,
    ]
    chosen: list[Authority] = []
    for test in wanted:
        match = next(a for a in authorities() if test(_style(a)))
        if match not in chosen:
            chosen.append(match)
    return chosen


VARIED = _varied()


def found_issues(made: AnnexAWorkbook) -> pl.DataFrame:
    """Every issue the validator finds in the workbook (sheets and lists)."""
    spec = load_spec("annex_a", made.year)
    tables, sheet_issues = read_workbook_tables(made.data, spec)
    assert set(tables) == set(spec.tables)
    frames = [sheet_issues]
    for name, raw in tables.items():
        frames.append(conform_table(raw, spec.tables[name], made.year).issues)
    return concat_issues(frames)


def as_set(frame: pl.DataFrame) -> set[tuple[object, ...]]:
    return set(frame.select(KEYS).rows())


def test_the_registry_names_this_generator():
    assert generator("annex_a") is generate


def test_same_seed_same_bytes_and_another_seed_other_data():
    authority = VARIED[0]
    first = generate(authority, 2024, children=40, seed=3, messiness=0.1)
    again = generate(authority, 2024, children=40, seed=3, messiness=0.1)
    other = generate(authority, 2024, children=40, seed=4, messiness=0.1)
    assert first[0].data == again[0].data
    assert first[0].faults.equals(again[0].faults)
    assert first[0].data != other[0].data


def test_no_clock_in_the_bytes():
    [made] = generate(VARIED[1], 2023, children=10)
    with zipfile.ZipFile(io.BytesIO(made.data)) as archive:
        assert {m.date_time for m in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert re.findall(r"<dcterms:(\w+)[^>]*>([^<]*)<", core) == [
        ("created", "2024-01-01T09:00:00Z"),
        ("modified", "2024-01-01T09:00:00Z"),
    ]


def test_one_workbook_named_as_councils_name_them():
    for authority in VARIED:
        [made] = generate(authority, 2024, children=20)
        assert made.la == authority.code
        assert made.year == 2024
        assert made.name.endswith(".xlsx")
        reading = find_year(made.name)
        assert reading is not None
        assert reading.year == 2024
        assert datasets_named(made.name) <= {"annex_a"}
        assert made.rows == sum(
            s.frame.height - _style(authority).header_row
            for s in read_sheets(made.data)
            if not s.hidden
        )


@pytest.mark.parametrize("authority", VARIED, ids=lambda a: a.code)
@pytest.mark.parametrize("year", [2018, 2025])
def test_clean_workbooks_have_no_issue(authority, year):
    [made] = generate(authority, year, children=60, seed=5)
    issues = found_issues(made)
    assert issues.height == 0, issues.head(5).to_dicts()
    assert made.faults.height == 0
    assert made.faults.columns == KEYS


def test_layout_habits_show_in_the_workbook():
    by_header_row = {_style(a).header_row: a for a in VARIED}
    [made] = generate(by_header_row[4], 2024, children=20)
    sheets = read_sheets(made.data)
    first = sheets[0]
    assert first.frame["c0"][0].startswith(by_header_row[4].name)  # the title
    assert first.frame["c1"][0] is None  # the rest of the merged title
    assert first.frame["c0"][1].startswith("Data as at")
    assert first.frame.row(2)[1:] == (None,) * (first.frame.width - 1)
    assert first.frame["__row"][3] == 4  # header on Excel row 4
    assert "Child" in first.frame.row(3)[1 + _style(by_header_row[4]).first_column - 1]


def test_own_spellings_of_codes_are_written_and_read_back():
    authority = next(a for a in VARIED if not _style(a).template_codes)
    [made] = generate(authority, 2024, children=80)
    spec = load_spec("annex_a", 2024)
    tables, _ = read_workbook_tables(made.data, spec)
    raw = tables["list_1"]
    column = raw.headers.index("Gender")
    written = set(raw.frame[f"c{column}"].drop_nulls().to_list())
    gender = spec.tables["list_1"].columns["Gender"]
    assert isinstance(gender, CategoryColumn)
    codes = set(gender.codes)
    assert written - codes  # not (only) the template's values
    conformed = conform_table(raw, spec.tables["list_1"], 2024).frame
    assert set(conformed["Gender"].drop_nulls()) <= codes


@pytest.mark.parametrize("authority", VARIED[:4], ids=lambda a: a.code)
def test_planted_faults_are_found_where_recorded(authority):
    [made] = generate(authority, 2024, children=120, seed=9, messiness=0.15)
    assert made.faults.height > 20
    assert set(made.faults["code"]) >= {
        "blank_mandatory",
        "invalid_category",
        "invalid_date",
        "duplicate_key",
        "out_of_range",
    }
    assert as_set(found_issues(made)) == as_set(made.faults)


def test_identifier_faults_on_numeric_identifiers():
    authority = next(a for a in VARIED if _style(a).numeric_ids)
    [made] = generate(authority, 2022, children=150, seed=2, messiness=0.3)
    assert "identifier_restored" in set(made.faults["code"])
    assert as_set(found_issues(made)) == as_set(made.faults)


def test_messiness_out_of_range_and_no_children_are_refused():
    with pytest.raises(ValueError, match="messiness"):
        generate(VARIED[0], 2024, children=10, messiness=1.5)
    with pytest.raises(ValueError, match="children"):
        generate(VARIED[0], 2024, children=0)
