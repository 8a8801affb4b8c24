"""Plant realistic faults at known places, and say which issue each must raise.

A fault plan is drawn first (how many faulty rows, and the kind of each), so a
caller that needs an exact number of rows can make the clean table that much
shorter than the duplicates the plan adds. Each faulty row gets exactly one fault,
and rows that are duplicated are never changed otherwise, so every fault raises
exactly its issue, at its row and column.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from cld.engine.conform.messages import and_list
from cld.engine.issues import IssueCode
from cld.engine.spec.model import (
    IDENTIFIERS,
    CategoryColumn,
    ColumnSpec,
    DecimalColumn,
    IntegerColumn,
    TableSpec,
)

PLANTED: tuple[IssueCode, ...] = (
    IssueCode.BLANK_MANDATORY,
    IssueCode.INVALID_CATEGORY,
    IssueCode.INVALID_DATE,
    IssueCode.INVALID_POSTCODE,
    IssueCode.IDENTIFIER_RESTORED,
    IssueCode.DUPLICATE_KEY,
    IssueCode.OUT_OF_RANGE,
)
"""The kinds of fault planted, named by the issue the validator must raise."""

FAULT_SCHEMA = pl.Schema(
    {"row": pl.Int64(), "column": pl.String(), "code": pl.String()}
)

_BAD_CODES = ("Z9", "X2", "99", "XX", "ZZ", "N/A")
_BAD_POSTCODES = ("XX", "N7", "SE15 4A", "E1 ABC", "12345", "LONDON")


def fault_columns(
    table: TableSpec, kind: IssueCode, digit_columns: Collection[str] = ()
) -> tuple[str, ...]:
    """Where a fault of ``kind`` can go in ``table`` (for a duplicate: its key,
    written as the validator names it, e.g. 'CHILD and DECOM')."""
    columns = table.columns.items()
    match kind:
        case IssueCode.BLANK_MANDATORY:
            return table.mandatory
        case IssueCode.IDENTIFIER_RESTORED:
            return tuple(
                n
                for n, c in columns
                if c.personal in IDENTIFIERS and n in digit_columns
            )
        case IssueCode.DUPLICATE_KEY:
            return (and_list(table.key),) if table.key else ()
    return typed_fault_columns(columns, kind, PLANTED)


_OF_TYPE = {
    IssueCode.INVALID_CATEGORY: "category",
    IssueCode.INVALID_DATE: "date",
    IssueCode.INVALID_POSTCODE: "postcode",
    IssueCode.INVALID_PATTERN: "pattern",
}
"""The faults that go in any column of one type, and the type."""


def typed_fault_columns(
    columns: Iterable[tuple[str, ColumnSpec]],
    kind: IssueCode,
    planted: Collection[IssueCode],
) -> tuple[str, ...]:
    """The names of ``columns`` a fault of ``kind`` can go in, for a kind that asks
    only a column's type (a code, a date, a postcode or a pattern that is not one;
    a number outside its bounds). A ValueError for any other kind, or one not in
    ``planted`` (the kinds a generator plants)."""
    if kind == IssueCode.OUT_OF_RANGE and kind in planted:
        return tuple(
            n
            for n, c in columns
            if isinstance(c, IntegerColumn | DecimalColumn)
            and (c.min is not None or c.max is not None)
        )
    of_type = _OF_TYPE.get(kind)
    if of_type is None or kind not in planted:
        raise ValueError(f"{kind} is not a fault the generator plants")
    return tuple(n for n, c in columns if c.type == of_type)


def bad_codes(column: ColumnSpec) -> tuple[str, ...]:
    """Codes that are not in ``column``'s list, however the list spells its codes."""
    assert isinstance(column, CategoryColumn)
    known = column.spellings()
    return tuple(v for v in _BAD_CODES if v.casefold() not in known)


@dataclass(frozen=True)
class FaultPlan:
    kinds: tuple[IssueCode, ...]
    """The fault of each faulty row."""

    @property
    def duplicates(self) -> int:
        """Rows the plan adds to the table (copies of other rows)."""
        return sum(1 for kind in self.kinds if kind == IssueCode.DUPLICATE_KEY)


