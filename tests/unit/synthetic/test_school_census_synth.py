"""The synthetic school census: one CSV per table of each census of the year,
deterministic, clean when asked, realistic, and every planted fault found where it
was planted."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from cld.engine.conform.table import conform_table
from cld.engine.identify import find_term
from cld.engine.readers.csv import read_csv
from cld.engine.spec.load import load_spec, year_range
from cld.engine.spec.model import CategoryColumn, DateColumn
from cld.engine.validate import validate_bytes
from cld.engine.years import find_year
from cld.governance.authorities import Authority, authorities, find_authority
from cld.synthetic.registry import generator
from cld.synthetic.school_census import DATASET, SchoolCensusUpload, generate
from cld.synthetic.school_census.population import YEAR_GROUPS

YEARS = list(year_range(DATASET))
Found = set[tuple[str, int | None, str | None, str]]


def _authority(year: int) -> Authority:
    """A different authority (and so file-naming style) for each year."""
    return authorities()[(year * 5) % len(authorities())]


@pytest.fixture(scope="module")
def clean() -> dict[int, list[SchoolCensusUpload]]:
    return {
        year: generate(_authority(year), year, children=30, seed=year) for year in YEARS
    }


def _conformed(upload: SchoolCensusUpload) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The file conformed as the table it was made for: frame and issues."""
    table = load_spec(DATASET, upload.year).tables[upload.table]
    result = conform_table(read_csv(upload.data), table, upload.year, sort=False)
    return result.frame, result.issues


def _found(issues: pl.DataFrame, table: str) -> Found:
    return {(table, r["row"], r["column"], r["code"]) for r in issues.to_dicts()}


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not() -> None:
    camden = find_authority("CAM")
    first = generate(camden, 2024, children=60, seed=3, messiness=0.1)
    again = generate(camden, 2024, children=60, seed=3, messiness=0.1)
    other = generate(camden, 2024, children=60, seed=4, messiness=0.1)
    assert [(u.name, u.data) for u in first] == [(u.name, u.data) for u in again]
    assert all(a.faults.equals(b.faults) for a, b in zip(first, again, strict=True))
    assert [u.data for u in first] != [u.data for u in other]


def test_the_registry_knows_the_generator() -> None:
    hackney = find_authority("HAC")
    made = generator(DATASET)(hackney, 2023, children=20)
    assert [u.name for u in made] == [
        u.name for u in generate(hackney, 2023, children=20)
    ]


@pytest.mark.parametrize("year", YEARS)
def test_every_table_of_every_census_of_the_year_is_made(
    clean: dict[int, list[SchoolCensusUpload]], year: int
) -> None:
    made = clean[year]
    assert sorted(u.table for u in made) == sorted(load_spec(DATASET, year).tables)
    assert len({u.name for u in made}) == len(made)
    for upload in made:
        assert upload.rows > 0, upload.table
        assert upload.table.startswith(f"{upload.term}_")
        assert upload.la == _authority(year).code and upload.year == year
        assert find_term(upload.name) == upload.term, upload.name
        reading = find_year(upload.name)
        assert reading is not None and reading.year == year, upload.name


@pytest.mark.parametrize("year", YEARS)
def test_clean_files_have_no_issue_and_are_identified_in_every_year(
    clean: dict[int, list[SchoolCensusUpload]], year: int
) -> None:
    """Every file is clean, and ``cld validate`` tells its dataset, year, term and
    table (a table made in several terms is told apart by the term in the name)."""
    for upload in clean[year]:
        assert upload.faults.is_empty()
        report = validate_bytes(upload.name, upload.data)
        assert report.error is None, (upload.name, report.error)
        assert (report.dataset, report.year) == (DATASET, year)
        assert report.term == upload.term
        (table,) = report.tables
        assert table == upload.table, upload.name
        assert _found(report.issues, table) == set()


def _age_on_31_august(born: pl.Expr, year: int) -> pl.Expr:
    before = (born.dt.month().cast(pl.Int32) * 100 + born.dt.day().cast(pl.Int32)) > 831
    return year - born.dt.year() - before.cast(pl.Int32)


