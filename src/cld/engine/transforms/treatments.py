"""What the processing policy may do to a column: keep, pseudonymise, degrade, drop.

A column's treatment must fit what the column holds: an identifier is only ever
replaced by a keyed pseudonym or dropped, a date of birth is degraded or dropped,
and names and free text are always dropped. :func:`allowed_treatments` is that rule;
the policy is checked against it whenever it is loaded or changed.
"""

from __future__ import annotations

from enum import StrEnum

from cld.engine.spec.model import (
    IDENTIFIERS,
    ColumnSpec,
    DateColumn,
    PersonalData,
    PostcodeColumn,
)


class Treatment(StrEnum):
    KEEP = "keep"
    """Kept as it is (never allowed for personal data)."""
    PSEUDONYMISE = "pseudonymise"
    """Replaced by a keyed pseudonym (HMAC-SHA256 with the platform's secret)."""
    FIRST_OF_MONTH = "first_of_month"
    """A date degraded to the first day of its month."""
    POSTCODE_DISTRICT = "postcode_district"
    """A postcode degraded to its outward code (district), e.g. ``SW1A``."""
    DROP = "drop"
    """Not kept (the default for every column the policy does not name)."""

    @property
    def is_degrade(self) -> bool:
        return self in (Treatment.FIRST_OF_MONTH, Treatment.POSTCODE_DISTRICT)

    @property
    def describe(self) -> str:
        """What is done to the column, in words (the DPIA draft's wording)."""
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    Treatment.KEEP: "kept as it is",
    Treatment.PSEUDONYMISE: "replaced by a keyed pseudonym (HMAC-SHA256)",
    Treatment.FIRST_OF_MONTH: "degraded to the first day of the month",
    Treatment.POSTCODE_DISTRICT: "degraded to the postcode district (outward code)",
    Treatment.DROP: "dropped",
}


def allowed_treatments(column: ColumnSpec) -> frozenset[Treatment]:
    """The treatments a policy may give ``column``, from its type and personal class."""
    personal = column.personal
    if personal in IDENTIFIERS:
        return frozenset({Treatment.PSEUDONYMISE, Treatment.DROP})
    if personal == PersonalData.DATE_OF_BIRTH:
        return frozenset({Treatment.FIRST_OF_MONTH, Treatment.DROP})
    if personal == PersonalData.POSTCODE:
        return frozenset({Treatment.POSTCODE_DISTRICT, Treatment.DROP})
    if personal is not None:  # names and free text
        return frozenset({Treatment.DROP})
    allowed = {Treatment.KEEP, Treatment.DROP}
    if isinstance(column, DateColumn):
        allowed.add(Treatment.FIRST_OF_MONTH)
    if isinstance(column, PostcodeColumn):
        allowed.add(Treatment.POSTCODE_DISTRICT)
    return frozenset(allowed)


def category_of(column: ColumnSpec) -> str:
    """The DPIA category of a column: identifier, quasi-identifier, special
    category or other."""
    personal = column.personal
    if personal in IDENTIFIERS or personal in (PersonalData.NAME,):
        return "identifier"
    if personal in (PersonalData.DATE_OF_BIRTH, PersonalData.POSTCODE):
        return "quasi-identifier"
    if personal == PersonalData.FREE_TEXT:
        return "free text"
    name = column.label.casefold()
    if any(word in name for word in _SPECIAL_WORDS):
        return "special category"
    return "other"


_SPECIAL_WORDS = ("ethnic", "disab", "health", "religio", "sexual", "abuse", "need")
"""Words in a column's label that mark special-category data (UK GDPR Art. 9):
racial or ethnic origin, health (disability, health checks, needs), sex life."""
