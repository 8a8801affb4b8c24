"""The policy's rules: nothing personal leaves unprotected, nothing unknown named."""

from __future__ import annotations

from typing import Any

import pytest

from cld.engine.errors import PolicyError
from cld.governance.policy import (
    default_policy,
    policy_from_document,
    policy_from_yaml,
    policy_to_yaml,
)


def _with(
    table_rules: dict[str, Any],
    *,
    dataset: str = "ssda903",
    table: str = "header",
    linkage: bool = False,
) -> dict[str, Any]:
    document = default_policy().document()
    use_case = document["use_cases"]["sufficiency"]
    use_case["linkage"] = linkage
    use_case["datasets"] = {dataset: {table: table_rules}}
    return document


def test_the_default_policy_is_allowed_and_round_trips() -> None:
    policy = default_policy()
    assert sorted(policy.use_cases) == ["equalities", "pan", "sufficiency"]
    again = policy_from_yaml(policy_to_yaml(policy))
    assert again.sha256 == policy.sha256
    assert policy.use_case("pan").linkage
    kept = policy.use_case("sufficiency").kept("ssda903", "episodes")
    assert kept["HOME_POST"].treatment == "postcode_district"


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"CHILD": "keep"}, r"header\.CHILD \(identifier\) cannot be keep"),
        ({"DOB": "keep"}, r"DOB \(date of birth\) cannot be keep"),
        ({"UPN": "pseudonymise"}, r"UPN links a child across authorities"),
        ({"SEX": "pseudonymise"}, r"SEX \(category\) cannot be pseudonymise"),
        ({"NOPE": "keep"}, r"no column 'NOPE'"),
        ({"AGE": "first_of_month"}, r"an added column is kept or dropped"),
    ],
)
def test_rules_that_would_leak_are_refused(rules: dict[str, Any], message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        policy_from_document(_with(rules))


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(PolicyError) as caught:
        policy_from_document(_with({"CHILD": "keep", "DOB": "keep", "NOPE": "keep"}))
    assert str(caught.value).count("\n- ") == 3


def test_postcodes_and_unknown_tables_and_age_without_a_birth_date() -> None:
    with pytest.raises(PolicyError, match="HOME_POST.*cannot be keep"):
        policy_from_document(_with({"HOME_POST": "keep"}, table="episodes"))
    with pytest.raises(PolicyError, match="has no table 'nope'"):
        policy_from_document(_with({"CHILD": "drop"}, table="nope"))
    with pytest.raises(PolicyError, match="no date of birth"):
        policy_from_document(_with({"AGE": "keep"}, table="episodes"))
    with pytest.raises(PolicyError, match="no dataset"):
        policy_from_document(_with({"x": "keep"}, dataset="nope"))


def test_linkage_allows_a_national_pseudonym_and_names_are_always_dropped() -> None:
    policy = policy_from_document(_with({"UPN": "pseudonymise"}, linkage=True))
    assert policy.use_case("sufficiency").kept("ssda903", "header")
    with pytest.raises(PolicyError, match="Allocated Worker.*cannot be keep"):
        policy_from_document(
            _with({"Allocated Worker": "keep"}, dataset="annex_a", table="list_3")
        )


def test_badly_shaped_policies_are_refused_plainly() -> None:
    with pytest.raises(PolicyError, match="not valid YAML"):
        policy_from_yaml("use_cases: [")
    with pytest.raises(PolicyError, match="retention_years"):
        document = default_policy().document()
        document["use_cases"]["pan"]["retention_years"] = 0
        policy_from_document(document)
    with pytest.raises(PolicyError, match="unknown use case 'nope'"):
        default_policy().use_case("nope")


@pytest.mark.parametrize(
    ("where", "shape"),
    [("pan.datasets.ssda903", ["episodes"]), ("pan.datasets.ssda903.episodes", "x")],
)
def test_a_list_or_a_word_where_a_mapping_is_due_is_named(
    where: str, shape: Any
) -> None:
    document = default_policy().document()
    use_case, _, dataset, *table = where.split(".")
    rules = document["use_cases"][use_case]["datasets"]
    if table:
        rules[dataset][table[0]] = shape
    else:
        rules[dataset] = shape
    with pytest.raises(PolicyError, match=rf"use_cases\.{where}: Input should be"):
        policy_from_document(document)


def test_an_unknown_disclosure_rule_is_refused() -> None:
    document = default_policy().document()
    document["use_cases"]["pan"]["disclosure"] = "lenient"
    with pytest.raises(PolicyError, match="no disclosure rule 'lenient'"):
        policy_from_document(document)
    document["use_cases"]["pan"]["disclosure"] = "strict"
    assert policy_from_document(document).use_case("pan").disclosure == "strict"
