"""Each SSDA903 DfE rule the platform has, on a return that passes it and one
that breaks it, through ``cld validate``'s path (a return's files together)."""

from __future__ import annotations

import pytest

from cld.engine.rules.returns import apply_rules
from cld.engine.rules.ssda903 import RULES
from cld.engine.validate import FileReport, ValidateOptions, validate_bytes

HEADER = {
    "CHILD": "C1",
    "SEX": "M",
    "DOB": "01/02/2010",
    "ETHNIC": "WBRI",
    "UPN": "A123456789012",
    "MOTHER": "",
    "MC_DOB": "",
}
EPISODE = {
    "CHILD": "C1",
    "DECOM": "01/05/2024",
    "RNE": "S",
    "LS": "C2",
    "CIN": "N1",
    "PLACE": "K1",
    "PLACE_PROVIDER": "PR1",
    "DEC": "01/06/2024",
    "REC": "X1",
    "REASON_PLACE_CHANGE": "",
    "HOME_POST": "",
    "PL_POST": "",
    "URN": "",
}

CASES: list[tuple[str, str, dict[str, str], bool]] = [
    ("103", "header", {"ETHNIC": "WBRI"}, False),
    ("103", "header", {"ETHNIC": "XXXX"}, True),
    ("103", "header", {"ETHNIC": ""}, True),
    ("141", "episodes", {"DECOM": "01/05/2024"}, False),
    ("141", "episodes", {"DECOM": "31/02/2024"}, True),
    ("143", "episodes", {"RNE": "S"}, False),
    ("143", "episodes", {"RNE": "Q"}, True),
    ("144", "episodes", {"LS": "C2"}, False),
    ("144", "episodes", {"LS": "ZZ"}, True),
    ("145", "episodes", {"CIN": "N1"}, False),
    ("145", "episodes", {"CIN": "N0"}, True),
    ("146", "episodes", {"PLACE": "K1"}, False),
    ("146", "episodes", {"PLACE": "XX"}, True),
    ("147", "episodes", {"DEC": "01/06/2024"}, False),
    ("147", "episodes", {"DEC": "32/06/2024"}, True),
    ("148", "episodes", {"DEC": "", "REC": ""}, False),
    ("148", "episodes", {"DEC": "", "REC": "X1"}, True),
    ("148", "episodes", {"DEC": "01/06/2024", "REC": ""}, True),
    ("148", "episodes", {"DEC": "31/02/2024", "REC": ""}, True),  # a date refused
    ("149", "episodes", {"REC": "X1"}, False),
    ("149", "episodes", {"REC": "QQ"}, True),
    ("356", "episodes", {"DEC": "01/06/2024"}, False),
    ("356", "episodes", {"DEC": "01/04/2024"}, True),
    ("1009", "episodes", {"REASON_PLACE_CHANGE": "CLOSE"}, False),
    ("1009", "episodes", {"REASON_PLACE_CHANGE": "NOPE"}, True),
]


def _csv(row: dict[str, str]) -> bytes:
    return (",".join(row) + "\n" + ",".join(row.values()) + "\n").encode()


def validate_return(
    header: dict[str, str], episode: dict[str, str]
) -> list[FileReport]:
    options = ValidateOptions(keep_tables=False, dfe_rules=True, year=2025)
    reports = [
        validate_bytes("header.csv", _csv(header), options),
        validate_bytes("episodes.csv", _csv(episode), options),
    ]
    apply_rules(reports)
    return reports


def test_every_rule_has_a_passing_and_a_failing_case() -> None:
    cases = {(code, fails) for code, _, _, fails in CASES}
    assert cases == {(rule.code, fails) for rule in RULES for fails in (True, False)}


@pytest.mark.parametrize(("code", "table", "cells", "fails"), CASES)
def test_a_rule_fails_only_the_row_that_breaks_it(
    code: str, table: str, cells: dict[str, str], fails: bool
) -> None:
    header = {**HEADER, **cells} if table == "header" else HEADER
    episode = {**EPISODE, **cells} if table == "episodes" else EPISODE
    reports = validate_return(header, episode)
    broken = {
        (issue["rule"], issue["table"], issue["row"])
        for report in reports
        for issue in report.issues.to_dicts()
        if issue["code"] == "dfe_rule"
    }
    assert ((code, table, 2) in broken) is fails
    rule = next(r for r in RULES if r.code == code)
    if fails:
        issue = next(
            i
            for report in reports
            for i in report.issues.to_dicts()
            if i["rule"] == code
        )
        assert issue["message"] == rule.message
        assert issue["severity"] == "error"
        assert issue["column"] == ", ".join(rule.columns)


def test_each_file_says_which_rules_ran() -> None:
    reports = validate_return(HEADER, {**EPISODE, "RNE": "Q"})
    for report in reports:
        assert report.rules is not None
        assert set(report.rules.ran) == {rule.code for rule in RULES}
    episodes = reports[1].rules
    assert episodes is not None
    assert (episodes.failed, episodes.rows) == (1, 1)
    assert episodes.summary().startswith("DfE rules: 11 run, 1 failed on 1 rows")
    assert reports[1].to_json()["dfe_rules"] == {
        "run": list(episodes.ran),
        "not_run": {},
        "failed": 1,
        "rows": 1,
        "every_rule": False,
    }
    assert episodes.summary().endswith("the DfE's other rules are not checked yet")


def test_a_rule_whose_table_is_missing_is_not_run_and_said_so() -> None:
    options = ValidateOptions(keep_tables=False, dfe_rules=True, year=2025)
    reports = [validate_bytes("header.csv", _csv(HEADER), options)]
    apply_rules(reports)
    rules = reports[0].rules
    assert rules is not None
    assert rules.ran == ("103",)
    assert rules.not_run["143"] == "needs the episodes table"
    assert "not run (missing tables)" in rules.summary()
