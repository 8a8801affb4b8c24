"""Each SSDA903 DfE rule the platform has, on a return that passes it and one
that breaks it, through ``cld validate``'s path (a return's files together)."""

from __future__ import annotations

import pytest

from cld.engine.rules.returns import apply_rules
from cld.engine.rules.ssda903 import RULES
from cld.engine.spec.load import load_spec
from cld.engine.spec.model import CategoryColumn
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


def _code(table: str, column: str) -> str:
    """A valid code of ``column`` in 2024-25."""
    found = load_spec("ssda903", 2025).tables[table].columns[column]
    assert isinstance(found, CategoryColumn)
    return str(next(iter(found.codes)))


# The other tables' rules: (rule, table, a row's cells, whether it breaks the rule).
OTHER_TABLES: dict[str, dict[str, str]] = {
    "uasc": {"CHILD": "C1", "DOB": "01/02/2010", "SEX": "1", "DUC": ""},
    "ad1": {
        "CHILD": "C1",
        "DOB": "01/02/2010",
        "DATE_INT": "01/06/2024",
        "DATE_MATCH": "01/07/2024",
        "FOSTER_CARE": "0",
        "NB_ADOPTR": "1",
        "SEX_ADOPTR": _code("ad1", "SEX_ADOPTR"),
        "LS_ADOPTR": _code("ad1", "LS_ADOPTR"),
    },
    "placed_adoption": {
        "CHILD": "C1",
        "DOB": "01/02/2010",
        "DATE_PLACED": "01/06/2024",
        "DATE_PLACED_CEASED": "",
        "REASON_PLACED_CEASED": "",
    },
    "missing": {
        "CHILD": "C1",
        "DOB": "01/02/2010",
        "MISSING": _code("missing", "MISSING"),
        "MIS_START": "01/06/2024",
        "MIS_END": "",
    },
    "oc2": {
        "CHILD": "C1",
        "DOB": "01/02/2010",
        "SDQ_SCORE": "",
        "SDQ_REASON": "",
        "CONVICTED": "0",
        "HEALTH_CHECK": "1",
        "IMMUNISATIONS": "1",
        "TEETH_CHECK": "1",
        "HEALTH_ASSESSMENT": "1",
        "SUBSTANCE_MISUSE": "0",
        "INTERVENTION_RECEIVED": "",
        "INTERVENTION_OFFERED": "",
    },
    "social_worker": {
        "CHILD": "C1",
        "DOB": "01/02/2010",
        "SW_ID": "SW1",
        "SW_DECOM": "01/06/2024",
        "SW_DEC": "",
        "SW_REASON": "",
    },
}
CASES += [
    ("101", "header", {"SEX": "F"}, False),
    ("101", "header", {"SEX": "1"}, True),  # 2024-25 wants M, F or U
    ("101", "header", {"SEX": ""}, True),
    ("102", "header", {"DOB": "01/02/2010"}, False),
    ("102", "header", {"DOB": "31/02/2010"}, True),
    ("102", "header", {"DOB": ""}, True),
    ("171", "header", {"MC_DOB": ""}, False),
    ("171", "header", {"MC_DOB": "31/02/2020"}, True),
    ("104", "uasc", {"DUC": ""}, False),
    ("104", "uasc", {"DUC": "01/05/2024"}, False),
    ("104", "uasc", {"DUC": "31/02/2024"}, True),
    ("104", "uasc", {"DUC": "01/03/2024"}, True),  # before the year began
    ("112", "ad1", {"DATE_INT": "01/06/2024"}, False),
    ("112", "ad1", {"DATE_INT": "31/02/2024"}, True),
    ("113", "ad1", {"DATE_MATCH": "01/07/2024"}, False),
    ("113", "ad1", {"DATE_MATCH": "31/02/2024"}, True),
    ("175", "ad1", {"NB_ADOPTR": "2"}, False),
    ("175", "ad1", {"NB_ADOPTR": "3"}, True),
    ("176", "ad1", {}, False),
    ("176", "ad1", {"SEX_ADOPTR": "XX"}, True),
    ("177", "ad1", {}, False),
    ("177", "ad1", {"LS_ADOPTR": "XX"}, True),
    ("115", "placed_adoption", {"DATE_PLACED": "01/06/2024"}, False),
    ("115", "placed_adoption", {"DATE_PLACED": "31/02/2024"}, True),
    ("116", "placed_adoption", {"DATE_PLACED_CEASED": ""}, False),
    ("116", "placed_adoption", {"DATE_PLACED_CEASED": "31/02/2024"}, True),
    ("120", "placed_adoption", {"REASON_PLACED_CEASED": ""}, False),
    ("120", "placed_adoption", {"REASON_PLACED_CEASED": "XX"}, True),
    ("196", "oc2", {"SDQ_REASON": ""}, False),
    ("196", "oc2", {"SDQ_REASON": "XX"}, True),
    ("1004", "missing", {"MIS_START": "01/06/2024"}, False),
    ("1004", "missing", {"MIS_START": ""}, True),
    ("1004", "missing", {"MIS_START": "31/02/2024"}, True),
    ("1005", "missing", {"MIS_END": ""}, False),
    ("1005", "missing", {"MIS_END": "31/02/2024"}, True),
    ("SW04STG1", "social_worker", {"SW_DECOM": "01/06/2024"}, False),
    ("SW04STG1", "social_worker", {"SW_DECOM": "31/02/2024"}, True),
    ("SW05STG1", "social_worker", {"SW_DEC": ""}, False),
    ("SW05STG1", "social_worker", {"SW_DEC": "31/02/2024"}, True),
]


