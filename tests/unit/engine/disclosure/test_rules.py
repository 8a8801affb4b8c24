"""The shipped disclosure rules, their notes and the GSS symbols."""

from __future__ import annotations

import dataclasses

import pytest

from cld.engine.disclosure import (
    CONFIDENTIAL,
    LOW,
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    RULES,
    DisclosureRule,
    rule_named,
)
from cld.engine.errors import UsageError


def test_the_dfe_rule_suppresses_up_to_5_and_rounds_london_to_10() -> None:
    rule = rule_named("dfe")
    assert (rule.name, rule.threshold, rule.round_to, rule.total_round_to) == (
        "dfe",
        5,
        1,
        10,
    )
    assert "1 to 5" in rule.description
    assert "nearest 10" in rule.description
    assert "[c]" in rule.description


def test_the_strict_rule_suppresses_up_to_7_and_rounds_everything_to_5() -> None:
    rule = rule_named("strict")
    assert (rule.name, rule.threshold, rule.round_to, rule.total_round_to) == (
        "strict",
        7,
        5,
        5,
    )
    assert "1 to 7" in rule.description
    assert "nearest 5" in rule.description


def test_only_the_two_rules_ship_and_each_is_one_sentence() -> None:
    assert sorted(RULES) == ["dfe", "strict"]
    for name, rule in RULES.items():
        assert rule.name == name
        assert rule.description.endswith(".")
        assert rule.description.count(". ") == 0


def test_an_unknown_rule_name_is_a_usage_error_listing_the_names() -> None:
    with pytest.raises(UsageError) as caught:
        rule_named("ons")
    message = str(caught.value)
    assert "'ons'" in message
    assert "dfe" in message
    assert "strict" in message


def test_a_rule_cannot_be_changed_once_made() -> None:
    rule = rule_named("dfe")
    with pytest.raises(dataclasses.FrozenInstanceError):
        rule.threshold = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("threshold", "round_to", "total_round_to", "named"),
    [(-1, 1, 10, "threshold"), (5, 0, 10, "round_to"), (5, 1, 0, "total_round_to")],
)
def test_a_rule_with_impossible_numbers_is_refused(
    threshold: int, round_to: int, total_round_to: int, named: str
) -> None:
    with pytest.raises(UsageError, match=named):
        DisclosureRule("odd", threshold, round_to, total_round_to, "Odd.")


def test_the_gss_symbols() -> None:
    assert (CONFIDENTIAL, NOT_AVAILABLE, NOT_APPLICABLE, LOW) == (
        "[c]",
        "[x]",
        "[z]",
        "[low]",
    )