def plan_faults(
    rng: np.random.Generator,
    table: TableSpec,
    rows: int,
    messiness: float,
    digit_columns: Collection[str] = (),
) -> FaultPlan:
    """About ``messiness`` × ``rows`` faults, each of a kind ``table`` can have."""
    if not 0.0 <= messiness <= 1.0:
        raise ValueError(f"messiness must be from 0 to 1, not {messiness}")
    kinds = [k for k in PLANTED if fault_columns(table, k, digit_columns)]
    count = int(rng.binomial(rows, messiness)) if rows and kinds else 0
    picks = rng.integers(0, len(kinds), size=count) if kinds else np.zeros(0, np.int64)
    return FaultPlan(tuple(kinds[i] for i in picks))


def _bad_values(
    rng: np.random.Generator,
    kind: IssueCode,
    column: ColumnSpec,
    year: int,
    current: pl.Series,
) -> pl.Series:
    size = len(current)
    match kind:
        case IssueCode.BLANK_MANDATORY:
            return pl.Series([None] * size, dtype=pl.String)
        case IssueCode.IDENTIFIER_RESTORED:
            return current + ".0"
        case IssueCode.INVALID_CATEGORY:
            choices = bad_codes(column)
        case IssueCode.INVALID_DATE:
            choices = (
                f"31/02/{year}",
                f"{year}/13/01",
                f"32/01/{year - 1}",
                f"15/13/{year}",
            )
        case IssueCode.INVALID_POSTCODE:
            choices = _BAD_POSTCODES
        case IssueCode.OUT_OF_RANGE:
            assert isinstance(column, IntegerColumn | DecimalColumn)
            if column.max is not None:
                choices = (str(int(column.max + max(1, round(column.max / 8)))),)
            else:
                assert column.min is not None
                choices = (str(int(column.min - 1)),)
        case _:
            raise ValueError(f"no bad values for {kind}")
    picks = rng.integers(0, len(choices), size=size)
    return pl.Series(choices, dtype=pl.String).gather(pl.Series(picks))


def apply_faults(
    frame: pl.DataFrame,
    table: TableSpec,
    year: int,
    plan: FaultPlan,
    rng: np.random.Generator,
    digit_columns: Collection[str] = (),
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``frame`` with the faults of ``plan`` planted, and where each one is: row (as
    in the spreadsheet, header = 1), column and the issue code it must raise."""
    size = frame.height
    duplicates = min(plan.duplicates, size)
    kinds = np.array(
        [str(k) for k in plan.kinds if k != IssueCode.DUPLICATE_KEY], dtype=object
    )[: max(0, size - duplicates)]
    chosen = rng.choice(size, size=duplicates + len(kinds), replace=False)
    copied, changed = chosen[:duplicates], chosen[duplicates:]

    updates: dict[str, list[tuple[npt.NDArray[np.int64], pl.Series]]] = {}
    found: list[tuple[npt.NDArray[np.int64], str, str]] = []
    for kind in PLANTED:
        if kind == IssueCode.DUPLICATE_KEY:
            continue
        at = changed[kinds == str(kind)]
        if not len(at):
            continue
        columns = fault_columns(table, kind, digit_columns)
        which = rng.integers(0, len(columns), size=len(at))
        for index, name in enumerate(columns):
            rows = np.sort(at[which == index])
            if not len(rows):
                continue
            current = frame[name].gather(pl.Series(rows))
            values = _bad_values(rng, kind, table.columns[name], year, current)
            updates.setdefault(name, []).append((rows, values))
            found.append((rows, name, str(kind)))
    if updates:
        frame = frame.with_columns(
            frame[name].scatter(
                np.concatenate([rows for rows, _ in parts]),
                pl.concat([values for _, values in parts]),
            )
            for name, parts in updates.items()
        )

    # Each copy goes right after the row it copies, as a double export would.
    source = np.concatenate([np.arange(size), copied])
    is_copy = np.concatenate([np.zeros(size, np.int64), np.ones(duplicates, np.int64)])
    order = np.lexsort((is_copy, source))
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    if duplicates:
        frame = frame.gather(source[order])
        found.append(
            (np.arange(size, size + duplicates), and_list(table.key), "duplicate_key")
        )

    faults = pl.DataFrame(
        {
            "row": np.concatenate([position[rows] + 2 for rows, _, _ in found])
            if found
            else np.zeros(0, np.int64),
            "column": [name for rows, name, _ in found for _ in rows],
            "code": [kind for rows, _, kind in found for _ in rows],
        },
        schema=FAULT_SCHEMA,
    ).sort("row", "column")
    return frame, faults
