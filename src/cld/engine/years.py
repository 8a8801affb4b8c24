"""Collection years as councils write them.

A collection year is named by the year in which it ends (31 March): ``2024`` is the
year 1 April 2023 to 31 March 2024. Councils write it ``2024``, ``2023-24``,
``2023/24``, ``2023-2024``, ``202324``, ``2324``, ``23/24`` or ``23-24``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Most specific first: a plain 2021 could also be read as 20-21 (2021), so whole
# four-digit years are tried before two-digit pairs.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("start and end years", re.compile(r"(?<!\d)(20\d\d)[-/_ ](20\d\d)(?!\d)")),
    ("start year and end", re.compile(r"(?<!\d)(20\d\d)[-/_ ]?(\d\d)(?!\d)")),
    ("year", re.compile(r"(?<!\d)(20\d\d)(?!\d)")),
    ("two-digit years", re.compile(r"(?<!\d)(\d\d)[-/_]?(\d\d)(?!\d)")),
)


def year_span(year: int) -> str:
    """The collection year ending in ``year`` as councils write it: ``2023-24``."""
    return f"{year - 1}-{year % 100:02d}"


@dataclass(frozen=True)
class YearReading:
    year: int
    written: str
    """The text the year was read from, as written."""

    @property
    def span(self) -> str:
        return year_span(self.year)

    def explain(self, where: str, *, ending_march: bool = True) -> str:
        """Why this year: ``ending_march`` for returns named by the year ending 31
        March; a termly census is named by the calendar year of its census day."""
        meaning = (
            f"the year ending 31 March {self.year}, {self.span}"
            if ending_march
            else f"the census in calendar year {self.year}"
        )
        return f"{self.year} ({meaning}), from '{self.written}' in {where}"


# Dates in a name (an export date, 2025-03-31, 31.03.2025, 20250331) are not years.
_DATES = re.compile(
    r"(?<!\d)(20\d\d[-_.]?[01]\d[-_.]?[0-3]\d|[0-3]\d[-_.][01]\d[-_.]20\d\d)(?!\d)"
)
_PLAUSIBLE = range(2010, 2051)


def find_year(text: str) -> YearReading | None:
    """The collection year written somewhere in ``text`` (a file name), or None.

    Export dates are skipped, and so are numbers that would give a year before 2010
    or after 2050 (``200001`` is not 2000-01).
    """
    text = _DATES.sub(lambda m: " " * len(m.group(0)), text)
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            year = _year_of(kind, match)
            if year is not None and year in _PLAUSIBLE:
                return YearReading(year, match.group(0))
    return None


def parse_year(text: str) -> int | None:
    """``text`` as a collection year when it is nothing but a year, else None."""
    reading = find_year(text.strip())
    if reading is None or reading.written != text.strip():
        return None
    return reading.year


def _year_of(kind: str, match: re.Match[str]) -> int | None:
    first = int(match.group(1))
    if kind == "year":
        return first
    second = int(match.group(2))
    if kind == "start and end years":
        return second if second == first + 1 else None
    if kind == "start year and end":
        return first + 1 if second == (first + 1) % 100 else None
    # two two-digit years, 23/24 or 2324
    if second == (first + 1) % 100:
        return 2000 + second if second != 0 else 2100
    return None