@pytest.mark.parametrize("year", [2015, 2019, 2024])
def test_pupils_are_aged_to_fit_their_year_group(
    clean: dict[int, list[SchoolCensusUpload]], year: int
) -> None:
    for upload in clean[year]:
        if not upload.table.endswith(("_pupilonroll", "_pupilnolongeronroll")):
            continue
        frame, _ = _conformed(upload)
        groups = [c for c in ("ncyearactual", "ncyearleaving") if c in frame.columns]
        if not groups:
            continue  # spring and summer leavers have no year group
        group = groups[0]
        start = year if upload.term == "autumn" else year - 1
        ages = frame.select(
            _age_on_31_august(pl.col("dob"), start).alias("age"),
            pl.col(group).replace_strict(
                {g: i for i, g in enumerate(YEAR_GROUPS)}, return_dtype=pl.Int32
            ),
        )
        assert ages["age"].to_list() == ages[group].to_list(), upload.table
        assert ages["age"].min() >= 2 and ages["age"].max() <= 17  # type: ignore[operator]


def test_pupils_are_on_roll_before_the_census_and_leavers_leave_before_it() -> None:
    made = generate(find_authority("LEW"), 2024, children=200, seed=9)
    census_day = {
        "spring": dt.date(2024, 1, 18),
        "summer": dt.date(2024, 5, 16),
        "autumn": dt.date(2024, 10, 3),
    }
    for upload in made:
        if upload.table.endswith("_pupilonroll"):
            frame, _ = _conformed(upload)
            assert frame["entrydate"].max() < census_day[upload.term]  # type: ignore[operator]
            assert frame["upn"].n_unique() == frame.height
        if upload.table.endswith("_pupilnolongeronroll"):
            frame, _ = _conformed(upload)
            assert (frame["leavingdate"] < census_day[upload.term]).all()
            assert (frame["entrydate"] < frame["leavingdate"]).all()


def test_codes_are_the_year_s_own() -> None:
    """2019: fixed period exclusions; 2024 autumn: the new attendance codes."""
    early = generate(find_authority("SOU"), 2019, children=400, seed=1)
    late = generate(find_authority("SOU"), 2024, children=400, seed=1)

    def values(made: list[SchoolCensusUpload], table: str, column: str) -> set[str]:
        (upload,) = [u for u in made if u.table == table]
        return set(upload.frame[column].drop_nulls())

    assert "FIXD" in values(early, "autumn_termlyexclusionsonroll", "category")
    assert "SUSP" in values(late, "autumn_termlyexclusionsonroll", "category")
    reasons = values(late, "autumn_termlysessiondetailsonroll", "attendancereason")
    spec = load_spec(DATASET, 2024).tables["autumn_termlysessiondetailsonroll"]
    column = spec.columns["attendancereason"]
    assert isinstance(column, CategoryColumn)
    assert reasons <= set(column.codes) and "Y" not in reasons


def test_dates_are_written_as_the_authority_s_system_writes_them() -> None:
    styles = set()
    for authority in authorities()[:12]:
        (returns,) = [
            u
            for u in generate(authority, 2015, children=10)
            if u.table == "autumn_schoolcensus"
        ]
        styles.add(returns.frame["referencedate"][0])
    column = (
        load_spec(DATASET, 2015).tables["autumn_schoolcensus"].columns["referencedate"]
    )
    assert isinstance(column, DateColumn)
    assert styles == {"2015-Oct-01 00:00:00", "01/10/2015"}
    assert column.formats == ("%Y-%b-%d %H:%M:%S", "%d/%m/%Y")


@pytest.mark.parametrize("year", [2015, 2018, 2021, 2025])
def test_planted_faults_are_found_where_they_were_planted(year: int) -> None:
    made = generate(_authority(year), year, children=150, seed=7, messiness=0.08)
    planted: Found = set()
    found: Found = set()
    for upload in made:
        planted |= {
            (r["table"], r["row"], r["column"], r["code"])
            for r in upload.faults.to_dicts()
        }
        found |= _found(_conformed(upload)[1], upload.table)
    assert len(planted) > 50
    assert found == planted
    assert {code for *_, code in planted} >= {
        "blank_mandatory",
        "invalid_category",
        "invalid_date",
        "duplicate_key",
        "out_of_range",
    }
