"""The middle of a session, for one file: minimise, enrich, pseudonymise/degrade.

Pure over frames (the session does the I/O): each conformed table is cut down to
the columns some use case in force needs, enriched (LA, year, age, school year,
placement distance and authority) from the full values, then protected once per use
case under its own rules. Enriching can find issues for the authority (postcodes the
ONS Postcode Directory does not have): :func:`enrich_table` returns them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import polars as pl

from cld.engine.issues import empty_issues
from cld.engine.readers.table import ROW
from cld.engine.spec.load import load_spec
from cld.engine.spec.model import IDENTIFIERS, PersonalData, TableSpec
from cld.engine.transforms.derived import (
    DERIVED,
    birth_date_column,
    postcode_columns,
)
from cld.engine.transforms.enrich import enrich, reference_date
from cld.engine.transforms.postcodes import unknown_postcode_issues
from cld.engine.transforms.protect import Rules, needed_columns, protect
from cld.engine.transforms.pseudonymise import Pseudonymiser
from cld.engine.transforms.treatments import Treatment
from cld.engine.validate import FileReport
from cld.governance.policy import Policy


@dataclass(frozen=True)
class SessionTable:
    """One table of one file as it moves through the session (each step makes a
    new one)."""

    file: str
    dataset: str
    year: int
    term: str | None
    table: str
    spec: TableSpec
    rules: dict[str, Rules]
    """The rules of each use case in force that keeps this table."""
    frame: pl.DataFrame
    """After :func:`minimise`, with :data:`ROW` (each row's number as the council
    sees it) when enriching needs it to locate issues; :func:`enrich_table` drops
    it."""
    degraded: dict[str, pl.DataFrame] = field(default_factory=dict)
    """After :func:`protect_table`, the table as each use case receives it."""

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
        kept = frame.select(columns)
        if _wants_postcodes(rules):
            rows = _row_numbers(report, name, frame)
            if rows is not None:
                kept = kept.with_columns(rows.alias(ROW))
        tables.append(
            SessionTable(
                file=report.file,
                dataset=report.dataset,
                year=report.year,
                term=report.term,
                table=name,
                spec=spec.tables[name],
                rules=rules,
                frame=kept,
            )
        )
    return tables


def _wants_postcodes(rules: Mapping[str, Rules]) -> bool:
    """Whether a use case keeps a column worked out from the postcodes."""
    return any(
        c in DERIVED and DERIVED[c].needs_postcodes and t != Treatment.DROP
        for rule in rules.values()
        for c, t in rule.items()
    )


def _row_numbers(
    report: FileReport, table: str, frame: pl.DataFrame
) -> pl.Series | None:
    """Each conformed row's number as the council sees it (spreadsheet row or XML
    line), when the report has them for every row."""
    rows = report.rows.get(table)
    return rows if rows is not None and rows.len() == frame.height else None


def enrich_table(
    table: SessionTable, la: str, *, la_ons: str | None = None
) -> tuple[SessionTable, pl.DataFrame]:
    """``table`` with the platform's columns added, and the issues found doing
    so: an ``unknown_postcode`` warning for each home or placement postcode the
    ONS Postcode Directory does not have, when a use case keeps a column worked
    out from them. ``la_ons`` is the authority's ONS code."""
    wanted = frozenset(c for rules in table.rules.values() for c in rules)
    postcodes = postcode_columns(table.spec)
    issues = empty_issues()
    if postcodes is not None and _wants_postcodes(table.rules):
        issues = unknown_postcode_issues(
            table.frame,
            table.table,
            postcodes,
            row_column=ROW,
            labels={c: table.spec.columns[c].label for c in postcodes},
        )
    frame = enrich(
        table.frame.drop(ROW, strict=False),
        la=la,
        year=table.year,
        on=reference_date(table.year, table.term),
        birth_column=birth_date_column(table.spec),
        wanted=wanted,
        la_ons=la_ons,
        postcodes=postcodes,
    )
    return replace(table, frame=frame), issues


def protect_table(
    table: SessionTable, la: str, pseudonyms: Pseudonymiser
) -> SessionTable:
    """``table`` with its frame protected once per use case, under its rules."""
    return replace(
        table,
        degraded={
            use_case: protect(
                table.frame, table.spec, rules, la=la, pseudonyms=pseudonyms
            )
            for use_case, rules in table.rules.items()
        },
    )


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
