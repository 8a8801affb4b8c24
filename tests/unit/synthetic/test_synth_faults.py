"""Planted faults: each one raises exactly its issue, at its row and column."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from cld.engine.spec.load import load_spec
from cld.engine.validate import ValidateOptions, validate_bytes
from cld.governance.authorities import authorities, find_authority
from cld.synthetic.faults import PLANTED, apply_faults, fault_columns, plan_faults
from cld.synthetic.generate import SyntheticFile, generate_year, planted_frame
from cld.synthetic.identifiers import id_style


def _issues(made: SyntheticFile, la: str) -> set[tuple[int | None, str | None, str]]:
    report = validate_bytes(made.name, made.data, ValidateOptions(folder=la))
    assert report.error is None and report.tables == {made.table: made.rows}
    return {
        (r["row"], r["column"], r["code"]) for r in report.issues.iter_rows(named=True)
    }


Messy = list[tuple[str, SyntheticFile]]


@pytest.fixture(scope="module")
def messy() -> Messy:
    numeric = next(a for a in authorities() if id_style(a.code).numeric)
    prefixed = next(a for a in authorities() if not id_style(a.code).numeric)
    return [
        (authority.code, made)
        for authority, year in ((numeric, 2024), (prefixed, 2025), (numeric, 2019))
        for made in generate_year(authority, year, children=120, seed=5, messiness=0.08)
    ]


def test_every_planted_fault_is_reported_where_it_was_planted(messy: Messy) -> None:
    for la, made in messy:
        planted = set(made.faults.iter_rows())
        found = _issues(made, la)
        assert planted <= found, (made.name, sorted(planted - found)[:5])
        # and nothing else is wrong in the file
        assert found == planted, (made.name, sorted(found - planted)[:5])


def test_every_kind_of_fault_is_planted(messy: Messy) -> None:
    kinds = {code for _, made in messy for code in made.faults["code"]}
    assert kinds == {str(kind) for kind in PLANTED}


def test_about_the_fraction_of_rows_asked_is_faulty(messy: Messy) -> None:
    rows = sum(made.rows for _, made in messy)
    faults = sum(made.faults.height for _, made in messy)
    assert rows > 2000
    assert 0.06 < faults / rows < 0.10
    clean = generate_year(authorities()[0], 2024, children=60, seed=5, messiness=0)
    assert sum(f.faults.height for f in clean) == 0


def test_planted_faults_table_lists_file_and_la(messy: Messy) -> None:
    frame = planted_frame([made for _, made in messy])
    assert frame.columns == ["la", "file", "table", "row", "column", "code"]
    assert frame.height == sum(made.faults.height for _, made in messy)
    duplicates = frame.filter(pl.col("code") == "duplicate_key")
    assert set(duplicates.filter(pl.col("table") == "episodes")["column"]) == {
        "CHILD and DECOM"
    }
    assert (frame["row"] >= 2).all()


def test_a_duplicate_copies_the_row_before_it() -> None:
    authority = find_authority("CAM")
    files = generate_year(authority, 2024, children=80, seed=1, messiness=0.2)
    made = next(f for f in files if f.table == "episodes")
    rows = made.faults.filter(pl.col("code") == "duplicate_key")["row"].to_list()
    assert rows
    for row in rows:
        assert made.frame.row(row - 2) == made.frame.row(row - 3)


def test_identifiers_restored_only_where_ids_are_digits() -> None:
    prefixed = next(a for a in authorities() if not id_style(a.code).numeric)
    files = generate_year(prefixed, 2024, children=150, seed=3, messiness=0.2)
    assert not any("identifier_restored" in set(f.faults["code"]) for f in files)
    numeric = next(a for a in authorities() if id_style(a.code).numeric)
    files = generate_year(numeric, 2024, children=150, seed=3, messiness=0.2)
    restored = [
        f.frame["CHILD"][row - 2]
        for f in files
        for row in f.faults.filter(pl.col("code") == "identifier_restored")["row"]
    ]
    assert restored and all(value.endswith(".0") for value in restored)


def test_fault_columns_come_from_the_schema() -> None:
    episodes = load_spec("ssda903", 2024).tables["episodes"]
    assert fault_columns(episodes, PLANTED[3]) == ("HOME_POST", "PL_POST")
    oc2 = load_spec("ssda903", 2024).tables["oc2"]
    assert fault_columns(oc2, PLANTED[-1]) == ("SDQ_SCORE",)
    header = load_spec("ssda903", 2024).tables["header"]
    assert fault_columns(header, PLANTED[4]) == ()
    assert fault_columns(header, PLANTED[4], {"CHILD"}) == ("CHILD",)


@pytest.mark.parametrize("messiness", [-0.1, 1.5])
def test_messiness_must_be_a_fraction(messiness: float) -> None:
    table = load_spec("ssda903", 2024).tables["header"]
    with pytest.raises(ValueError, match="messiness"):
        plan_faults(np.random.default_rng(0), table, 10, messiness)


def test_more_faults_than_rows_stays_within_the_table() -> None:
    table = load_spec("ssda903", 2024).tables["ad1"]
    files = generate_year(authorities()[0], 2024, children=20, seed=0)
    frame = next(f for f in files if f.table == "ad1").frame
    rng = np.random.default_rng(0)
    plan = plan_faults(rng, table, frame.height * 10, 1.0)
    out, faults = apply_faults(frame, table, 2024, plan, rng)
    assert faults["row"].n_unique() == faults.height
    assert (
        out.height
        == frame.height + faults.filter(pl.col("code") == "duplicate_key").height
    )
