"""The synthetic generator: deterministic, valid in every year, realistic."""

from __future__ import annotations

import re

import polars as pl
import pytest

from cld.engine.identify import identify
from cld.engine.spec.load import load_spec, year_range
from cld.engine.spec.model import CategoryColumn
from cld.engine.validate import ValidateOptions, validate_bytes
from cld.governance.authorities import Authority, authorities
from cld.synthetic.dates import day_number
from cld.synthetic.file_names import file_name
from cld.synthetic.generate import SyntheticFile, generate_year
from cld.synthetic.identifiers import id_style

YEARS = list(year_range("ssda903"))
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$")


def _two_styles() -> tuple[Authority, Authority]:
    """One authority with digit-only child ids and one with a prefix."""
    numeric = next(a for a in authorities() if id_style(a.code).numeric)
    prefixed = next(a for a in authorities() if not id_style(a.code).numeric)
    return numeric, prefixed


Clean = dict[tuple[str, int], dict[str, SyntheticFile]]


@pytest.fixture(scope="module")
def clean() -> Clean:
    """Clean files of two authorities for every year, by (LA, year) then table."""
    made: Clean = {}
    for authority in _two_styles():
        for year in YEARS:
            files = generate_year(authority, year, children=30, seed=11)
            made[authority.code, year] = {f.table: f for f in files}
    return made


