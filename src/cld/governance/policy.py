"""The processing policy: every use case, versioned as one document.

The defaults ship in ``use_cases/*.yaml``; the registry keeps every later version
with who changed it, when and why. :func:`check_policy` is the rule book: a policy
that would let a raw identifier, a full date of birth or a full postcode out, or
that names a column no schema has, is refused with every problem listed.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cld.engine.disclosure import RULES
from cld.engine.errors import PolicyError
from cld.engine.spec.load import dataset_names, load_spec, year_range
from cld.engine.spec.model import ColumnSpec, PersonalData
from cld.engine.transforms.derived import (
    DERIVED,
    HOME_POSTCODE,
    PLACEMENT_POSTCODE,
    birth_date_column,
    postcode_columns,
)
from cld.engine.transforms.treatments import Treatment, allowed_treatments
from cld.governance.use_case import UseCase


class Policy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    use_cases: dict[str, UseCase]
    unshared_session_days: int = Field(default=90, ge=0)
    """How long a session that fed no use case is kept (so its LA can read the
    issue report) before retention deletes it."""

    def document(self) -> dict[str, Any]:
        """The policy as plain data (what the registry stores and hashes)."""
        return self.model_dump(mode="json")

    @property
    def sha256(self) -> str:
        text = json.dumps(self.document(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def use_case(self, name: str) -> UseCase:
        try:
            return self.use_cases[name]
        except KeyError:
            known = ", ".join(sorted(self.use_cases))
            raise PolicyError(
                f"unknown use case {name!r}; the use cases are {known}"
            ) from None


def policy_from_document(data: Any, *, check: bool = True) -> Policy:
    """A policy from plain data (YAML or JSON), checked; :class:`PolicyError` lists
    every problem. ``check=False`` skips the rules for a document that was checked
    when it was stored (the registry's versions), which saves reading every schema
    year on each command."""
    listed = data.get("use_cases") if isinstance(data, dict) else None
    if isinstance(listed, list):
        if not all(isinstance(u, dict) for u in listed):
            raise PolicyError(
                "the policy is not valid:\n- use_cases: each use case is a mapping "
                "with its name, title, purpose and datasets"
            )
        data = {**data, "use_cases": {u.get("name"): u for u in listed}}
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        ]
        raise PolicyError(
            "the policy is not valid:\n- " + "\n- ".join(problems)
        ) from None
    if check:
        check_policy(policy)
    return policy


def policy_from_yaml(text: str) -> Policy:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"the policy file is not valid YAML: {exc}") from None
    return policy_from_document(data)


def policy_to_yaml(policy: Policy) -> str:
    return yaml.safe_dump(policy.document(), sort_keys=False, allow_unicode=True)


@cache
def default_policy() -> Policy:
    """The policy shipped with the platform (``use_cases/*.yaml``)."""
    folder = resources.files("cld.governance") / "use_cases"
    use_cases = [
        yaml.safe_load(entry.read_text("utf-8"))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".yaml")
    ]
    return policy_from_document({"use_cases": use_cases})


@cache
def schema_columns(dataset: str, table: str) -> dict[str, ColumnSpec]:
    """Every column a table has had in any year (the latest definition wins)."""
    columns: dict[str, ColumnSpec] = {}
    for year in year_range(dataset):
        spec = load_spec(dataset, year)
        if table in spec.tables:
            columns.update(spec.tables[table].columns)
    return columns


@cache
def schema_tables(dataset: str) -> frozenset[str]:
    return frozenset(
        name for year in year_range(dataset) for name in load_spec(dataset, year).tables
    )


def check_policy(policy: Policy) -> None:
    """Raise :class:`PolicyError` listing every rule the policy breaks."""
    problems: list[str] = []
    for name, use_case in policy.use_cases.items():
        if name != use_case.name:
            problems.append(f"{name}: the use case calls itself {use_case.name!r}")
        if use_case.disclosure not in RULES:
            problems.append(
                f"{name}: no disclosure rule {use_case.disclosure!r}; the rules are "
                f"{', '.join(sorted(RULES))}"
            )
        for dataset, tables in use_case.datasets.items():
            if dataset not in dataset_names():
                problems.append(f"{name}: no dataset {dataset!r}")
                continue
            for table, rules in tables.items():
                where = f"{name}: {dataset}.{table}"
                if table not in schema_tables(dataset):
                    problems.append(f"{where}: {dataset} has no table {table!r}")
                    continue
                problems.extend(_table_problems(where, use_case, dataset, table, rules))
    if problems:
        raise PolicyError("the policy is not allowed:\n- " + "\n- ".join(problems))


def _table_problems(
    where: str, use_case: UseCase, dataset: str, table: str, rules: dict[str, Any]
) -> list[str]:
    problems: list[str] = []
    columns = schema_columns(dataset, table)
    specs = [
        load_spec(dataset, y).tables[table]
        for y in year_range(dataset)
        if table in load_spec(dataset, y).tables
    ]
    has_birth_date = any(birth_date_column(s) is not None for s in specs)
    has_postcodes = any(postcode_columns(s) is not None for s in specs)
    for column, rule in rules.items():
        treatment = rule.treatment
        if column in DERIVED:
            derived = DERIVED[column]
            if column in columns:
                problems.append(f"{where}.{column}: also a column of the return")
            elif treatment not in (Treatment.KEEP, Treatment.DROP):
                problems.append(
                    f"{where}.{column}: an added column is kept or dropped, not "
                    f"{treatment.value}"
                )
            elif derived.needs_birth_date and not has_birth_date:
                problems.append(
                    f"{where}.{column}: the table has no date of birth to work it out"
                )
            elif derived.needs_postcodes and not has_postcodes:
                problems.append(
                    f"{where}.{column}: the table has no home and placement postcodes "
                    f"({HOME_POSTCODE}, {PLACEMENT_POSTCODE}) to work it out"
                )
            continue
        if column not in columns:
            problems.append(f"{where}: no column {column!r} in any year")
            continue
        spec = columns[column]
        allowed = allowed_treatments(spec)
        if treatment not in allowed:
            kind = spec.personal.value.replace("_", " ") if spec.personal else spec.type
            options = ", ".join(sorted(t.value for t in allowed))
            problems.append(
                f"{where}.{column} ({kind}) cannot be {treatment.value}; "
                f"allowed: {options}"
            )
        if (
            spec.personal == PersonalData.NATIONAL_IDENTIFIER
            and treatment == Treatment.PSEUDONYMISE
            and not use_case.linkage
        ):
            problems.append(
                f"{where}.{column} links a child across authorities: drop it, or "
                "set linkage: true for this use case"
            )
    return problems
