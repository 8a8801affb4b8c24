"""The third step of a build: the use case's reports, protected by its disclosure
rule, each from the Parquet files of the pooled tables it declares; a report
whose fingerprint is the previous build's keeps that build's files."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from cld.engine.disclosure import DisclosureRule
from cld.pipeline.outputs.built_tables import BuiltTables
from cld.pipeline.outputs.fingerprints import report_fingerprint
from cld.pipeline.outputs.outputs_manifest import ReportEntry
from cld.pipeline.outputs.reports import reports_of, run_report_by_authority
from cld.pipeline.outputs.reuse import PreviousBuild
from cld.pipeline.outputs.summaries import REPORT, TableSummary, summary_of
from cld.pipeline.outputs.writers import write_csv, write_parquet, write_workbook

WriteWorkbook = Callable[[Mapping[str, pl.DataFrame], Sequence[str], Path], Path]
"""Writes a report's workbook (:func:`~.writers.write_workbook`)."""


@dataclass(frozen=True)
class ReportInputs:
    use_case: str
    rule: DisclosureRule
    rule_name: str
    fingerprints: Mapping[str, str]
    """Each pooled table's fingerprint, by name."""
    pooled: Mapping[str, Path]
    """Each pooled table's Parquet file, by name."""
    staging: Path


@dataclass(frozen=True)
class ReportsMade:
    tables: BuiltTables
    entries: Mapping[str, ReportEntry]
    """Each report's entry in the manifest."""


def make_reports(
    inputs: ReportInputs,
    previous: PreviousBuild,
    *,
    workbook: WriteWorkbook = write_workbook,
) -> ReportsMade:
    """Every report of the use case: kept from ``previous`` when made of the
    same, else run and written to staging (its tables, and ``workbook``)."""
    rule = inputs.rule
    made = BuiltTables()
    entries: dict[str, ReportEntry] = {}
    for report in reports_of(inputs.use_case):
        fingerprint = report_fingerprint(
            report, inputs.fingerprints, inputs.rule_name, rule.description
        )
        kept = previous.report(report.name, fingerprint)
        if kept is not None:
            names, kept_files = kept
            made = made | BuiltTables(kept_files, previous.summaries(names))
            entries[report.name] = ReportEntry(fingerprint, names)
            continue
        tables = run_report_by_authority(report, inputs.pooled, rule)
        files: dict[str, Path] = {}
        summaries: dict[str, TableSummary] = {}
        if tables is not None:
            for table, frame in tables.tables.items():
                name = f"{report.name}_{table}"
                for suffix, write in (("parquet", write_parquet), ("csv", write_csv)):
                    files[f"{name}.{suffix}"] = write(
                        frame, inputs.staging / f"{name}.{suffix}"
                    )
                summaries[name] = summary_of(frame, REPORT)
            files[f"{report.name}.xlsx"] = workbook(
                dict(tables.tables),
                [*tables.notes, f"Disclosure control: {rule.description}"],
                inputs.staging / f"{report.name}.xlsx",
            )
        names = tuple(summaries)
        made = made | BuiltTables(files, summaries, recomputed=names)
        entries[report.name] = ReportEntry(fingerprint, names)
    return ReportsMade(made, entries)
