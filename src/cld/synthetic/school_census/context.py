"""What every table of one census shares: the schema, the census, the pupils."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cld.engine.spec.model import DatasetSpec
from cld.governance.authorities import Authority
from cld.synthetic.school_census.calendar import Census
from cld.synthetic.school_census.population import Population
from cld.synthetic.seeds import rng_for

DATASET = "school_census"


@dataclass(frozen=True)
class CensusContext:
    authority: Authority
    spec: DatasetSpec
    census: Census
    population: Population
    seed: int
    date_style: int
    """Which of each date column's formats the authority's system writes."""
    outward: tuple[str, ...]
    """The authority's postcode districts."""

    def rng(self, *purpose: str) -> np.random.Generator:
        census = self.census
        return rng_for(
            self.seed,
            self.authority.code,
            DATASET,
            census.year,
            census.term,
            *purpose,
        )
