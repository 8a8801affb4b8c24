"""Header matching: exact after trimming and case-folding, then pattern alternatives."""

from __future__ import annotations

from cld.engine.conform.headers import column_for, match_headers
from cld.engine.spec.load import load_spec

EPISODES = load_spec("ssda903", 2024).tables["episodes"].columns


def test_exact_after_trimming_and_case_folding():
    assert column_for("  decom ", EPISODES) == "DECOM"
    assert column_for("Place_Provider", EPISODES) == "PLACE_PROVIDER"


def test_pattern_alternatives():
    assert column_for("Child ID", EPISODES) == "CHILD"
    assert column_for("placement  type", EPISODES) == "PLACE"
    assert column_for("Episode start date", EPISODES) == "DECOM"


def test_unknown_and_blank_headers_name_nothing():
    assert column_for("Shoe size", EPISODES) is None
    assert column_for("   ", EPISODES) is None


def test_match_reports_found_unknown_missing_and_repeated():
    match = match_headers(["CHILD", "decom", "Shoe size", "child id"], EPISODES)
    assert match.found == {"CHILD": 0, "DECOM": 1}
    assert match.repeated == {"CHILD": [0, 3]}
    assert match.unknown == [2]
    assert "PLACE" in match.missing and "CHILD" not in match.missing
