"""What every table builder of one authority and year shares: the schema, the
children and their care, and facts about each child that several tables repeat."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from cld.engine.spec.load import load_spec
from cld.engine.spec.model import DatasetSpec, TableSpec
from cld.governance.authorities import Authority
from cld.synthetic.codes import category
from cld.synthetic.cohort import Cohort, Counts, episode_counts, make_cohort
from cld.synthetic.identifiers import IdStyle, child_ids, id_style, outward_codes
from cld.synthetic.seeds import rng_for

DATASET = "ssda903"

_SEX_LABEL_WEIGHTS = {"male": 0.55, "female": 0.45, "unknown": 0.002}
_LEAVERS_PER_CHILD = 0.25
"""Care leavers aged 19 to 21 (the OC3 table) for each child looked after."""


@dataclass(frozen=True)
class YearContext:
    authority: Authority
    spec: DatasetSpec
    seed: int
    cohort: Cohort
    ids: pl.Series
    """Child identifier of each child looked after."""
    sex: pl.Series
    """Each child's sex as a label of the header's SEX codes ('Male', 'Female'…)."""
    leaver_ids: pl.Series
    """Identifiers of care leavers (OC3), distinct from the children's."""
    id_style: IdStyle
    outward: tuple[str, ...]
    """The authority's postcode districts."""
    part: int | None = None
    """Which part of a cohort made in parts (its own random streams), or None."""

    @property
    def year(self) -> int:
        return self.spec.year

    def table(self, name: str) -> TableSpec:
        return self.spec.tables[name]

    def rng(self, purpose: str) -> np.random.Generator:
        parts: tuple[str | int, ...] = (self.authority.code, self.year, purpose)
        if self.part is not None:
            parts = (*parts, self.part)
        return rng_for(self.seed, *parts)

    def children_part(self, begin: int, stop: int, part: int) -> YearContext:
        """The context of children ``begin`` to ``stop`` only, as part ``part``."""
        return replace(
            self,
            cohort=self.cohort.part(begin, stop),
            ids=self.ids.slice(begin, stop - begin),
            sex=self.sex.slice(begin, stop - begin),
            part=part,
        )

    def sex_codes(self, table: TableSpec, children: Counts | None = None) -> pl.Series:
        """Each child's sex as a code of ``table.SEX`` (the one with the same label)."""
        by_label = {
            meta.label.casefold(): code
            for code, meta in category(table, "SEX").codes.items()
        }
        labels = self.sex if children is None else self.sex.gather(children)
        return labels.str.to_lowercase().replace_strict(
            by_label, return_dtype=pl.String
        )


def make_context(
    authority: Authority,
    year: int,
    seed: int,
    *,
    children: int | None = None,
    counts: Counts | None = None,
    style: IdStyle | None = None,
) -> YearContext:
    """The children of ``authority`` in ``year``: ``children`` of them, or as many as
    ``counts`` (episodes per child) has."""
    spec = load_spec(DATASET, year)
    rng = rng_for(seed, authority.code, year, "cohort")
    if counts is None:
        if children is None:
            raise ValueError("give either children or counts")
        counts = episode_counts(rng, children)
    cohort = make_cohort(rng, year, counts)
    style = style or id_style(authority.code)
    leavers = max(1, round(cohort.size * _LEAVERS_PER_CHILD))
    every_id = child_ids(rng, style, cohort.size + leavers)
    shuffled = every_id.gather(pl.Series(rng.permutation(len(every_id))))
    ids = shuffled.head(cohort.size).sort()
    labels = [
        meta.label for meta in category(spec.tables["header"], "SEX").codes.values()
    ]
    weights = np.array([_SEX_LABEL_WEIGHTS.get(x.casefold(), 0.01) for x in labels])
    sex = pl.Series(labels, dtype=pl.String).gather(
        pl.Series(rng.choice(len(labels), size=cohort.size, p=weights / weights.sum()))
    )
    return YearContext(
        authority=authority,
        spec=spec,
        seed=seed,
        cohort=cohort,
        ids=ids,
        sex=sex,
        leaver_ids=shuffled.tail(leavers).sort(),
        id_style=style,
        outward=outward_codes(authority.code),
    )
