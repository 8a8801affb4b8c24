"""Placement distance and authority from real postcodes of the ONS Postcode
Directory (read from the installed package; nothing is downloaded)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import polars as pl
import pytest

from cld.engine.errors import PolicyError
from cld.engine.issues import ISSUE_SCHEMA, IssueCode
from cld.engine.readers.table import ROW
from cld.engine.spec.load import load_spec
from cld.engine.transforms.derived import (
    DERIVED,
    PL_DISTANCE_KM,
    PL_IN_BOROUGH,
    PL_LA,
)
from cld.engine.transforms.enrich import enrich
from cld.engine.transforms.postcodes import (
    LOOKUP_SCHEMA,
    PostcodeDirectory,
    normalise_postcodes,
    placement_columns,
    postcode_directory,
    unknown_postcode_issues,
)
from cld.engine.transforms.protect import needed_columns
from cld.engine.transforms.treatments import Treatment
from cld.governance.policy import default_policy, policy_from_document

CAMDEN_TOWN_HALL = "WC1H 9JE"
DOWNING_STREET = "SW1A 2AA"  # Westminster
MEDWAY_COUNCIL = "ME4 4TR"  # Gun Wharf, Chatham: outside London
BELFAST = "BT1 1AA"  # Northern Ireland: Irish Grid references
NOT_A_POSTCODE = "ZZ9 9ZZ"  # shaped like one, but no such postcode
CAMDEN = "E09000007"
WESTMINSTER = "E09000033"
MEDWAY = "E06000035"


@pytest.fixture(scope="module")
def directory() -> PostcodeDirectory:
    return postcode_directory()


def _where(directory: PostcodeDirectory, postcode: str) -> tuple[int, int]:
    row = directory.lookup(pl.Series([postcode])).row(0, named=True)
    return row["easting"], row["northing"]


def _km(directory: PostcodeDirectory, one: str, other: str) -> float:
    (e1, n1), (e2, n2) = _where(directory, one), _where(directory, other)
    return math.hypot(e1 - e2, n1 - n2) / 1000


def test_lookup_finds_real_postcodes_with_their_authority() -> None:
    fresh = PostcodeDirectory()
    asked = pl.Series([CAMDEN_TOWN_HALL, MEDWAY_COUNCIL, DOWNING_STREET])
    found = fresh.lookup(asked)
    assert found.schema == LOOKUP_SCHEMA
    assert found["postcode"].to_list() == asked.to_list()
    assert found["la"].to_list() == [CAMDEN, MEDWAY, WESTMINSTER]
    assert found["known"].to_list() == [True, True, True]
    east, north = found["easting"].to_list(), found["northing"].to_list()
    # grid references in metres: central London is near (530000, 180000)
    assert all(525_000 < e < 535_000 for e in (east[0], east[2]))
    assert all(175_000 < n < 185_000 for n in (north[0], north[2]))
    assert east[1] > 570_000  # Chatham is east of London
    assert fresh.loaded == {"W", "M", "S"}  # only the letters asked for


def test_unknown_and_blank_postcodes() -> None:
    found = postcode_directory().lookup(
        pl.Series([NOT_A_POSTCODE, None, "", "   ", "N0T 4PC", "12345678"])
    )
    assert found["known"].to_list() == [False, None, None, None, False, False]
    assert found["la"].null_count() == found.height
    assert found["easting"].null_count() == found.height


@pytest.mark.parametrize(
    "written", ["WC1H 9JE", "wc1h9je", " WC1H  9JE ", "Wc1h\t9jE", "WC1H9JE"]
)
def test_postcodes_are_normalised_before_lookup(
    directory: PostcodeDirectory, written: str
) -> None:
    found = directory.lookup(pl.Series([written])).row(0, named=True)
    assert (found["postcode"], found["la"]) == (CAMDEN_TOWN_HALL, CAMDEN)


def test_normalise_postcodes() -> None:
    written = pl.Series(["sw1a2aa", "E1  6AN", "n1 9gu ", "", None, "X1"])
    got = pl.select(normalise_postcodes(pl.lit(written))).to_series().to_list()
    assert got == ["SW1A 2AA", "E1 6AN", "N1 9GU", None, None, None]


def test_placement_distance_authority_and_borough(
    directory: PostcodeDirectory,
) -> None:
    frame = pl.DataFrame(
        {
            "HOME_POST": [CAMDEN_TOWN_HALL] * 4 + [None, DOWNING_STREET],
            "PL_POST": [
                MEDWAY_COUNCIL,
                CAMDEN_TOWN_HALL,
                DOWNING_STREET,
                NOT_A_POSTCODE,
                MEDWAY_COUNCIL,
                " ",
            ],
        }
    )
    out = placement_columns(frame, la_ons=CAMDEN, directory=directory)
    assert out.columns == ["HOME_POST", "PL_POST", PL_DISTANCE_KM, PL_LA, PL_IN_BOROUGH]
    assert out.schema[PL_DISTANCE_KM] == pl.Float64
    assert out.schema[PL_LA] == pl.String
    assert out.schema[PL_IN_BOROUGH] == pl.Boolean
    to_medway = round(_km(directory, CAMDEN_TOWN_HALL, MEDWAY_COUNCIL), 1)
    to_downing = round(_km(directory, CAMDEN_TOWN_HALL, DOWNING_STREET), 1)
    assert 40 < to_medway < 50 and 2 < to_downing < 4
    assert out[PL_DISTANCE_KM].to_list() == [
        to_medway,
        0.0,
        to_downing,
        None,
        None,
        None,
    ]
    assert out[PL_LA].to_list() == [MEDWAY, CAMDEN, WESTMINSTER, None, MEDWAY, None]
    assert out[PL_IN_BOROUGH].to_list() == [False, True, False, None, False, None]
    westminster = placement_columns(frame, la_ons=WESTMINSTER, directory=directory)
    assert westminster[PL_IN_BOROUGH].to_list()[:3] == [False, False, True]


def test_distances_are_rounded_to_a_tenth_of_a_kilometre(
    directory: PostcodeDirectory,
) -> None:
    pairs = [("E1 6AN", "N1 9GU"), ("SE1 7PB", "KT1 1EU"), ("RM1 3BD", "UB8 1UW")]
    frame = pl.DataFrame(
        {"HOME_POST": [a for a, _ in pairs], "PL_POST": [b for _, b in pairs]}
    )
    out = placement_columns(frame, la_ons=CAMDEN, directory=directory)
    for (home, placement), got in zip(pairs, out[PL_DISTANCE_KM], strict=True):
        exact = _km(directory, home, placement)
        assert got == pytest.approx(exact, abs=0.05 + 1e-9)
        assert got == round(got, 1)


def test_no_distance_between_the_irish_and_british_grids(
    directory: PostcodeDirectory,
) -> None:
    frame = pl.DataFrame({"HOME_POST": [CAMDEN_TOWN_HALL], "PL_POST": [BELFAST]})
    out = placement_columns(frame, la_ons=CAMDEN, directory=directory)
    assert out.row(0)[2:] == (None, "N09000003", False)


def test_unknown_postcodes_are_warnings_located_by_row_and_column(
    directory: PostcodeDirectory,
) -> None:
    frame = pl.DataFrame(
        {
            "HOME_POST": [CAMDEN_TOWN_HALL, NOT_A_POSTCODE, None, "N0T 4PC"],
            "PL_POST": [NOT_A_POSTCODE, MEDWAY_COUNCIL, "", MEDWAY_COUNCIL],
            ROW: [2, 3, 5, 6],
        }
    )
    issues = unknown_postcode_issues(
        frame,
        "episodes",
        ["HOME_POST", "PL_POST"],
        labels={"PL_POST": "placement postcode"},
        directory=directory,
    )
    assert issues.schema == ISSUE_SCHEMA
    assert issues.select("table", "row", "column", "code", "severity").rows() == [
        ("episodes", 3, "HOME_POST", "unknown_postcode", "warning"),
        ("episodes", 6, "HOME_POST", "unknown_postcode", "warning"),
        ("episodes", 2, "PL_POST", "unknown_postcode", "warning"),
    ]
    messages = issues["message"].to_list()
    assert messages[2].startswith("PL_POST (placement postcode) is not in the ONS")
    assert not any(p in m for m in messages for p in (NOT_A_POSTCODE, "N0T 4PC"))
    no_rows = unknown_postcode_issues(
        frame.drop(ROW), "episodes", ["PL_POST"], directory=directory
    )
    assert no_rows["row"].to_list() == [None]
    clean = unknown_postcode_issues(
        frame.head(1), "episodes", ["HOME_POST"], directory=directory
    )
    assert clean.height == 0 and clean.schema == ISSUE_SCHEMA


def test_the_issue_code_is_a_warning_that_never_quotes_the_postcode() -> None:
    code = IssueCode.UNKNOWN_POSTCODE
    assert code.value == "unknown_postcode"
    assert code.kind.severity == "warning"
    assert "{quoted}" not in code.kind.template


def test_enrich_adds_only_the_placement_columns_wanted(
    directory: PostcodeDirectory,
) -> None:
    frame = pl.DataFrame({"HOME_POST": [CAMDEN_TOWN_HALL], "PL_POST": [MEDWAY_COUNCIL]})
    common: dict[str, Any] = {
        "la": "CAM",
        "year": 2024,
        "on": dt.date(2024, 3, 31),
        "birth_column": None,
        "directory": directory,
    }
    out = enrich(
        frame, wanted=frozenset({PL_LA, PL_IN_BOROUGH}), la_ons=CAMDEN, **common
    )
    assert out.columns == ["HOME_POST", "PL_POST", "LA", "YEAR", PL_LA, PL_IN_BOROUGH]
    assert out.row(0)[4:] == (MEDWAY, False)
    distance = enrich(frame, wanted=frozenset({PL_DISTANCE_KM}), **common)
    assert distance.columns[-1] == PL_DISTANCE_KM
    assert distance[PL_DISTANCE_KM][0] > 40
    none = enrich(frame, wanted=frozenset({"AGE"}), **common)
    assert none.columns == ["HOME_POST", "PL_POST", "LA", "YEAR"]
    with pytest.raises(ValueError, match="ONS code"):
        enrich(frame, wanted=frozenset({PL_IN_BOROUGH}), **common)


def test_minimising_keeps_both_postcodes_for_the_placement_columns() -> None:
    episodes = load_spec("ssda903", 2024).tables["episodes"]
    assert all(DERIVED[c].needs_postcodes for c in (PL_DISTANCE_KM, PL_LA))
    wanted = needed_columns(episodes, [{"CHILD": Treatment.PSEUDONYMISE}])
    assert "PL_POST" not in wanted
    wanted = needed_columns(
        episodes, [{"CHILD": Treatment.PSEUDONYMISE, PL_LA: Treatment.KEEP}]
    )
    assert {"HOME_POST", "PL_POST"} <= set(wanted)


def _sufficiency_with(table: str, rules: dict[str, Any]) -> dict[str, Any]:
    document = default_policy().document()
    document["use_cases"]["sufficiency"]["datasets"] = {"ssda903": {table: rules}}
    return document


def test_the_policy_allows_placement_columns_only_where_there_are_postcodes() -> None:
    kept = default_policy().use_case("sufficiency").kept("ssda903", "episodes")
    assert {PL_DISTANCE_KM, PL_LA, PL_IN_BOROUGH} <= set(kept)
    policy_from_document(_sufficiency_with("episodes", {PL_LA: "keep"}))
    with pytest.raises(PolicyError, match="no home and placement postcodes"):
        policy_from_document(_sufficiency_with("header", {PL_DISTANCE_KM: "keep"}))
    with pytest.raises(PolicyError, match="kept or dropped"):
        policy_from_document(
            _sufficiency_with("episodes", {PL_LA: "postcode_district"})
        )