def _csv(row: dict[str, str]) -> bytes:
    return (",".join(row) + "\n" + ",".join(row.values()) + "\n").encode()


def validate_return(
    header: dict[str, str],
    episode: dict[str, str],
    other: tuple[str, dict[str, str]] | None = None,
) -> list[FileReport]:
    """The files of a 2024-25 return: a header, an episodes table and perhaps
    another, a row each, validated together."""
    options = ValidateOptions(keep_tables=False, dfe_rules=True, year=2025)
    files = [("header", header), ("episodes", episode), *([other] if other else [])]
    reports = [
        validate_bytes(f"ssda903 2425 {name}.csv", _csv(row), options)
        for name, row in files
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
    other = (table, {**OTHER_TABLES[table], **cells}) if table in OTHER_TABLES else None
    reports = validate_return(header, episode, other)
    assert all(report.error is None for report in reports)
    broken = {
        (issue["rule"], issue["table"], issue["row"])
        for report in reports
        for issue in report.issues.to_dicts()
        if issue["code"] == "dfe_rule"
    }
    assert ((code, table, 2) in broken) is fails
    rule = next(r for r in RULES if r.code == code and r.in_force(2025))
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
        assert set(report.rules.ran) == {
            rule.code for rule in RULES if set(rule.reads) <= {"header", "episodes"}
        }
    episodes = reports[1].rules
    assert episodes is not None
    assert (episodes.failed, episodes.rows) == (1, 1)
    ran = len(episodes.ran)
    assert episodes.summary().startswith(f"DfE rules: {ran} run, 1 failed on 1 rows")
    assert reports[1].to_json()["dfe_rules"] == {
        "run": list(episodes.ran),
        "not_run": {},
        "failed": 1,
        "rows": 1,
        "every_rule": False,
    } | {"not_run": episodes.to_json()["not_run"]}
    assert episodes.not_run["104"] == "needs the uasc table"
    assert episodes.summary().endswith("the DfE's other rules are not checked yet")


def test_a_rule_whose_table_is_missing_is_not_run_and_said_so() -> None:
    options = ValidateOptions(keep_tables=False, dfe_rules=True, year=2025)
    reports = [validate_bytes("header.csv", _csv(HEADER), options)]
    apply_rules(reports)
    rules = reports[0].rules
    assert rules is not None
    assert set(rules.ran) == {"101", "102", "103", "171"}
    assert rules.not_run["143"] == "needs the episodes table"
    assert "not run (missing tables)" in rules.summary()
