"""Columns the platform adds to every table it keeps (the enrich stage).

``LA`` and ``YEAR`` are always added and always kept. ``AGE`` and ``SCHOOL_YEAR``
are worked out from the table's first date-of-birth column *before* it is degraded,
so a use case can keep a child's age without keeping the date of birth; a policy
names them like any other column.
"""

from __future__ import annotations

from dataclasses import dataclass

from cld.engine.spec.model import PersonalData, TableSpec

LA = "LA"
YEAR = "YEAR"
AGE = "AGE"
SCHOOL_YEAR = "SCHOOL_YEAR"


@dataclass(frozen=True)
class DerivedColumn:
    name: str
    label: str
    description: str
    needs_birth_date: bool


DERIVED: dict[str, DerivedColumn] = {
    c.name: c
    for c in (
        DerivedColumn(
            LA, "local authority", "the authority's three-letter code", False
        ),
        DerivedColumn(
            YEAR,
            "collection year",
            "the collection year of the return (the year ending 31 March)",
            False,
        ),
        DerivedColumn(
            AGE,
            "age at the collection date",
            "whole years of age on the collection's reference date (31 March of "
            "the collection year; the census day for a termly census)",
            True,
        ),
        DerivedColumn(
            SCHOOL_YEAR,
            "school year at the collection date",
            "national curriculum year group on the reference date, from the date "
            "of birth (0 is Reception, negative before it)",
            True,
        ),
    )
}
ALWAYS_KEPT = (LA, YEAR)


def birth_date_column(table: TableSpec) -> str | None:
    """The column a table's ages are worked out from: its first date of birth."""
    for name, column in table.columns.items():
        if column.personal == PersonalData.DATE_OF_BIRTH:
            return name
    return None
