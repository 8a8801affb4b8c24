"""Match a file's header row to a table's columns.

First exactly, after trimming and case-folding; then by each column's pattern
alternatives (regular expressions matched in full, ignoring case).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Protocol


class Spellings(Protocol):
    """What matching a header needs of a column: its other spellings (every
    column of a schema has them)."""

    @property
    def headers(self) -> tuple[str, ...]: ...


def normalise(header: str) -> str:
    return " ".join(header.split()).casefold()


@dataclass(frozen=True)
class HeaderMatch:
    found: dict[str, int] = field(default_factory=dict)
    """Schema column → position of the file column that holds it (the first one)."""
    repeated: dict[str, list[int]] = field(default_factory=dict)
    """Schema column → every position, where the file has it more than once."""
    unknown: list[int] = field(default_factory=list)
    """Positions of file columns that are not part of the table."""
    missing: list[str] = field(default_factory=list)
    """Schema columns the file does not have."""


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, flags=re.IGNORECASE)


def column_for(header: str, columns: Mapping[str, Spellings]) -> str | None:
    """The schema column ``header`` names, or None."""
    wanted = normalise(header)
    if not wanted:
        return None
    for name in columns:
        if normalise(name) == wanted:
            return name
    for name, column in columns.items():
        for pattern in column.headers:
            if _compiled(pattern).fullmatch(wanted):
                return name
    return None


def match_headers(
    headers: Iterable[str], columns: Mapping[str, Spellings]
) -> HeaderMatch:
    positions: dict[str, list[int]] = {}
    unknown: list[int] = []
    for index, header in enumerate(headers):
        name = column_for(header, columns)
        if name is None:
            unknown.append(index)
        else:
            positions.setdefault(name, []).append(index)
    return HeaderMatch(
        found={name: where[0] for name, where in positions.items()},
        repeated={name: where for name, where in positions.items() if len(where) > 1},
        unknown=unknown,
        missing=[name for name in columns if name not in positions],
    )
