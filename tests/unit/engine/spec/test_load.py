"""Schema resolution: a base year plus change files gives each year's schema."""

from __future__ import annotations

from typing import Any

import pytest

from cld.engine.errors import SchemaDefinitionError, UsageError
from cld.engine.spec import load
from cld.engine.spec.load import (
    apply_change,
    change_years,
    clear_caches,
    dataset_names,
    load_spec,
    year_range,
)
from cld.engine.spec.model import CategoryColumn, PersonalData


def codes(year: int, table: str, column: str) -> set[str]:
    spec = load_spec("ssda903", year).tables[table].columns[column]
    assert isinstance(spec, CategoryColumn)
    return set(spec.codes)


@pytest.mark.parametrize("dataset", dataset_names())
def test_every_year_of_every_dataset_resolves(dataset):
    for year in load.year_range(dataset):
        spec = load_spec(dataset, year)
        assert spec.year == year
        assert spec.tables
        for table in spec.tables.values():
            assert table.columns
            assert set(table.key) <= set(table.columns)


def test_ssda903_covers_2017_to_2026_with_its_change_years():
    assert load.year_range("ssda903") == range(2017, 2027)
    assert change_years("ssda903") == (2019, 2022, 2024, 2025, 2026)


def test_2019_replaces_reasons_episode_ceased():
    assert {"E43", "E44"} <= codes(2018, "episodes", "REC")
    assert not {"E45", "E46", "E47", "E48"} & codes(2018, "episodes", "REC")
    assert {"E45", "E46", "E47", "E48"} <= codes(2019, "episodes", "REC")
    assert not {"E43", "E44"} & codes(2019, "episodes", "REC")
    assert "CUSTOD" in codes(2019, "episodes", "REASON_PLACE_CHANGE")
    assert "CUSTOD" not in codes(2018, "episodes", "REASON_PLACE_CHANGE")


def test_2022_changes_care_leaver_activity():
    assert {"F3", "P3"} <= codes(2021, "oc3", "ACTIV")
    assert {"F4", "P4", "F5", "P5"} <= codes(2022, "oc3", "ACTIV")
    assert not {"F3", "P3"} & codes(2022, "oc3", "ACTIV")


def test_2024_adds_the_social_worker_table():
    assert "social_worker" not in load_spec("ssda903", 2023).tables
    table = load_spec("ssda903", 2024).tables["social_worker"]
    assert table.key == ("CHILD", "SW_DECOM")
    assert table.columns["SW_ID"].personal is PersonalData.WORKER_IDENTIFIER


def test_2025_sex_codes_and_placements():
    assert codes(2024, "header", "SEX") == {"1", "2"}
    assert codes(2025, "header", "SEX") == {"M", "F", "U"}
    uasc = load_spec("ssda903", 2025).tables["uasc"].columns["SEX"]
    assert isinstance(uasc, CategoryColumn)
    assert uasc.spellings()["1"] == "M"
    assert uasc.spellings()["female"] == "F"
    assert {"H5", "P2"} <= codes(2024, "episodes", "PLACE")
    assert not {"H5", "P2"} & codes(2025, "episodes", "PLACE")
    assert "K3" in codes(2025, "episodes", "PLACE")


def test_2026_adds_placement_types():
    assert {"Z11", "Z12", "Z13", "Z14"} <= codes(2026, "episodes", "PLACE")
    assert "Z11" not in codes(2025, "episodes", "PLACE")


def test_flags_keys_sort_and_personal_data():
    episodes = load_spec("ssda903", 2024).tables["episodes"]
    assert episodes.key == ("CHILD", "DECOM")
    assert episodes.sort_by == ("CHILD", "DECOM")
    assert "DECOM" in episodes.mandatory and "DEC" not in episodes.mandatory
    assert episodes.columns["CHILD"].personal is PersonalData.IDENTIFIER
    assert episodes.columns["HOME_POST"].personal is PersonalData.POSTCODE
    header = load_spec("ssda903", 2024).tables["header"]
    assert header.columns["DOB"].personal is PersonalData.DATE_OF_BIRTH
    assert header.columns["UPN"].personal is PersonalData.NATIONAL_IDENTIFIER
    assert header.columns["ETHNIC"].personal is None


