"""What the hub dashboard's two matrices hold, from the registry's metadata only
(no cell of any table):

- **returns received**: per authority and dataset, the latest collection year
  received, when it was received and how many issues its files had (the files of
  that year in the most recent session that sent it);
- **agreements**: per authority and use case, the agreement's status on the day
  and whether data may flow (agreement signed and in date, DPIA approved for it).

Each cell has a status (``ok``, ``warn``, ``error``, ``none``; the page's
``cld-status--*`` classes) and words saying the same, so colour is never the
only signal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from cld.governance.agreements import (
    Agreement,
    AgreementStatus,
    Dpia,
    in_force,
    no_agreement,
    no_dpia,
)
from cld.governance.authorities import Authority
from cld.pipeline.registry.store import SessionRecord

OK, WARN, ERROR, NONE = "ok", "warn", "error", "none"
FILES_SCHEMA: dict[str, Any] = {
    "la": pl.String,
    "session": pl.String,
    "received_at": pl.Datetime("us", "UTC"),
    "dataset": pl.String,
    "year": pl.Int32,
    "errors": pl.Int64,
    "warnings": pl.Int64,
}


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class Received:
    """One cell of the returns matrix."""

    dataset: str
    year: int | None = None
    received_at: dt.datetime | None = None
    errors: int = 0
    warnings: int = 0

    @property
    def status(self) -> str:
        if self.year is None:
            return NONE
        if self.errors:
            return ERROR
        return WARN if self.warnings else OK

    @property
    def issues(self) -> str:
        """The issue counts in words."""
        if self.year is None:
            return "Nothing received"
        if not self.errors and not self.warnings:
            return "No issues"
        parts = [plural(self.errors, "error")] if self.errors else []
        if self.warnings:
            parts.append(plural(self.warnings, "warning"))
        return ", ".join(parts)


@dataclass(frozen=True)
class AuthorityRow:
    authority: Authority
    cells: list[Any]


def received_files(sessions: Iterable[SessionRecord]) -> pl.DataFrame:
    """One row per identified file of every session (:data:`FILES_SCHEMA`)."""
    rows = [
        {
            "la": record.la,
            "session": record.id,
            "received_at": record.received_at,
            "dataset": entry.dataset,
            "year": entry.year,
            "errors": entry.issues.get("error", 0),
            "warnings": entry.issues.get("warning", 0),
        }
        for record in sessions
        for entry in record.outcome.files
    ]
    return pl.DataFrame(rows, schema=FILES_SCHEMA).drop_nulls(["dataset", "year"])


def latest_returns(files: pl.DataFrame) -> pl.DataFrame:
    """Per ``la`` and ``dataset``: the latest ``year`` received, when the most
    recent session holding it was received (``received_at``) and the ``errors``
    and ``warnings`` of that session's files of that year."""
    by = ["la", "dataset"]
    latest = files.filter(pl.col("year") == pl.col("year").max().over(by))
    latest = latest.filter(
        pl.col("received_at") == pl.col("received_at").max().over(by)
    )
    latest = latest.filter(pl.col("session") == pl.col("session").max().over(by))
    return (
        latest.group_by(by)
        .agg(
            pl.col("year").first(),
            pl.col("received_at").first(),
            pl.col("errors").sum(),
            pl.col("warnings").sum(),
        )
        .sort(by)
    )


def returns_matrix(
    authorities: Sequence[Authority],
    datasets: Sequence[str],
    sessions: Iterable[SessionRecord],
) -> list[AuthorityRow]:
    """A row per authority with a :class:`Received` per dataset."""
    latest = {
        (row["la"], row["dataset"]): row
        for row in latest_returns(received_files(sessions)).iter_rows(named=True)
    }
    return [
        AuthorityRow(
            authority,
            [
                Received(
                    dataset=dataset,
                    year=found["year"],
                    received_at=found["received_at"],
                    errors=found["errors"],
                    warnings=found["warnings"],
                )
                if (found := latest.get((authority.code, dataset)))
                else Received(dataset=dataset)
                for dataset in datasets
            ],
        )
        for authority in authorities
    ]


@dataclass(frozen=True)
class AgreementCell:
    """One cell of the agreements matrix."""

    use_case: str
    status: str
    words: str
    in_force: bool
    until: dt.date | None = None


def agreement_cell(agreement: Agreement, dpia: Dpia, day: dt.date) -> AgreementCell:
    state = agreement.status_on(day)
    name = agreement.use_case
    if in_force(agreement, dpia, day):
        return AgreementCell(name, OK, "In force", True, agreement.expires_on)
    if state == AgreementStatus.SIGNED:
        return AgreementCell(name, WARN, "Signed; DPIA not approved for it", False)
    if state == AgreementStatus.REQUESTED:
        return AgreementCell(name, WARN, "Requested", False)
    if state == AgreementStatus.WITHDRAWN:
        return AgreementCell(name, ERROR, "Withdrawn", False)
    if state == AgreementStatus.EXPIRED:
        return AgreementCell(name, ERROR, "Expired", False)
    return AgreementCell(name, NONE, "No agreement", False)


def agreements_matrix(
    authorities: Sequence[Authority],
    use_cases: Sequence[str],
    agreements: Iterable[Agreement],
    dpias: Iterable[Dpia],
    day: dt.date,
) -> list[AuthorityRow]:
    """A row per authority with an :class:`AgreementCell` per use case."""
    found = {(a.la, a.use_case): a for a in agreements}
    approved = {d.la: d for d in dpias}
    return [
        AuthorityRow(
            authority,
            [
                agreement_cell(
                    found.get(
                        (authority.code, name), no_agreement(authority.code, name)
                    ),
                    approved.get(authority.code, no_dpia(authority.code)),
                    day,
                )
                for name in use_cases
            ],
        )
        for authority in authorities
    ]


def in_force_counts(
    rows: Sequence[AuthorityRow], use_cases: Sequence[str]
) -> list[int]:
    """How many authorities each use case is in force for (the matrix's footer)."""
    return [
        sum(1 for row in rows if row.cells[i].in_force) for i in range(len(use_cases))
    ]


def sessions_per_month(sessions: Iterable[SessionRecord]) -> pl.DataFrame:
    """``month`` (the first day, London time) and ``sessions`` received in it, every
    month from the first session's to the last's (months without any are 0)."""
    received = pl.DataFrame(
        {"received_at": [s.received_at for s in sessions]},
        schema={"received_at": pl.Datetime("us", "UTC")},
    )
    months = received.select(
        pl.col("received_at")
        .dt.convert_time_zone("Europe/London")
        .dt.date()
        .dt.truncate("1mo")
        .alias("month")
    )
    if months.is_empty():
        return pl.DataFrame(schema={"month": pl.Date, "sessions": pl.Int64})
    counted = months.group_by("month").agg(pl.len().cast(pl.Int64).alias("sessions"))
    every = months.select(
        pl.date_range(pl.col("month").min(), pl.col("month").max(), "1mo").alias(
            "month"
        )
    )
    return (
        every.join(counted, on="month", how="left")
        .with_columns(pl.col("sessions").fill_null(0))
        .sort("month")
    )
