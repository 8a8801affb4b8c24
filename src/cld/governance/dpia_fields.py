"""Every field a use case processes, table by table, in the DPIA draft's words.

:func:`field_rows` gives one :class:`FieldRow` per field of a table: first the
columns the platform adds to every table (``LA`` and ``YEAR``), then each column the
use case keeps, in the policy's order (with ``AGE`` or ``SCHOOL_YEAR`` where it
keeps them), then the personal columns of the return that it drops. Where the
policy records no reason for a field, :func:`standard_why` words one from the
field's treatment and category, and the row says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from cld.engine.spec.model import ColumnSpec, PersonalData
from cld.engine.transforms.derived import (
    AGE,
    ALWAYS_KEPT,
    DERIVED,
    LA,
    SCHOOL_YEAR,
    YEAR,
)
from cld.engine.transforms.treatments import Treatment, category_of
from cld.governance.policy import schema_columns
from cld.governance.use_case import ColumnRule, UseCase

NOT_KEPT = "not kept for this use case"


@dataclass(frozen=True)
class FieldRow:
    """One field of one table, as the DPIA draft lists it."""

    name: str
    label: str
    category: str
    treatment: str
    """What is done to the field, in words."""
    why: str
    retention: str
    kept: bool
    standard_why: bool
    """True when ``why`` is the platform's standard wording, not the policy's."""


def retention_words(use_case: UseCase) -> str:
    years = use_case.retention_years
    return (
        f"{years} year{'' if years == 1 else 's'} after the end of the collection year"
    )


def field_rows(use_case: UseCase, dataset: str, table: str) -> tuple[FieldRow, ...]:
    """Every field ``use_case`` processes of ``dataset.table``, then the personal
    fields of that table it drops."""
    columns = schema_columns(dataset, table)
    rules = use_case.tables(dataset).get(table, {})
    kept = use_case.kept(dataset, table)
    rows = [
        _derived_row(
            use_case, name, rules.get(name, ColumnRule(treatment=Treatment.KEEP))
        )
        for name in ALWAYS_KEPT
    ]
    for name, rule in kept.items():
        if name in ALWAYS_KEPT:
            continue
        if name in DERIVED:
            rows.append(_derived_row(use_case, name, rule))
        else:
            rows.append(_column_row(use_case, name, columns.get(name), rule))
    for name, spec in columns.items():
        if spec.personal is not None and name not in kept:
            rule = rules.get(name, ColumnRule(treatment=Treatment.DROP))
            rows.append(_column_row(use_case, name, spec, rule))
    return tuple(rows)


def _derived_row(use_case: UseCase, name: str, rule: ColumnRule) -> FieldRow:
    derived = DERIVED[name]
    if derived.needs_birth_date:
        how = "worked out by the platform from the date of birth before it is degraded"
    elif derived.needs_postcodes:
        how = (
            "worked out by the platform from the full home and placement postcodes "
            "before they are degraded"
        )
    else:
        how = "added by the platform"
    quasi = derived.needs_birth_date or derived.needs_postcodes
    return FieldRow(
        name=name,
        label=derived.label,
        category="quasi-identifier" if quasi else "other",
        treatment=f"{how}; {Treatment.KEEP.describe}",
        why=rule.why or _DERIVED_WHY.get(name, derived.description),
        retention=retention_words(use_case),
        kept=True,
        standard_why=not rule.why,
    )


def _column_row(
    use_case: UseCase, name: str, spec: ColumnSpec | None, rule: ColumnRule
) -> FieldRow:
    category = "other" if spec is None else category_of(spec)
    kept = rule.treatment != Treatment.DROP
    return FieldRow(
        name=name,
        label=name if spec is None else spec.label,
        category=category,
        treatment=rule.treatment.describe,
        why=rule.why or standard_why(spec, rule.treatment, category),
        retention=retention_words(use_case) if kept else NOT_KEPT,
        kept=kept,
        standard_why=not rule.why,
    )


def standard_why(spec: ColumnSpec | None, treatment: Treatment, category: str) -> str:
    """The platform's standard reason for a field the policy gives no reason for."""
    personal = None if spec is None else spec.personal
    if treatment == Treatment.DROP:
        return "not needed for this use case"
    if treatment == Treatment.PSEUDONYMISE:
        return _PSEUDONYM_WHY.get(personal, _PSEUDONYM_WHY[PersonalData.IDENTIFIER])
    if treatment == Treatment.FIRST_OF_MONTH:
        if personal == PersonalData.DATE_OF_BIRTH:
            return (
                "works out ages and age groups to the month; the day of birth is "
                "not needed"
            )
        return "dates the event to the month, which is enough for this use case"
    if treatment == Treatment.POSTCODE_DISTRICT:
        return (
            "places the address in its postcode district (for distances, and in or "
            "out of the borough) without the full postcode"
        )
    if category == "special category":
        return (
            "needed to see whether children's experiences differ by this "
            "characteristic, as the use case's purpose requires"
        )
    return "needed for the use case's measures and outputs"


_DERIVED_WHY = {
    LA: (
        "shows which authority the record came from, so each authority's figures "
        "are reported apart and its data can be removed if it leaves"
    ),
    YEAR: (
        "shows which collection year the record belongs to, so years can be "
        "compared and the retention period applied"
    ),
    AGE: "lets children be grouped by age without keeping the date of birth",
    SCHOOL_YEAR: (
        "lets children be grouped by school year without keeping the date of birth"
    ),
}

_PSEUDONYM_WHY: dict[PersonalData | None, str] = {
    PersonalData.IDENTIFIER: (
        "links the records that share this identifier across the authority's "
        "tables and years, without showing the identifier itself"
    ),
    PersonalData.NATIONAL_IDENTIFIER: (
        "follows a child who moves between authorities (this use case links "
        "records), without showing the identifier itself"
    ),
    PersonalData.WORKER_IDENTIFIER: (
        "links records about the same worker (for example a change of social "
        "worker) without showing who the worker is"
    ),
}
