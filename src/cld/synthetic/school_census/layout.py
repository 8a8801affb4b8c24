"""Which rows each table has: its parent rows, and how many rows each parent gets.

Every table of the extract hangs from another by a ``...tableid`` column: the census
return (one per school), the school, the pupils on roll and no longer on roll, the
programme and learning aims. A table's rows are drawn per parent row (a share of
the parents have rows, each from ``low`` to ``high`` of them), grouped by parent and
numbered 1, 2, 3... within it, as the extract's ``orderseqcolumn`` says.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from cld.engine.spec.model import TableSpec
from cld.synthetic.cohort import at_least_one
from cld.synthetic.school_census.population import (
    EARLY_YEARS,
    POST_16,
    SCHOOL_AGE,
    Counts,
    Mask,
    Population,
)

ROOT = "schoolcensus"
PUPILS = "pupilonroll"
LEAVERS = "pupilnolongeronroll"


@dataclass(frozen=True)
class Rule:
    share: float
    """Share of the parent rows that have rows in this table."""
    low: int
    high: int
    audience: str = "all"
    """Which pupils can have rows: all, school_age (5 and over), post16, early
    (nursery) or sen."""


RULES: dict[str, Rule] = {
    "school": Rule(1.0, 1, 1),
    "levels": Rule(1.0, 2, 2),
    "classes": Rule(1.0, 2, 8),
    "childcare": Rule(0.5, 1, 1),
    "provisions": Rule(0.3, 1, 1),
    "addresses": Rule(0.97, 1, 1),
    "addressesonroll": Rule(0.97, 1, 1),
    "addressesoffroll": Rule(0.9, 1, 1),
    "fsmperiod": Rule(0.22, 1, 2),
    "fsmperiodsonroll": Rule(0.22, 1, 2),
    "termlyexclusionsonroll": Rule(0.03, 1, 3, "school_age"),
    "termlyexclusionsoffroll": Rule(0.1, 1, 2, "school_age"),
    "termlysessiondetailsonroll": Rule(0.6, 1, 4),
    "termlysessiondetailsoffroll": Rule(0.7, 1, 4),
    "summerhalfterm2sessiondetailsonroll": Rule(0.5, 1, 3),
    "summerhalfterm2sessiondetailsoffroll": Rule(0.5, 1, 3),
    "annualsessiondetailsonroll": Rule(0.7, 1, 4),
    "annualsessiondetailsoffroll": Rule(0.7, 1, 4),
    "nationalitiesonroll": Rule(1.0, 1, 1),
    "nationalitiesoffroll": Rule(1.0, 1, 1),
    "learnersupportonroll": Rule(0.1, 1, 2, "post16"),
    "learnersupportoffroll": Rule(0.1, 1, 1, "post16"),
    "learnerfamonroll": Rule(0.2, 1, 1, "post16"),
    "learnerfamoffroll": Rule(0.2, 1, 1, "post16"),
    "programmeaimsonroll": Rule(0.95, 1, 1, "post16"),
    "programmeaimsoffroll": Rule(0.95, 1, 1, "post16"),
    "learningaimsonroll": Rule(0.95, 1, 4, "post16"),
    "learningaimsoffroll": Rule(0.95, 1, 3, "post16"),
    "workplaceentityonroll": Rule(0.1, 1, 1),
    "workplaceentityoffroll": Rule(0.1, 1, 1),
    "approvisiondetailonroll": Rule(0.01, 1, 1),
    "approvisiondetailoffroll": Rule(0.02, 1, 1),
    "schoolarrangedapdetailonroll": Rule(0.015, 1, 1),
    "schoolarrangedapdetailoffroll": Rule(0.03, 1, 1),
    "senneeds": Rule(1.0, 1, 2, "sen"),
    "fundingbasisitems": Rule(0.3, 1, 1, "early"),
}
"""How the rows of each table (by the extract's own table name) are drawn."""


@dataclass(frozen=True)
class Rows:
    """The rows of one table."""

    parent: Counts
    """Index of each row's parent row (in the parent table); -1 for the root."""
    seq: Counts
    """1, 2, 3... within the parent row."""
    school: Counts
    pupil: Counts
    """The pupil each row is about (an index into the population), or -1."""
    ids: pl.Series
    """The row identifiers (``<table>tableid``)."""

    @property
    def size(self) -> int:
        return len(self.seq)


def link_column(name: str, table: TableSpec) -> str | None:
    """The column naming the parent row of ``table`` (the extract's ``name``)."""
    links = [
        c for c in table.columns if c.endswith("tableid") and c != f"{name}tableid"
    ]
    return links[0] if links else None


def parent_table(name: str, table: TableSpec) -> str | None:
    link = link_column(name, table)
    return link.removesuffix("tableid") if link else None


def row_ids(rng: np.random.Generator, size: int) -> pl.Series:
    """Distinct row identifiers, ascending from a random start, as text."""
    start = int(rng.integers(1, 900)) * 1000
    return pl.Series(np.arange(start, start + size, dtype=np.int64)).cast(pl.String)


def _eligible(population: Population, pupils: Counts, audience: str) -> Mask:
    if audience == "all" or not len(pupils):
        return np.ones(len(pupils), dtype=np.bool_)
    ages = population.age[pupils]
    if audience == "post16":
        return np.asarray(ages >= POST_16)
    if audience == "school_age":
        return np.asarray(ages >= SCHOOL_AGE)
    if audience == "early":
        return np.asarray(ages <= EARLY_YEARS)
    if audience == "sen":
        return np.asarray(population.sen[pupils] > 0)
    raise ValueError(f"unknown audience {audience!r}")


def root_rows(rng: np.random.Generator, population: Population) -> Rows:
    """One census return per school."""
    schools = np.arange(population.schools.size, dtype=np.int64)
    return Rows(
        parent=np.full(len(schools), -1, dtype=np.int64),
        seq=np.ones(len(schools), dtype=np.int64),
        school=schools,
        pupil=np.full(len(schools), -1, dtype=np.int64),
        ids=row_ids(rng, len(schools)),
    )


def pupil_rows(
    rng: np.random.Generator, population: Population, pupils: Counts
) -> Rows:
    """The pupils ``pupils``, grouped by school; their parent is the school's return."""
    school = population.school[pupils]
    order = np.lexsort((pupils, school))
    pupils, school = pupils[order], school[order]
    first = np.searchsorted(school, school)  # first row of each school
    return Rows(
        parent=school,
        seq=np.arange(len(pupils), dtype=np.int64) - first + 1,
        school=school,
        pupil=pupils,
        ids=row_ids(rng, len(pupils)),
    )


def child_rows(
    rng: np.random.Generator, population: Population, name: str, parent: Rows
) -> Rows:
    """Rows of the table ``name`` under the rows ``parent``, as its rule says."""
    rule = RULES.get(name)
    if rule is None:
        raise LookupError(
            f"the synthetic school census cannot make the {name} table yet"
        )
    pool = _eligible(population, parent.pupil, rule.audience)
    if not pool.any():
        pool = np.ones(parent.size, dtype=np.bool_)
    chosen = at_least_one(rng, pool & (rng.random(parent.size) < rule.share), pool)
    counts = np.where(chosen, rng.integers(rule.low, rule.high + 1, parent.size), 0)
    of = np.repeat(np.arange(parent.size, dtype=np.int64), counts)
    first = np.cumsum(counts) - counts
    return Rows(
        parent=of,
        seq=np.arange(len(of), dtype=np.int64) - first[of] + 1,
        school=parent.school[of],
        pupil=parent.pupil[of],
        ids=row_ids(rng, len(of)),
    )
