"""Disclosure control for every aggregate that leaves the hub.

Pure Polars, no I/O. An output is made in three steps:

1. :func:`add_margins` turns counts per (strata…, area, category) into complete
   grids with each area's total, the London rows and the grand total;
2. the caller adds any rates or percentages, computed from the true counts;
3. :func:`protect` hides small counts (primary suppression) and the cells that
   would give them away through the totals (secondary suppression), rounds what is
   shown, hides derived values whose counts are hidden, and writes every value as
   text with the GSS symbols (``[c]``, ``[x]``, ``[z]``, ``[low]``).

Before anything is written to CSV or a workbook, :func:`neutralise_formulae` (and
:func:`neutralise_text` for headers and notes) stop text being run as a formula.
The rule used (:data:`RULES`, :func:`rule_named`) is stated in every output's notes
by its ``description``.
"""

from __future__ import annotations

from cld.engine.disclosure.margins import add_margins
from cld.engine.disclosure.rules import (
    CONFIDENTIAL,
    LOW,
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    RULES,
    DisclosureRule,
    rule_named,
)
from cld.engine.disclosure.spreadsheet_safety import (
    neutralise_formulae,
    neutralise_text,
    neutralised,
)
from cld.engine.disclosure.suppress import protect, suppressed_column

__all__ = [
    "CONFIDENTIAL",
    "LOW",
    "NOT_APPLICABLE",
    "NOT_AVAILABLE",
    "RULES",
    "DisclosureRule",
    "add_margins",
    "neutralise_formulae",
    "neutralise_text",
    "neutralised",
    "protect",
    "rule_named",
    "suppressed_column",
]
