"""A use case: why data is pooled, the legal basis, and what is done to each column.

A use case is data (``use_cases/<name>.yaml``, then the registry's versioned policy).
``datasets`` maps dataset → table → column → :class:`ColumnRule`; a column the use
case does not name is dropped (minimisation by default).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cld.engine.transforms.treatments import Treatment


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ColumnRule(_Frozen):
    treatment: Treatment
    why: str = ""
    """Why the use case needs the column (the DPIA draft quotes it)."""


TableRules = dict[str, ColumnRule]


class UseCase(_Frozen):
    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    title: str
    purpose: str
    benefits: str = ""
    lawful_basis: str
    """UK GDPR Art. 6 basis and the statute behind it."""
    special_category_condition: str
    """UK GDPR Art. 9 condition (DPA 2018 Sch. 1)."""
    recipients: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    retention_years: int = Field(ge=1, le=100)
    """How long the use case's tables are kept after the end of the collection year."""
    agreement_years: int = Field(default=3, ge=1, le=25)
    """How long a signed DPA runs when no end date is given."""
    disclosure: str = "dfe"
    """The disclosure-control rule of its aggregates (``dfe`` or ``strict``; see
    :mod:`cld.engine.disclosure.rules`)."""
    linkage: bool = False
    """Whether national identifiers (UPN) may be kept as pseudonyms, so a child who
    moves between authorities can be followed; without it they are dropped."""
    datasets: dict[str, dict[str, TableRules]]

    @field_validator("datasets", mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        """``COLUMN: keep`` is short for ``COLUMN: {treatment: keep}``. Anything
        that is not a mapping where one is due is left for the model's own
        validation, which says where and what it expected."""
        if not isinstance(value, dict):
            return value
        return {
            dataset: {
                table: {
                    column: {"treatment": rule} if isinstance(rule, str) else rule
                    for column, rule in columns.items()
                }
                if isinstance(columns, dict)
                else columns or {}
                for table, columns in tables.items()
            }
            if isinstance(tables, dict)
            else tables or {}
            for dataset, tables in value.items()
        }

    def tables(self, dataset: str) -> dict[str, TableRules]:
        return self.datasets.get(dataset, {})

    def kept(self, dataset: str, table: str) -> dict[str, ColumnRule]:
        """The columns this use case keeps of a table, with their rules."""
        rules = self.tables(dataset).get(table, {})
        return {c: r for c, r in rules.items() if r.treatment != Treatment.DROP}
