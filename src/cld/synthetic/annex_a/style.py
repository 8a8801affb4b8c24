"""How each authority lays out its Annex A workbook: every council has its habits.

The style is fixed per authority (drawn from its code, not the seed), so the same
authority always names its file and sheets the same way, puts its header row on the
same row and writes dates and codes the same way, as a council's report would.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from cld.engine.spec.model import CategoryColumn
from cld.synthetic.seeds import rng_for, stable_number

DateStyle = Literal["excel", "text", "datetime", "mixed"]

_FILE_NAMES = (
    "Annex_A_{year}.xlsx",
    "{la} Annex A {start}-{yy}.xlsx",
    "Annex A {la} {start}-{year}.xlsx",
    "{la}_AnnexA_{start}{yy}.xlsx",
    "{name} Annex A {year}.xlsx",
)

_SHORT = {
    "list_1": "Contacts",
    "list_2": "Early Help",
    "list_3": "Referrals",
    "list_4": "Assessments",
    "list_5": "S47",
    "list_6": "CIN",
    "list_7": "CP",
    "list_8": "CLA",
    "list_9": "Care Leavers",
    "list_10": "Adoption",
    "list_11": "Adopters",
}
_WORDS = {
    "list_1": "Contacts",
    "list_2": "Early help",
    "list_3": "Referrals",
    "list_4": "Assessments",
    "list_5": "Section 47",
    "list_6": "Children in need",
    "list_7": "Child protection",
    "list_8": "Children in care",
    "list_9": "Care leavers",
    "list_10": "Adoption",
    "list_11": "Adopters",
}
_SHEET_NAMES = (
    "List {n} - {short}",
    "L{n}",
    "{words}",
    "List{n}",
    "Annex A List {n}",
)

HEADER_VARIANTS: dict[str, tuple[str, ...]] = {
    "Child Unique ID": ("Child ID", "Child Identifier", "Unique Child ID"),
    "Date of Birth": ("Child's Date of Birth", "Date of\nBirth", "DATE OF BIRTH"),
    "Age of Child (Years)": ("Age", "Age (years)", "Child's Age"),
}
"""Other headings some councils' reports give these columns (all read by the
schema's header patterns)."""

_FORMULA_START = ("=", "+", "@")


@dataclass(frozen=True)
class Style:
    file_name: str
    sheet_name: str
    header_row: int
    """The Excel row of each list's header (1 to 4): rows above hold a title."""
    first_column: int
    """The Excel column (1 = A) where each list starts."""
    dates: DateStyle
    numeric_ids: bool
    """Child identifiers are whole numbers, written as number cells."""
    template_codes: bool
    """Category cells hold the template's drop-down values (``a) Male``); else the
    council's system writes its own spellings of them."""
    other_headers: bool
    """Some columns are headed differently from the template (``Child ID``)."""
    lookups_sheet: bool
    """A hidden sheet of drop-down values, as a template has."""

    def sheet(self, table: str) -> str:
        return self.sheet_name.format(
            n=table.split("_")[1], short=_SHORT[table], words=_WORDS[table]
        )

    def date_as_cell(self, column: str) -> bool:
        """Whether dates of ``column`` are written as Excel date cells."""
        if self.dates == "mixed":
            return stable_number(f"date-cell:{column}") % 2 == 0
        return self.dates in ("excel", "datetime")


def style_of(la_code: str, numeric_ids: bool) -> Style:
    """The Annex A habits of the authority ``la_code``."""
    rng = rng_for(0, la_code, "annex_a_style")
    dates: tuple[DateStyle, ...] = ("excel", "text", "datetime", "mixed")
    return Style(
        file_name=_FILE_NAMES[int(rng.integers(len(_FILE_NAMES)))],
        sheet_name=_SHEET_NAMES[int(rng.integers(len(_SHEET_NAMES)))],
        header_row=int(rng.choice([1, 2, 3, 4], p=[0.3, 0.35, 0.2, 0.15])),
        first_column=int(rng.choice([1, 2], p=[0.8, 0.2])),
        dates=dates[int(rng.integers(len(dates)))],
        numeric_ids=numeric_ids,
        template_codes=bool(rng.random() < 0.4),
        other_headers=bool(rng.random() < 0.5),
        lookups_sheet=bool(rng.random() < 0.3),
    )


def file_name(style: Style, la_code: str, la_name: str, year: int) -> str:
    return style.file_name.format(
        la=la_code, name=la_name, year=year, start=year - 1, yy=f"{year % 100:02d}"
    )


def _writable(spelling: str, known: Mapping[str, str], code: str) -> bool:
    """Whether a council can write ``spelling`` for ``code`` and the validator
    reads it back as ``code`` (cells are trimmed and lower-cased)."""
    text = spelling.strip()
    return (
        bool(text)
        and not text.startswith(_FORMULA_START)
        and text.isprintable()
        and len(text) <= 60
        and known.get(text.lower()) == code
    )


def spellings_of(
    rng: np.random.Generator, column: CategoryColumn, template: bool
) -> dict[str, str]:
    """Code → how this council writes it: the code itself for a template, else one
    of its spellings, drawn once."""
    chosen = {}
    known = column.spellings()
    for code, meta in column.codes.items():
        if template:
            chosen[code] = code
            continue
        options = [s for s in (code, meta.label, *meta.aliases) if s]
        options = [s for s in options if _writable(s, known, code)] or [code]
        chosen[code] = options[int(rng.integers(len(options)))]
    return chosen