def test_a_year_outside_the_schema_is_a_usage_error():
    with pytest.raises(UsageError, match="2017 to 2026, not 2016"):
        load_spec("ssda903", 2016)
    with pytest.raises(UsageError, match="no schema for dataset"):
        load_spec("nonsense", 2024)


def test_change_operations():
    tables: dict[str, Any] = {
        "t": {"title": "T", "columns": {"A": {"label": "a"}, "B": {"label": "b"}}}
    }
    apply_change(tables, {"op": "add", "path": "t.C", "value": {"label": "c"}}, "x")
    apply_change(
        tables, {"op": "modify", "path": "t.A", "set": {"mandatory": True}}, "x"
    )
    apply_change(tables, {"op": "rename", "path": "t.B", "to": "B2"}, "x")
    apply_change(tables, {"op": "add", "path": "u", "value": {"title": "U"}}, "x")
    apply_change(tables, {"op": "remove", "path": "t.C"}, "x")
    columns = tables["t"]["columns"]
    assert list(columns) == ["A", "B2"]
    assert columns["A"] == {"label": "a", "mandatory": True}
    assert columns["B2"]["headers"] == ["B"]  # the old name is still understood
    assert "u" in tables


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"op": "add", "path": "t.A", "value": {}}, "exists already"),
        ({"op": "modify", "path": "t.Z", "set": {}}, "does not exist"),
        ({"op": "remove", "path": "nope.A"}, "no table 'nope'"),
        ({"op": "explode", "path": "t.A"}, "unknown op"),
        ({"op": "remove", "path": "t.A.x"}, "must be 'table"),
        ({"op": "remove"}, "needs a 'path'"),
    ],
)
def test_badly_written_changes_are_schema_errors(change, message):
    tables: dict[str, Any] = {"t": {"columns": {"A": {}}}}
    with pytest.raises(SchemaDefinitionError, match=message):
        apply_change(tables, change, "here")


def test_a_badly_written_schema_file_is_reported(tmp_path, monkeypatch):
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "base.yaml").write_text(
        "dataset: demo\ntitle: Demo\nformat: csv\nfirst_year: 2020\nlast_year: 2021\n"
        "tables:\n  t:\n    title: T\n    columns:\n"
        "      A: {label: a, type: category}\n"  # a category without codes
    )
    monkeypatch.setattr(load, "schema_root", lambda: tmp_path)
    load.clear_caches()
    try:
        assert load.dataset_names() == ("demo",)
        with pytest.raises(SchemaDefinitionError, match="badly written"):
            load.load_spec("demo", 2020)
        (folder / "2021.diff.yaml").write_text("year: 2020\nchanges: []\n")
        load.clear_caches()
        with pytest.raises(SchemaDefinitionError, match="'year' must be 2021"):
            load.load_spec("demo", 2021)
        (folder / "base.yaml").write_text("- just a list\n")
        load.clear_caches()
        with pytest.raises(SchemaDefinitionError, match="mapping at the top"):
            load.load_spec("demo", 2020)
        (folder / "base.yaml").write_text("a: [unclosed\n")
        load.clear_caches()
        with pytest.raises(SchemaDefinitionError, match="not valid YAML"):
            load.load_spec("demo", 2020)
    finally:
        monkeypatch.undo()
        load.clear_caches()


def test_one_spelling_for_two_codes_is_a_schema_error():
    with pytest.raises(ValueError, match="given for codes"):
        CategoryColumn(
            label="x",
            type="category",
            codes={"1": {"aliases": ["Yes"]}, "2": {"aliases": ["yes"]}},
        )


@pytest.mark.parametrize("dataset", dataset_names())
def test_later_years_leave_earlier_ones_as_they_were(dataset: str) -> None:
    """A year's changes copy what they touch: loading the last year first must not
    change the base file's mappings the first year is built from."""
    years = year_range(dataset)
    clear_caches()
    fresh = load_spec(dataset, years.start)
    clear_caches()
    for year in reversed(years):
        load_spec(dataset, year)
    load_spec.cache_clear()  # the base file and its changes stay cached
    assert load_spec(dataset, years.start) == fresh
    clear_caches()
