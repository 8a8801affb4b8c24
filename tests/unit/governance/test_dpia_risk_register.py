"""The DPIA risk register is data (``dpia_risks.yaml``): it ships with the package,
and a malformed entry is refused with an error naming the risk, the measure and the
field."""

from __future__ import annotations

import copy
import fnmatch
import tomllib
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from cld.engine.errors import ExitCode, SchemaDefinitionError, exit_code_for
from cld.governance.dpia_risk_register import (
    SHIPPED,
    RegisterFacts,
    RiskRegisterError,
    filled,
    read_risk_register,
    shipped_risk_register,
)
from cld.governance.dpia_risks import Risk, Safe

ROOT = Path(__file__).resolve().parents[3]


def shipped_data() -> dict[str, Any]:
    text = (resources.files("cld.governance") / SHIPPED).read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def test_the_register_ships_as_package_data_beside_the_use_cases():
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"][
        "setuptools"
    ]["package-data"]["cld.governance"]
    assert any(fnmatch.fnmatch(SHIPPED, p) for p in patterns)
    register = shipped_risk_register()
    assert len(register.risks) == 6
    assert {m.safe for r in register.risks for m in r.measures} == set(Safe)


def fill(facts: RegisterFacts) -> tuple[Risk, ...]:
    return tuple(filled(entry, facts) for entry in shipped_risk_register().risks)


def test_facts_are_filled_in_and_an_empty_one_takes_its_other_wording():
    with_facts = fill(
        RegisterFacts(
            linked_use_cases="Pan-London benchmarking",
            retention_periods="Pan-London benchmarking: 7 years",
            unshared_session_days="30",
        )
    )
    texts = " ".join(m.text for r in with_facts for m in r.measures)
    assert "marked for linkage (Pan-London benchmarking)" in texts
    assert "year (Pan-London benchmarking: 7 years)" in texts
    assert "deleted after 30 days" in texts
    assert "{" not in texts
    empty = fill(
        RegisterFacts(
            linked_use_cases="", retention_periods="", unshared_session_days="0"
        )
    )
    texts = " ".join(m.text for r in empty for m in r.measures)
    assert "No use case the authority has signed keeps national identifiers" in texts
    assert "none yet, as the authority has signed no use case" in texts
    assert "marked for linkage" not in texts


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        target = data
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return change


def _drop(path: tuple[Any, ...]) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        target = data
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]

    return change


LINKING = "risk 2 (Re-identification by linking the pooled records with other data)"
SMALL = "risk 1 (Re-identification through small numbers in published figures)"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            _set(("risks", 1, "measures", 2, "safe"), "safe dta"),
            f"{LINKING}, measure 3: safe 'safe dta' is not one of safe people",
        ),
        (_drop(("risks", 0, "severity")), f"{SMALL}: severity missing"),
        (
            _set(("risks", 0, "likelihood"), "likely"),
            f"{SMALL}: likelihood 'likely' is not one of remote, possible, probable",
        ),
        (
            _set(("risks", 0, "sevrity"), "severe"),
            f"{SMALL}: unknown field sevrity",
        ),
        (
            _set(("risks", 0, "effect"), None),
            f"{SMALL}: effect None is not one of eliminated, reduced, accepted",
        ),
        (_set(("risks", 0, "title"), " "), "risk 1: title must be some text"),
        (_set(("risks", 0, "measures"), []), f"{SMALL}: measures is a list"),
        (
            _set(("risks", 0, "measures", 0, "text"), "Counts of {count} hidden."),
            f"{SMALL}, measure 1, text: {{count}} is not a fact",
        ),
        (
            _set(("risks", 0, "measures", 0, "text"), "A brace { alone."),
            f"{SMALL}, measure 1, text: expected '}}' before end of string",
        ),
        (
            _set(("risks", 0, "measures", 0, "when_empty"), {"retention_periods": "x"}),
            f"{SMALL}, measure 1: when_empty names 'retention_periods', which the "
            "text does not",
        ),
        (
            _set(("risks", 1, "measures", 1, "when_empty", "linked_use_cases"), None),
            f"{LINKING}, measure 2, when_empty: linked_use_cases must be some text",
        ),
        (
            _set(("risks", 3, "residual_likelihood"), "probable"),
            "risk 4 (One authority seeing another authority's data): the residual "
            "risk (high) is higher than the risk before the measures (medium)",
        ),
        (
            _set(("risks", 3, "title"), "Reversal of pseudonyms"),
            "more than one risk is titled",
        ),
        (_set(("risks",), {}), "risks is a list of one or more risks"),
        (_set(("use_cases",), []), "the file holds one key, risks"),
        (_set(("risks", 3), "a risk"), "risk 4: a risk is a mapping"),
    ],
)
def test_a_malformed_entry_is_refused_naming_the_risk_and_the_field(change, expected):
    data = copy.deepcopy(shipped_data())
    change(data)
    with pytest.raises(RiskRegisterError) as raised:
        read_risk_register(yaml.safe_dump(data, sort_keys=False))
    assert str(raised.value).startswith(f"{SHIPPED}: ")
    assert expected in str(raised.value)


def test_a_register_that_is_not_yaml_is_a_fault_in_the_platforms_data():
    with pytest.raises(RiskRegisterError, match="is not valid YAML") as raised:
        read_risk_register("risks: [", source="draft.yaml")
    assert isinstance(raised.value, SchemaDefinitionError)
    assert exit_code_for(raised.value) == ExitCode.SCHEMA
