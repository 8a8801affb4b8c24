"""Minimise and protect: the tables of the files that may be published, cut to
what the use cases in force need, enriched and protected per use case.

Each report is left as the engine made it: the issues found on the way (an empty
table kept, a postcode the ONS does not know) go into new reports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import polars as pl

from cld.engine.issues import Issue, IssueCode, concat_issues, issues_frame
from cld.engine.transforms.pseudonymise import Pseudonymiser
from cld.engine.validate import FileReport
from cld.engine.years import year_span
from cld.pipeline.session.context import SessionContext
from cld.pipeline.session.validate import Validated
from cld.pipeline.session_tables import (
    SessionTable,
    enrich_table,
    minimise,
    protect_table,
)

EMPTY_FILE_NOTE = (
    "the file has no rows in any table a use case needs, so nothing of it was "
    "shared and the tables already shared stay as they were; to take a year's "
    "data out, withdraw it (cld data withdraw)"
)
NOT_NEEDED_NOTE = "no use case in force for this authority needs its tables"


@dataclass(frozen=True)
class Protected:
    reports: tuple[FileReport, ...]
    """Each file's report, with the issues found since it was validated."""
    tables: tuple[SessionTable, ...]
    """The tables to archive and publish, each protected per use case."""
    notes: dict[str, str]
    """Per file nothing of which is published: why."""
    superseded: frozenset[str]
    """Files a table of which a later file of the upload replaced."""


def minimise_and_protect(context: SessionContext, validated: Validated) -> Protected:
    notes = dict(validated.notes)
    context.stage("minimise")
    minimised = [
        table
        for report in validated.reports
        if report.file not in notes
        for table in minimise(report, context.policy, context.use_cases)
    ]
    kept = [t for t in minimised if t.frame.height]
    empty = [t for t in minimised if not t.frame.height]
    notes.update(
        (file, EMPTY_FILE_NOTE)
        for file in dict.fromkeys(t.file for t in empty)
        if not any(t.file == file for t in kept)
    )
    tables = _keep_last(kept)
    last = {id(t) for t in tables}
    superseded = frozenset(t.file for t in kept if id(t) not in last)
    for report in validated.reports:
        if report.file not in notes and not any(
            t.file == report.file for t in (*tables, *empty)
        ):
            notes[report.file] = NOT_NEEDED_NOTE
    context.stage("enrich")
    enriched = [
        enrich_table(t, context.la, la_ons=context.authority.ons) for t in tables
    ]
    found: dict[str, list[pl.DataFrame]] = {}
    for file, issues in (
        *_empty_table_warnings(empty),
        *((t.file, issues) for t, issues in enriched if issues.height),
    ):
        found.setdefault(file, []).append(issues)
    context.stage("pseudonymise")
    pseudonyms = Pseudonymiser(context.key)
    return Protected(
        reports=_with_issues(validated.reports, found),
        tables=tuple(protect_table(t, context.la, pseudonyms) for t, _ in enriched),
        notes=notes,
        superseded=superseded,
    )


def _empty_table_warnings(
    empty: Sequence[SessionTable],
) -> Iterable[tuple[str, pl.DataFrame]]:
    """A warning per table with no rows, for its file: a file with no rows for a
    table never replaces the rows already published for it (an empty or junk
    file must not empty an authority's tables; withdrawing a year's data is done
    on purpose, by :func:`cld.pipeline.governance_actions.withdraw_year`)."""
    for file in dict.fromkeys(t.file for t in empty):
        found = {t.key: t for t in empty if t.file == file}
        yield (
            file,
            issues_frame(
                [
                    Issue(
                        t.table,
                        None,
                        None,
                        IssueCode.EMPTY_TABLE_KEPT,
                        IssueCode.EMPTY_TABLE_KEPT.message(
                            table=t.table, year=year_span(t.year)
                        ),
                    )
                    for t in found.values()
                ]
            ),
        )


def _keep_last(tables: Iterable[SessionTable]) -> list[SessionTable]:
    """One table per dataset, year and table: a later file of the upload wins."""
    latest: dict[tuple[str, int, str], SessionTable] = {}
    for table in tables:
        latest[table.key] = table
    return list(latest.values())


def _with_issues(
    reports: Sequence[FileReport], found: Mapping[str, list[pl.DataFrame]]
) -> tuple[FileReport, ...]:
    """``reports``, those of the files in ``found`` with its issues added."""
    return tuple(
        replace(r, issues=concat_issues([r.issues, *found[r.file]]))
        if r.file in found
        else r
        for r in reports
    )
