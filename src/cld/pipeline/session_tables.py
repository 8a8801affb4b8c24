"""The middle of a session, for one file: minimise, enrich, pseudonymise/degrade.

Pure over frames (the session does the I/O): each conformed table is cut down to
the columns some use case in force needs, enriched (LA, year, age, school year)
from the full values, then protected once per use case under its own rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

from cld.engine.spec.load import load_spec
from cld.engine.spec.model import IDENTIFIERS, PersonalData, TableSpec
from cld.engine.transforms.derived import birth_date_column
from cld.engine.transforms.enrich import enrich, reference_date
from cld.engine.transforms.protect import Rules, needed_columns, protect
from cld.engine.transforms.pseudonymise import Pseudonymiser
from cld.engine.validate import FileReport
from cld.governance.policy import Policy


@dataclass
class SessionTable:
    """One table of one file as it moves through the session."""

    file: str
    dataset: str
    year: int
    term: str | None
    table: str
    spec: TableSpec
    rules: dict[str, Rules]
    """The rules of each use case in force that keeps this table."""
    frame: pl.DataFrame
    degraded: dict[str, pl.DataFrame] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.dataset, self.year, self.table)


def use_case_rules(
    policy: Policy, use_cases: frozenset[str], dataset: str, table: str
) -> dict[str, Rules]:
    found: dict[str, Rules] = {}
    for name in sorted(use_cases):
        kept = policy.use_case(name).kept(dataset, table)
        if kept:
            found[name] = {column: rule.treatment for column, rule in kept.items()}
    return found


def minimise(
    report: FileReport, policy: Policy, use_cases: frozenset[str]
) -> list[SessionTable]:
    """The tables of ``report`` that a use case in force needs, with only the
    columns needed; every other table and column goes no further."""
    assert report.dataset is not None and report.year is not None
    spec = load_spec(report.dataset, report.year)
    tables = []
    for name, frame in report.conformed.items():
        rules = use_case_rules(policy, use_cases, report.dataset, name)
        if not rules:
            continue
        columns = needed_columns(spec.tables[name], rules.values())
        tables.append(
            SessionTable(
                file=report.file,
                dataset=report.dataset,
                year=report.year,
                term=report.term,
                table=name,
                spec=spec.tables[name],
                rules=rules,
                frame=frame.select(columns),
            )
        )
    return tables


def enrich_table(table: SessionTable, la: str) -> None:
    wanted = frozenset(c for rules in table.rules.values() for c in rules)
    table.frame = enrich(
        table.frame,
        la=la,
        year=table.year,
        on=reference_date(table.year, table.term),
        birth_column=birth_date_column(table.spec),
        wanted=wanted,
    )


def protect_table(table: SessionTable, la: str, pseudonyms: Pseudonymiser) -> None:
    table.degraded = {
        use_case: protect(table.frame, table.spec, rules, la=la, pseudonyms=pseudonyms)
        for use_case, rules in table.rules.items()
    }


def child_column(spec: TableSpec, kept: Mapping[str, object]) -> str | None:
    """The column naming the child (or worker) a row is about, if kept."""
    for preferred in (PersonalData.IDENTIFIER, PersonalData.WORKER_IDENTIFIER):
        for name, column in spec.columns.items():
            if column.personal == preferred and name in kept:
                return name
    for name, column in spec.columns.items():
        if column.personal in IDENTIFIERS and name in kept:
            return name
    return None


def children_in(frame: pl.DataFrame, spec: TableSpec) -> int | None:
    column = child_column(spec, dict.fromkeys(frame.columns))
    return None if column is None else frame.get_column(column).drop_nulls().n_unique()
