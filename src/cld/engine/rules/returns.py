"""The DfE rules of the returns among a set of validated files.

A return is the files of one dataset and year: an SSDA903 return comes as a file
a table, and its rules read the tables together. Each rule's issues go to the
report of the file its table came from, with a summary of the rules on each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import polars as pl

from cld.engine.issues import IssueCode, concat_issues
from cld.engine.readers.table import ROW
from cld.engine.rules.run import rules_of, run_rules
from cld.engine.validate import FileReport

REFUSALS = (
    IssueCode.INVALID_CATEGORY,
    IssueCode.INVALID_DATE,
    IssueCode.DATE_OUT_OF_RANGE,
    IssueCode.INVALID_NUMBER,
    IssueCode.OUT_OF_RANGE,
    IssueCode.INVALID_PATTERN,
    IssueCode.INVALID_POSTCODE,
    IssueCode.TOO_LONG,
)
"""The conformer's issues that say a cell was refused, its value nulled (the
rules of validity read them)."""


def has_rules(dataset: str | None) -> bool:
    return dataset is not None and bool(rules_of(dataset))


def apply_rules(reports: Sequence[FileReport], *, keep_tables: bool = False) -> None:
    """Run the DfE rules of each return among ``reports`` (files read, of a
    dataset with rules, their tables kept) and add what they find to each file's
    issues and rules summary; the kept tables are then let go unless
    ``keep_tables`` (a session publishes them)."""
    returns: dict[tuple[str, int], list[list[FileReport]]] = defaultdict(list)
    for report in reports:
        if report.error is not None or not has_rules(report.dataset):
            continue
        if not report.conformed:  # not read here (a file unchanged since)
            continue
        assert report.dataset is not None and report.year is not None
        groups = returns[report.dataset, report.year]
        # a table given twice (two files of one table) is two returns
        home = next(
            (
                g
                for g in groups
                if not any(set(r.conformed) & set(report.conformed) for r in g)
            ),
            None,
        )
        if home is None:
            groups.append([report])
        else:
            home.append(report)
    for (dataset, year), groups in returns.items():
        for group in groups:
            _apply(dataset, year, group)
    if keep_tables:
        return
    for report in reports:
        report.conformed.clear()
        report.rows.clear()


def _apply(dataset: str, year: int, group: list[FileReport]) -> None:
    tables = {
        name: frame.with_columns(report.rows[name].alias(ROW))
        for report in group
        for name, frame in report.conformed.items()
    }
    codes = [str(code) for code in REFUSALS]
    refused = pl.concat([r.issues.filter(pl.col("code").is_in(codes)) for r in group])
    result = run_rules(dataset, year, tables, refused)
    for report in group:
        mine = result.issues.filter(pl.col("table").is_in(list(report.conformed)))
        report.issues = concat_issues([report.issues, mine]).sort(
            "row", nulls_last=False, maintain_order=True
        )
        report.rules = result.of_tables(list(report.conformed))
