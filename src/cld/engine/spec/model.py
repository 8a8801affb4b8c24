"""The typed schema model: what a dataset's table and columns look like in one year.

Schema files (``cld/schemas/<dataset>/``) are data; :mod:`cld.engine.spec.load`
resolves a base year plus change files into a :class:`DatasetSpec` for a single
collection year. Everything downstream (conforming, identification, synthetic data,
privacy) reads these objects, never the YAML.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ISO_DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
)
"""Unambiguous ISO 8601 forms accepted for every date column besides its own formats."""


class PersonalData(StrEnum):
    """What kind of personal data a column holds; drives the privacy stages."""

    IDENTIFIER = "identifier"
    """The LA's own identifier for a child (CHILD, LAchildID): means nothing
    outside that LA."""
    NATIONAL_IDENTIFIER = "national_identifier"
    """An identifier a child keeps when moving between LAs (UPN, former UPN, ULN)."""
    WORKER_IDENTIFIER = "worker_identifier"
    DATE_OF_BIRTH = "date_of_birth"
    POSTCODE = "postcode"
    FREE_TEXT = "free_text"
    NAME = "name"


IDENTIFIERS: frozenset[PersonalData] = frozenset(
    {
        PersonalData.IDENTIFIER,
        PersonalData.NATIONAL_IDENTIFIER,
        PersonalData.WORKER_IDENTIFIER,
    }
)
"""The classes that name a person: replaced by a keyed pseudonym or dropped."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Code(_Frozen):
    """One permitted value of a category column, with the spellings that mean it."""

    label: str = ""
    aliases: tuple[str, ...] = ()

    @field_validator("aliases", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        if isinstance(value, str | int):
            return (str(value),)
        if isinstance(value, list | tuple):
            return tuple(str(v) for v in value)
        return value


class _ColumnBase(_Frozen):
    label: str
    """Plain-English name used in messages, e.g. 'placement type'."""
    description: str = ""
    mandatory: bool = False
    key: bool = False
    """Part of the table's unique key."""
    sort: int | None = None
    """Position of this column in the table's sort order (1 first)."""
    personal: PersonalData | None = None
    headers: tuple[str, ...] = ()
    """Regular expressions for other spellings of the header, matched in full,
    ignoring case, after the exact (trimmed, case-folded) name."""
    path: str | None = None
    """XML only: where the value is, as an ElementPath relative to the table's
    record element (``ChildIdentifiers/UPN``, ``../CINreferralDate``); a leading
    ``/`` makes it relative to the unit element instead (``/ChildIdentifiers/LAchildID``
    puts the child's identifier on every row). Defaults to the column's name."""

    @field_validator("headers")
    @classmethod
    def _valid_regexes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            re.compile(pattern)
        return value

    @property
    def is_personal(self) -> bool:
        return self.personal is not None


class TextColumn(_ColumnBase):
    type: Literal["text"] = "text"
    max_length: int | None = None


class PatternColumn(_ColumnBase):
    type: Literal["pattern"]
    pattern: str
    expected: str
    """What a right value looks like, in words, e.g. 'letters and digits only'."""
    max_length: int | None = None

    @field_validator("pattern")
    @classmethod
    def _valid_regex(cls, value: str) -> str:
        re.compile(value)
        return value


class PostcodeColumn(_ColumnBase):
    type: Literal["postcode"]


class IntegerColumn(_ColumnBase):
    type: Literal["integer"]
    min: int | None = None
    max: int | None = None


class DecimalColumn(_ColumnBase):
    type: Literal["decimal"]
    min: float | None = None
    max: float | None = None


EARLIEST_DATE = dt.date(1900, 1, 1)
"""The earliest date any date column may hold unless its schema says otherwise."""
LATEST_YEARS_AFTER = 10
"""How many years after its collection year a date other than a birth date may be."""


class DateColumn(_ColumnBase):
    type: Literal["date"]
    formats: tuple[str, ...] = ("%d/%m/%Y",)
    excel_serials: bool = False
    """Also accept a whole number as an Excel date serial (days since 1899-12-30),
    as workbooks store dates."""
    earliest: dt.date = EARLIEST_DATE
    """No date in the column is before this (a year written ``25`` or ``0025``, or
    a typing slip, is caught here)."""
    latest_years_after: int | None = Field(default=None, ge=0)
    """The latest plausible date is 31 March of the collection year plus this many
    years. Unset: 0 for a date of birth (no one in a return is born after its
    year), :data:`LATEST_YEARS_AFTER` for any other date (a planned date may be
    ahead, not by centuries)."""

    def plausible_range(self, year: int) -> tuple[dt.date, dt.date]:
        """(earliest, latest) date this column may hold in the ``year`` return."""
        years = self.latest_years_after
        if years is None:
            years = (
                0 if self.personal == PersonalData.DATE_OF_BIRTH else LATEST_YEARS_AFTER
            )
        return self.earliest, dt.date(year + years, 3, 31)

    @property
    def accepted_formats(self) -> tuple[str, ...]:
        return self.formats + tuple(
            f for f in ISO_DATE_FORMATS if f not in self.formats
        )


class CategoryColumn(_ColumnBase):
    type: Literal["category"]
    codes: dict[str, Code]

    @field_validator("codes", mode="before")
    @classmethod
    def _codes_as_strings(cls, value: object) -> object:
        if isinstance(value, dict):
            return {str(k): ({} if v is None else v) for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _aliases_unambiguous(self) -> CategoryColumn:
        self.spellings()  # raises when one spelling is given for two codes
        return self

    def spellings(self) -> dict[str, str]:
        """Every accepted spelling, case-folded, mapped to its canonical code.

        Codes themselves win over labels and aliases of other codes; a label or
        alias that two codes share is an error in the schema file.
        """
        mapping: dict[str, str] = {}
        owners: dict[str, set[str]] = {}
        for code, meta in self.codes.items():
            for spelling in (meta.label, *meta.aliases):
                if spelling:
                    owners.setdefault(spelling.strip().casefold(), set()).add(code)
        for spelling, codes in owners.items():
            if len(codes) > 1:
                raise ValueError(
                    f"{self.label}: spelling {spelling!r} is given for codes "
                    f"{sorted(codes)}"
                )
            mapping[spelling] = next(iter(codes))
        for code in self.codes:
            mapping[code.strip().casefold()] = code
        return mapping


ColumnSpec = Annotated[
    TextColumn
    | PatternColumn
    | PostcodeColumn
    | IntegerColumn
    | DecimalColumn
    | DateColumn
    | CategoryColumn,
    Field(discriminator="type"),
]


class TableSpec(_Frozen):
    name: str
    title: str
    file_names: tuple[str, ...] = ()
    """Words that name this table in a file name, e.g. 'episodes'."""
    columns: dict[str, ColumnSpec]
    record: str | None = None
    """XML only: the element that makes one row, as a path relative to the unit
    element (``.`` for the unit itself, ``CINdetails/Assessments``); a leading ``/``
    makes it relative to the root instead, for tables outside the units."""
    sheets: tuple[str, ...] = ()
    """Workbooks only: regular expressions for the sheet names that hold this
    table, matched in full, ignoring case ("List 1 - Contacts", "L1", "Contacts")."""

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(name for name, col in self.columns.items() if col.key)

    @property
    def sort_by(self) -> tuple[str, ...]:
        ordered = [(col.sort, name) for name, col in self.columns.items() if col.sort]
        return tuple(name for _, name in sorted(ordered))

    @property
    def mandatory(self) -> tuple[str, ...]:
        return tuple(name for name, col in self.columns.items() if col.mandatory)


class XmlLayout(_Frozen):
    """Where things are in an XML return. Paths are relative to the root element."""

    root: str
    """The root element's name, e.g. ``Message``."""
    unit: str
    """The element streamed one at a time and cleared after use, e.g.
    ``Children/Child``: memory stays flat however large the file."""
    collection: str | None = None
    """The element naming the collection, e.g.
    ``Header/CollectionDetails/Collection``."""
    collection_names: tuple[str, ...] = ()
    """Values of ``collection`` that mean this dataset, e.g. ``CIN``."""
    year: str | None = None
    """The element holding the collection year."""
    reference_date: str | None = None
    """The element holding the census reference date (its year, when before
    1 April, or the next, is the collection year)."""
    la: str | None = None
    """The element holding the LA's DfE number, e.g. ``Header/Source/LEA``."""


class DatasetSpec(_Frozen):
    """A dataset resolved for one collection year."""

    name: str
    title: str
    format: Literal["csv", "xml", "xlsx"]
    year: int
    first_year: int
    last_year: int
    file_names: tuple[str, ...] = ()
    """Words that name this dataset in a file name, e.g. 'ssda903', '903'."""
    tables: dict[str, TableSpec]
    xml: XmlLayout | None = None
    """XML returns only: where the header facts and the units are."""
    terms: tuple[str, ...] = ()
    """Returns made once a term (school census): the term names, e.g. autumn."""
