"""Columns the platform adds to every table it keeps (the enrich stage).

``LA`` and ``YEAR`` are always added and always kept. ``AGE`` and ``SCHOOL_YEAR``
are worked out from the table's first date-of-birth column *before* it is degraded,
so a use case can keep a child's age without keeping the date of birth; a policy
names them like any other column. ``PL_DISTANCE_KM``, ``PL_LA`` and
``PL_IN_BOROUGH`` are worked out the same way from a table's full home and placement
postcodes (``HOME_POST``, ``PL_POST``) before they are degraded to districts.
"""

from __future__ import annotations

from dataclasses import dataclass

from cld.engine.spec.model import PersonalData, TableSpec

LA = "LA"
YEAR = "YEAR"
AGE = "AGE"
SCHOOL_YEAR = "SCHOOL_YEAR"
PL_DISTANCE_KM = "PL_DISTANCE_KM"
PL_LA = "PL_LA"
PL_IN_BOROUGH = "PL_IN_BOROUGH"

HOME_POSTCODE = "HOME_POST"
PLACEMENT_POSTCODE = "PL_POST"
"""The columns placement distances and authorities are worked out from."""


@dataclass(frozen=True)
class DerivedColumn:
    name: str
    label: str
    description: str
    needs_birth_date: bool
    needs_postcodes: bool = False
    """Worked out from the full :data:`HOME_POSTCODE` and :data:`PLACEMENT_POSTCODE`
    (with the ONS Postcode Directory)."""


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
        DerivedColumn(
            PL_DISTANCE_KM,
            "distance from home to placement (km)",
            "straight-line distance in kilometres, to 0.1 km, between the grid "
            "references of the home and placement postcodes in the ONS Postcode "
            "Directory, worked out before the postcodes are degraded; blank when "
            "either postcode is blank or not in the directory",
            False,
            needs_postcodes=True,
        ),
        DerivedColumn(
            PL_LA,
            "placement local authority",
            "ONS code of the local authority the placement postcode is in, from the "
            "ONS Postcode Directory, worked out before the postcode is degraded; "
            "blank when the postcode is blank or not in the directory",
            False,
            needs_postcodes=True,
        ),
        DerivedColumn(
            PL_IN_BOROUGH,
            "placed in borough",
            "whether the placement postcode is in the uploading authority's own "
            "area (its placement local authority is the authority's own ONS "
            "code); blank when the placement postcode is blank or not in the "
            "directory",
            False,
            needs_postcodes=True,
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


def postcode_columns(table: TableSpec) -> tuple[str, str] | None:
    """The home and placement postcode columns placements are located from, when
    the table has both."""
    if HOME_POSTCODE in table.columns and PLACEMENT_POSTCODE in table.columns:
        return HOME_POSTCODE, PLACEMENT_POSTCODE
    return None
