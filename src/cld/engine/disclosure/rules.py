"""The disclosure rules an output can be published under, and the GSS symbols.

A rule says three things in plain English: counts from 1 up to ``threshold`` are
hidden (a 0 is shown, because "nobody" identifies nobody); every count that is shown
is rounded to ``round_to``; counts for all authorities together (the "London" rows)
are rounded to ``total_round_to``. ``description`` is the sentence every output
carries in its notes so a reader knows what was done to the numbers.

Two rules ship: ``dfe`` (the Department for Education's default for children's
social care statistics) and ``strict`` (the OpenSAFELY habit of suppressing 7 or
fewer and rounding everything to 5).
"""

from __future__ import annotations

from dataclasses import dataclass

from cld.engine.errors import UsageError

CONFIDENTIAL = "[c]"
"""A value hidden to protect the people it counts."""
NOT_AVAILABLE = "[x]"
"""A value that is not known (it was not collected or could not be worked out)."""
NOT_APPLICABLE = "[z]"
"""A value that has no meaning here."""
LOW = "[low]"
"""A count above zero that rounds to zero."""


@dataclass(frozen=True)
class DisclosureRule:
    """How counts are protected before they leave the hub (see the module docstring)."""

    name: str
    threshold: int
    """Counts of 1 to ``threshold`` are suppressed; 0 is shown as 0."""
    round_to: int
    """Every shown count is rounded (half up) to a multiple of this; 1 means none."""
    total_round_to: int
    """Counts across all authorities (the London rows) are rounded to this."""
    description: str
    """One sentence for the notes of every output published under the rule."""

    def __post_init__(self) -> None:
        problems = []
        if self.threshold < 0:
            problems.append(f"threshold must be 0 or more, not {self.threshold}")
        if self.round_to < 1:
            problems.append(f"round_to must be 1 or more, not {self.round_to}")
        if self.total_round_to < 1:
            problems.append(
                f"total_round_to must be 1 or more, not {self.total_round_to}"
            )
        if problems:
            raise UsageError(f"disclosure rule {self.name!r}: " + "; ".join(problems))


_SECONDARY = (
    "with secondary suppression so no suppressed count can be worked out from totals"
)
_DERIVED = (
    "rates and percentages are shown only where every count they come from is shown"
)

RULES: dict[str, DisclosureRule] = {
    "dfe": DisclosureRule(
        name="dfe",
        threshold=5,
        round_to=1,
        total_round_to=10,
        description=(
            f"Counts of 1 to 5 are suppressed and shown as {CONFIDENTIAL}, "
            f"{_SECONDARY}; London totals are rounded to the nearest 10; {_DERIVED}."
        ),
    ),
    "strict": DisclosureRule(
        name="strict",
        threshold=7,
        round_to=5,
        total_round_to=5,
        description=(
            f"Counts of 1 to 7 are suppressed and shown as {CONFIDENTIAL}, "
            f"{_SECONDARY}; every other count, London totals included, is rounded "
            f"to the nearest 5; {_DERIVED}."
        ),
    ),
}
"""The rules a use case or a command can name."""


def rule_named(name: str) -> DisclosureRule:
    """The shipped rule called ``name``; a :class:`UsageError` lists the names."""
    try:
        return RULES[name]
    except KeyError:
        known = ", ".join(sorted(RULES))
        raise UsageError(
            f"unknown disclosure rule {name!r}; the rules are: {known}"
        ) from None