def _dates(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    return frame.with_columns(pl.col(c).str.to_date("%d/%m/%Y") for c in columns)


def _age(born: pl.Expr, on: pl.Expr) -> pl.Expr:
    """Whole years of age (month and day are Int8 in Polars: widen them first)."""

    def month_day(date: pl.Expr) -> pl.Expr:
        return date.dt.month().cast(pl.Int32) * 100 + date.dt.day().cast(pl.Int32)

    before_birthday = month_day(on) < month_day(born)
    return on.dt.year() - born.dt.year() - before_birthday.cast(pl.Int32)


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not() -> None:
    authority = authorities()[3]
    first = generate_year(authority, 2024, children=25, seed=7, messiness=0.1)
    again = generate_year(authority, 2024, children=25, seed=7, messiness=0.1)
    other = generate_year(authority, 2024, children=25, seed=8, messiness=0.1)
    assert [f.name for f in first] == [f.name for f in again]
    assert [f.data for f in first] == [f.data for f in again]
    assert [f.faults.rows() for f in first] == [f.faults.rows() for f in again]
    assert all(a.data != b.data for a, b in zip(first, other, strict=True))


def test_every_table_of_the_year_is_made(clean: Clean) -> None:
    for (_, year), files in clean.items():
        assert set(files) == set(load_spec("ssda903", year).tables)
    assert "social_worker" not in clean[_two_styles()[0].code, 2023]
    assert "social_worker" in clean[_two_styles()[0].code, 2024]


def test_clean_files_validate_with_no_issue_in_every_year(clean: Clean) -> None:
    for (la, year), files in clean.items():
        for table, made in files.items():
            assert made.faults.height == 0
            report = validate_bytes(made.name, made.data, ValidateOptions(folder=la))
            assert report.error is None, (made.name, report.error)
            assert report.year == year, made.name
            assert report.tables == {table: made.rows}, made.name
            assert made.rows > 0, made.name
            assert report.issues.height == 0, (made.name, report.issues.to_dicts())


def test_every_code_is_in_that_years_code_list(clean: Clean) -> None:
    for (_, year), files in clean.items():
        spec = load_spec("ssda903", year)
        for table, made in files.items():
            for name, column in spec.tables[table].columns.items():
                if isinstance(column, CategoryColumn):
                    used = set(made.frame[name].drop_nulls())
                    assert used <= set(column.codes), (year, table, name)


def test_sex_is_written_in_the_codes_of_its_year(clean: Clean) -> None:
    for (la, year), files in clean.items():
        used = set(files["header"].frame["SEX"])
        if year >= 2025:
            assert used <= {"M", "F", "U"} and {"M", "F"} <= used, (la, year)
        else:
            assert used == {"1", "2"}, (la, year)
        assert set(files["uasc"].frame["SEX"]) <= set(
            load_spec("ssda903", year).tables["uasc"].columns["SEX"].codes  # type: ignore[union-attr]
        )


def test_placement_codes_follow_the_changes_of_2025_and_2026() -> None:
    authority = authorities()[0]
    by_year = {
        year: set(
            next(
                f
                for f in generate_year(authority, year, children=300, seed=2)
                if f.table == "episodes"
            ).frame["PLACE"]
        )
        for year in (2024, 2025, 2026)
    }
    assert {"H5", "P2"} & by_year[2024]
    assert not {"H5", "P2"} & (by_year[2025] | by_year[2026])
    assert "K3" in by_year[2025] and "K3" not in by_year[2024]
    assert {"Z11", "Z12", "Z13", "Z14"} & by_year[2026]
    assert not {"Z11", "Z12", "Z13", "Z14"} & by_year[2025]


def test_episodes_chain_and_children_are_0_to_17_when_each_starts(clean: Clean) -> None:
    for (la, year), files in clean.items():
        end, start = day_number(year, 3, 31), day_number(year - 1, 4, 1)
        header = _dates(files["header"].frame, "DOB").select("CHILD", "DOB")
        episodes = (
            _dates(files["episodes"].frame, "DECOM", "DEC")
            .join(header, on="CHILD", how="left")
            .with_columns(
                previous_end=pl.col("DEC").shift(1).over("CHILD"),
                first=pl.int_range(pl.len()).over("CHILD") == 0,
                last=pl.int_range(pl.len()).over("CHILD") == pl.len().over("CHILD") - 1,
                age=_age(pl.col("DOB"), pl.col("DECOM")),
            )
        )
        later = episodes.filter(~pl.col("first"))
        assert (later["DECOM"] == later["previous_end"]).all(), (la, year)
        assert (episodes.filter("first")["RNE"] == "S").all()
        assert (later["RNE"] != "S").all()
        assert episodes["age"].is_between(0, 17).all(), (la, year)
        assert episodes["DOB"].null_count() == 0  # every child is in the header
        assert (episodes["DECOM"].cast(pl.Int32) <= end).all()
        closed = episodes.filter(pl.col("DEC").is_not_null())
        assert (closed["DEC"].cast(pl.Int32) <= end).all()
        assert (closed["DEC"] > closed["DECOM"]).all()
        assert closed["REC"].null_count() == 0
        open_ = episodes.filter(pl.col("DEC").is_null())
        assert open_["last"].all() and open_["REC"].null_count() == open_.height
        last = episodes.filter("last")
        looked_after_in_year = last["DEC"].is_null() | (
            last["DEC"].cast(pl.Int32) >= start
        )
        assert looked_after_in_year.all(), (la, year)
        assert set(header["CHILD"]) == set(episodes["CHILD"])


def test_one_header_row_per_child_and_unique_keys(clean: Clean) -> None:
    for (_, year), files in clean.items():
        spec = load_spec("ssda903", year)
        header = files["header"].frame
        assert header["CHILD"].is_unique().all()
        children = set(header["CHILD"])
        born = dict(header.select("CHILD", "DOB").iter_rows())
        for table, made in files.items():
            keys = list(spec.tables[table].key)
            assert not made.frame.select(keys).is_duplicated().any(), (year, table)
            if table in ("header", "oc3"):
                continue
            assert set(made.frame["CHILD"]) <= children, (year, table)
            if "DOB" in made.frame.columns:
                dobs = made.frame.select("CHILD", "DOB").iter_rows()
                assert all(born[child] == dob for child, dob in dobs), (year, table)
        assert not set(files["oc3"].frame["CHILD"]) & children


def test_identifiers_and_postcodes_have_the_right_shape(clean: Clean) -> None:
    for files in clean.values():
        header, episodes = files["header"].frame, files["episodes"].frame
        assert header["CHILD"].str.contains(r"^[A-Za-z0-9]{1,10}$").all()
        assert header["UPN"].str.contains(r"^[A-Z][0-9]{12}$").all()
        for column in ("HOME_POST", "PL_POST"):
            codes = episodes[column].drop_nulls()
            assert codes.len() > 0
            assert all(POSTCODE.match(code) for code in codes), column


def test_subsets_of_children_fill_the_smaller_tables(clean: Clean) -> None:
    files = clean[_two_styles()[0].code, 2024]
    children = files["header"].rows
    for table in ("uasc", "oc2", "ad1", "placed_adoption", "prev_perm", "missing"):
        assert 0 < files[table].frame["CHILD"].n_unique() < children, table
    reviews = _dates(files["reviews"].frame, "REVIEW")["REVIEW"].cast(pl.Int32)
    assert reviews.is_between(day_number(2023, 4, 1), day_number(2024, 3, 31)).all()


@pytest.mark.parametrize("year", [2017, 2021, 2024, 2026])
def test_every_authority_names_its_files_so_they_are_identified(year: int) -> None:
    spec = load_spec("ssda903", year)
    for authority in authorities():
        names = set()
        for table_name, table in spec.tables.items():
            name = file_name(authority.code, year, table)
            found = identify(tuple(table.columns), name)
            assert (found.table, found.year) == (table_name, year), name
            names.add(name)
        assert len(names) == len(spec.tables)
    styles = {
        file_name(a.code, year, spec.tables["episodes"]).replace(a.code, "LA")
        for a in authorities()
    }
    assert len(styles) >= 5  # authorities name their files in different ways
