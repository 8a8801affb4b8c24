"""When each census is taken, and which academic year it belongs to.

A school census year is the calendar year of its census days, as the schema's years
are: spring in January, summer in May, autumn in October. Spring and summer belong
to the academic year that began the September before; autumn begins a new one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cld.engine.spec.model import DatasetSpec, TableSpec
from cld.synthetic.dates import day_number

TERM_ORDER = ("spring", "summer", "autumn")
"""The terms in the order their censuses are taken in a calendar year."""

_CENSUS_DAY = {"spring": (1, 3), "summer": (5, 3), "autumn": (10, 1)}
"""Month and which Thursday of it the census day is (third, third, first)."""


def _thursday(year: int, month: int, which: int) -> dt.date:
    first = dt.date(year, month, 1)
    offset = (3 - first.weekday()) % 7  # Monday is 0, Thursday 3
    return first + dt.timedelta(days=offset + 7 * (which - 1))


@dataclass(frozen=True)
class Census:
    """One term's census of one year."""

    year: int
    term: str

    @property
    def day(self) -> int:
        """The census (reference) day, as a day number."""
        month, which = _CENSUS_DAY[self.term]
        date = _thursday(self.year, month, which)
        return day_number(date.year, date.month, date.day)

    @property
    def academic_start(self) -> int:
        """The calendar year in which this census's academic year began."""
        return self.year if self.term == "autumn" else self.year - 1

    @property
    def position(self) -> int:
        """0, 1, 2: autumn, spring, summer within the academic year."""
        return ("autumn", "spring", "summer").index(self.term)

    @property
    def window_start(self) -> int:
        """The first day after the census before (or 1 September, for autumn)."""
        if self.term == "autumn":
            return day_number(self.year, 9, 1)
        before = "autumn" if self.term == "spring" else "spring"
        year = self.year - 1 if self.term == "spring" else self.year
        return Census(year, before).day + 1


def term_tables(spec: DatasetSpec, term: str) -> dict[str, TableSpec]:
    """The tables of ``term``'s census in ``spec``'s year (named ``<term>_<table>``)."""
    prefix = f"{term}_"
    return {n: t for n, t in spec.tables.items() if n.startswith(prefix)}


def extract_table(name: str) -> str:
    """The extract's own table name of a schema table: ``autumn_pupilonroll`` →
    ``pupilonroll``."""
    return name.split("_", 1)[1]


def censuses(spec: DatasetSpec) -> list[Census]:
    """Every census of ``spec``'s year that has tables, in the order taken."""
    return [
        Census(spec.year, term)
        for term in TERM_ORDER
        if term in spec.terms and term_tables(spec, term)
    ]
