"""The DPIA draft's document model, and the plain inputs it is built from.

A :class:`Document` is a title block, sections and a footer; a section holds blocks:
paragraphs, bullet lists, tables (a header and rows) and boxes the authority
completes. :class:`DpiaInputs` is everything the draft is built from, gathered from
the registry by ``cld.pipeline.dpia_document``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from cld.governance.agreements import Agreement, AgreementStatus, Dpia, no_agreement
from cld.governance.authorities import Authority
from cld.governance.policy import Policy
from cld.governance.use_case import UseCase

TO_COMPLETE = "To be completed by the authority"

# -- the document model --------------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    text: str

    def texts(self) -> tuple[str, ...]:
        return (self.text,)


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]

    def texts(self) -> tuple[str, ...]:
        return self.items


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""

    def texts(self) -> tuple[str, ...]:
        return (
            self.caption,
            *self.header,
            *(cell for row in self.rows for cell in row),
        )


@dataclass(frozen=True)
class ToComplete:
    """A box the authority fills in: the registry cannot know the answer."""

    prompt: str

    def texts(self) -> tuple[str, ...]:
        return (self.prompt,)


Block = Paragraph | Bullets | Table | ToComplete


@dataclass(frozen=True)
class Section:
    heading: str
    blocks: tuple[Block, ...]
    level: int = 1
    """1 for a step of the DPIA, 2 and 3 for parts within it."""


@dataclass(frozen=True)
class Document:
    title: str
    stamp: tuple[str, ...]
    """The title block's lines: who, when, which policy."""
    sections: tuple[Section, ...]
    footer: str

    def strings(self) -> Iterator[str]:
        """Every piece of text in the document, in order."""
        yield self.title
        yield from self.stamp
        for section in self.sections:
            yield section.heading
            for block in section.blocks:
                yield from block.texts()
        yield self.footer


# -- what the draft is built from ----------------------------------------------


@dataclass(frozen=True)
class YearCoverage:
    year: int
    children: int | None
    """The most distinct (pseudonymised) children in any one table of the return
    that year; None when the uploads did not count them."""


@dataclass(frozen=True)
class DatasetCoverage:
    """The data an authority has published into one use case from one return."""

    use_case: str
    dataset: str
    years: tuple[YearCoverage, ...]


@dataclass(frozen=True)
class DpiaInputs:
    authority: Authority
    policy_version: int
    policy_sha256: str
    policy: Policy
    agreements: Mapping[str, Agreement]
    """The authority's agreement for each use case (missing means none)."""
    dpia: Dpia
    coverage: tuple[DatasetCoverage, ...]
    generated_on: dt.date

    def agreement(self, use_case: str) -> Agreement:
        found = self.agreements.get(use_case)
        return no_agreement(self.authority.code, use_case) if found is None else found

    def signed(self) -> tuple[UseCase, ...]:
        """The use cases the authority has signed, in force on the day."""
        return tuple(
            use_case
            for name, use_case in self.policy.use_cases.items()
            if self.agreement(name).status_on(self.generated_on)
            == AgreementStatus.SIGNED
        )


def day_words(day: dt.date | None) -> str:
    return "not recorded" if day is None else f"{day.day} {day:%B %Y}"
