"""Faults planted in a CIN census return, each named by the issue it must raise.

About ``messiness`` of the records of each table get one fault each: a blank
mandatory element, a code not in the year's list, a date that is not a date, a UPN
of the wrong form, a count below its minimum, or (for records nothing else is
nested in) the record written twice. No fault goes into an element that other
tables copy onto their rows (the child's LAchildID, a referral date, an assessment
or plan start date), so each fault raises exactly one issue, on its own record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import polars as pl

from cld.engine.conform.messages import and_list
from cld.engine.issues import IssueCode
from cld.engine.spec.model import DatasetSpec, DecimalColumn, IntegerColumn, TableSpec
from cld.synthetic.cin_census.journeys import Records, own_columns, parent_table
from cld.synthetic.faults import bad_codes, typed_fault_columns

PLANTED: tuple[IssueCode, ...] = (
    IssueCode.BLANK_MANDATORY,
    IssueCode.INVALID_CATEGORY,
    IssueCode.INVALID_DATE,
    IssueCode.INVALID_PATTERN,
    IssueCode.OUT_OF_RANGE,
    IssueCode.DUPLICATE_KEY,
)
"""The kinds of fault planted, named by the issue the validator must raise."""

_BAD_PATTERNS = ("A12345", "123456789012X", "AB1234567890")


def _steps(path: str) -> tuple[str, ...]:
    return tuple(s for s in path.split("/") if s and s != ".")


def _target(table: TableSpec, path: str) -> tuple[str, ...]:
    """Where ``path`` (a column's, from ``table``'s record) leads, from the unit."""
    at = [] if path.startswith("/") else list(_steps(table.record or "."))
    for step in path.split("/"):
        if step == "..":
            at.pop()
        elif step and step != ".":
            at.append(step)
    return tuple(at)


def copied_columns(spec: DatasetSpec) -> dict[str, frozenset[str]]:
    """For each table, its own columns whose element another table copies."""
    copied = {
        _target(table, column.path or name)
        for table in spec.tables.values()
        for name, column in table.columns.items()
        if name not in own_columns(table)
    }
    return {
        table.name: frozenset(
            name
            for name in own_columns(table)
            if _target(table, table.columns[name].path or name) in copied
        )
        for table in spec.tables.values()
    }


def fault_columns(spec: DatasetSpec, table: str, kind: IssueCode) -> tuple[str, ...]:
    """Where a fault of ``kind`` can go in ``table`` (for a duplicate: its key,
    written as the validator names it, e.g. 'LAchildID and Disability')."""
    spec_table = spec.tables[table]
    skip = copied_columns(spec)[table]
    columns = [
        (name, spec_table.columns[name])
        for name in own_columns(spec_table)
        if name not in skip
    ]
    match kind:
        case IssueCode.BLANK_MANDATORY:
            return tuple(name for name, column in columns if column.mandatory)
        case IssueCode.DUPLICATE_KEY:
            nested = any(parent_table(spec, t) == table for t in spec.tables)
            key = spec_table.key
            return (and_list(key),) if key and not nested else ()
    return typed_fault_columns(columns, kind, PLANTED)


@dataclass(frozen=True)
class Fault:
    table: str
    record: int
    """Index of the record in its table (document order)."""
    column: str
    code: IssueCode

    @property
    def is_copy(self) -> bool:
        """The fault is the record written a second time; the issue is on the copy."""
        return self.code == IssueCode.DUPLICATE_KEY


@dataclass
class Planted:
    records: dict[str, Records]
    """Every table with its bad values in place."""
    faults: list[Fault] = field(default_factory=list)

    def copies(self, table: str) -> frozenset[int]:
        """Records of ``table`` to write twice."""
        return frozenset(
            f.record for f in self.faults if f.table == table and f.is_copy
        )


def _bad_values(
    rng: np.random.Generator, kind: IssueCode, table: TableSpec, column: str, year: int
) -> tuple[str, ...]:
    spec = table.columns[column]
    match kind:
        case IssueCode.BLANK_MANDATORY:
            return ("",)
        case IssueCode.INVALID_CATEGORY:
            return bad_codes(spec)
        case IssueCode.INVALID_DATE:
            return (
                f"31/03/{year}",
                f"{year}-02-30",
                f"{year}-13-01",
                f"{year - 1}-04-31",
            )
        case IssueCode.INVALID_PATTERN:
            return _BAD_PATTERNS
        case IssueCode.OUT_OF_RANGE:
            assert isinstance(spec, IntegerColumn | DecimalColumn)
            if spec.min is not None:
                return (str(int(spec.min) - 1),)
            assert spec.max is not None
            return (str(int(spec.max) + 1),)
    raise ValueError(f"no bad values for {kind}")


def plant_faults(
    spec: DatasetSpec,
    made: dict[str, Records],
    messiness: float,
    rng_of: dict[str, np.random.Generator],
) -> Planted:
    """About ``messiness`` of each table's records get one fault each (drawn with
    that table's stream in ``rng_of``)."""
    if not 0.0 <= messiness <= 1.0:
        raise ValueError(f"messiness must be from 0 to 1, not {messiness}")
    planted = Planted(records=dict(made))
    if messiness == 0.0:
        return planted
    for name, records in made.items():
        rng = rng_of[name]
        table = spec.tables[name]
        kinds = [k for k in PLANTED if fault_columns(spec, name, k)]
        if not kinds or records.size == 0:
            continue
        count = int(rng.binomial(records.size, messiness))
        chosen = np.sort(rng.choice(records.size, size=count, replace=False))
        picks = rng.integers(0, len(kinds), size=count)
        updates: dict[str, tuple[list[int], list[str]]] = {}
        for record, pick in zip(chosen.tolist(), picks.tolist(), strict=True):
            kind = kinds[pick]
            columns = fault_columns(spec, name, kind)
            column = columns[int(rng.integers(0, len(columns)))]
            planted.faults.append(Fault(name, record, column, kind))
            if kind == IssueCode.DUPLICATE_KEY:
                continue
            choices = _bad_values(rng, kind, table, column, spec.year)
            at, values = updates.setdefault(column, ([], []))
            at.append(record)
            values.append(choices[int(rng.integers(0, len(choices)))])
        frame = records.frame
        if updates:
            frame = frame.with_columns(
                frame[column].scatter(
                    np.array(at, dtype=np.int64), pl.Series(values, dtype=pl.String)
                )
                for column, (at, values) in updates.items()
            )
        planted.records[name] = Records(frame, records.parent)
    return planted


FAULT_SCHEMA = pl.Schema(
    {
        "table": pl.String(),
        "row": pl.Int64(),
        "column": pl.String(),
        "code": pl.String(),
    }
)


def faults_frame(
    faults: list[Fault],
    lines: dict[str, npt.NDArray[np.int64]],
    copy_lines: dict[str, dict[int, int]],
) -> pl.DataFrame:
    """table, row (the XML line the validator reports), column and code of every
    fault, by table and row."""
    return pl.DataFrame(
        {
            "table": [f.table for f in faults],
            "row": [
                copy_lines[f.table][f.record]
                if f.is_copy
                else int(lines[f.table][f.record])
                for f in faults
            ],
            "column": [f.column for f in faults],
            "code": [str(f.code) for f in faults],
        },
        schema=FAULT_SCHEMA,
    ).sort("table", "row", "column")
