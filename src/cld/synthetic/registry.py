"""Which generator makes each dataset's synthetic uploads.

Every generator has the same signature::

    generate(authority, year, *, children, seed=0, messiness=0.0) -> list[Upload]

and returns the files one authority would upload for one collection year, with the
faults planted in them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import polars as pl

from cld.engine.errors import UsageError
from cld.governance.authorities import Authority


class Upload(Protocol):
    """One synthetic file as an authority would upload it."""

    @property
    def la(self) -> str: ...
    @property
    def year(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def data(self) -> bytes: ...
    @property
    def rows(self) -> int: ...
    @property
    def faults(self) -> pl.DataFrame:
        """row, column, code (and table, for files of several tables) of every
        planted fault; row as the validator reports it."""
        ...


@dataclass(frozen=True)
class FileUpload:
    """An :class:`Upload` whose bytes are made whole (an XML return, a workbook)."""

    la: str
    year: int
    name: str
    data: bytes
    rows: int
    """The data rows (records) of every table in the file, duplicates included."""
    faults: pl.DataFrame
    """table, row (as the validator reports it), column and code of every planted
    fault."""


Generator = Callable[..., Sequence[Upload]]

GENERATORS: dict[str, str] = {
    "ssda903": "cld.synthetic.generate:generate_year",
    "cin_census": "cld.synthetic.cin_census:generate",
    "annex_a": "cld.synthetic.annex_a:generate",
    "school_census": "cld.synthetic.school_census:generate",
    "social_work_workforce": "cld.synthetic.social_work_workforce:generate",
}
"""Dataset → ``module:function`` of its generator (imported when first used)."""


def generator(dataset: str) -> Generator:
    if dataset not in GENERATORS:
        raise UsageError(
            f"no synthetic generator for {dataset!r}; known: {', '.join(GENERATORS)}"
        )
    module, function = GENERATORS[dataset].split(":")
    made: Generator = getattr(importlib.import_module(module), function)
    return made


def generate(
    dataset: str,
    authority: Authority,
    year: int,
    *,
    children: int,
    seed: int = 0,
    messiness: float = 0.0,
) -> Sequence[Upload]:
    return generator(dataset)(
        authority, year, children=children, seed=seed, messiness=messiness
    )
