"""The children looked after in one collection year and their periods of care.

Everything is a NumPy array: one entry per child, and one per episode (episodes are
grouped by child, in date order). Dates are day numbers (:mod:`cld.synthetic.dates`).

How a child's care is made, without a loop over children:

1. the child's *fate* in the year: still looked after on 31 March, left care,
   adopted, or placed for adoption and still looked after;
2. an anchor date ``T``: the end of the last episode (a child who left, in the
   year) or the start of the open last episode (still looked after, on or before
   31 March);
3. episode lengths, laid back to back ending at ``T``, so each episode starts on the
   day the one before ended;
4. a date of birth that makes the child 0 to 17 at every episode start.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from cld.synthetic.dates import UNDER_18_DAYS, Days, age_in_years, year_end, year_start

Counts = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]

# Age when a child starts to be looked after, 0 to 17: many babies and teenagers.
_ENTRY_AGE_WEIGHTS = np.array(
    [12, 6, 5, 5, 5, 4, 4, 4, 4, 4, 5, 5, 6, 8, 10, 11, 9, 5], dtype=np.float64
)
_MAX_EPISODES = 12
_MAX_SPAN_DAYS = 4900
"""Longest period of care made: well under 18 years, so every child fits in 0–17."""
_MAX_OPEN_START_DAYS = 1500
"""How long before 31 March the open last episode of a child may have started."""


class Fate(IntEnum):
    LOOKED_AFTER = 0
    """Still looked after on 31 March: the last episode is open."""
    LEFT = 1
    """Stopped being looked after during the year."""
    ADOPTED = 2
    """Adopted during the year (care ended with an adoption)."""
    PLACED_FOR_ADOPTION = 3
    """Placed for adoption and still looked after on 31 March."""


_FATE_SHARES = np.array([0.58, 0.34, 0.04, 0.04])


@dataclass(frozen=True)
class Cohort:
    year: int
    born: Days
    fate: npt.NDArray[np.int64]
    counts: Counts
    """Episodes per child."""
    child: Counts
    """The child of each episode (an index into the per-child arrays)."""
    start: Days
    end: Days
    """Episode end; for an open last episode it equals the start and means nothing."""
    is_open: Mask
    """Per episode: the open last episode of a child still looked after."""

    @property
    def size(self) -> int:
        return len(self.counts)

    @property
    def first(self) -> Counts:
        """Index of each child's first episode."""
        return np.cumsum(self.counts) - self.counts

    @property
    def last(self) -> Counts:
        return np.cumsum(self.counts) - 1

    @property
    def position(self) -> Counts:
        """Per episode: 0 for a child's first episode, 1 for the next…"""
        return np.arange(len(self.child)) - self.first[self.child]

    @property
    def care_start(self) -> Days:
        return self.start[self.first]

    @property
    def last_start(self) -> Days:
        return self.start[self.last]

    @property
    def still_looked_after(self) -> Mask:
        return np.isin(self.fate, (Fate.LOOKED_AFTER, Fate.PLACED_FOR_ADOPTION))

    @property
    def care_end(self) -> Days:
        """The day care ended, or 31 March for a child still looked after."""
        return np.where(
            self.still_looked_after, year_end(self.year), self.end[self.last]
        )

    def part(self, begin: int, stop: int) -> Cohort:
        """Children ``begin`` to ``stop`` (not included), with their episodes."""
        bounds = np.concatenate([[0], np.cumsum(self.counts)])
        low, high = int(bounds[begin]), int(bounds[stop])
        return Cohort(
            year=self.year,
            born=self.born[begin:stop],
            fate=self.fate[begin:stop],
            counts=self.counts[begin:stop],
            child=self.child[low:high] - begin,
            start=self.start[low:high],
            end=self.end[low:high],
            is_open=self.is_open[low:high],
        )

    def age_on(self, days: Days | int, children: Counts | None = None) -> Days:
        born = self.born if children is None else self.born[children]
        return age_in_years(born, days)


def episode_counts(rng: np.random.Generator, size: int) -> Counts:
    """How many episodes each of ``size`` children has (1 to 12, about 2.6 each)."""
    return np.minimum(1 + rng.poisson(1.6, size=size), _MAX_EPISODES).astype(np.int64)


def at_least_one(rng: np.random.Generator, chosen: Mask, pool: Mask) -> Mask:
    """``chosen``, or one child of ``pool`` when nothing was chosen."""
    if chosen.any() or not pool.any():
        return chosen
    candidates = np.flatnonzero(pool)
    out = chosen.copy()
    out[candidates[rng.integers(0, len(candidates))]] = True
    return out


def _fates(rng: np.random.Generator, counts: Counts) -> npt.NDArray[np.int64]:
    fate = rng.choice(len(_FATE_SHARES), size=len(counts), p=_FATE_SHARES)
    # Adoption comes after at least one earlier placement.
    single = counts < 2
    fate[single & (fate == Fate.ADOPTED)] = Fate.LEFT
    fate[single & (fate == Fate.PLACED_FOR_ADOPTION)] = Fate.LOOKED_AFTER
    for wanted in (Fate.ADOPTED, Fate.PLACED_FOR_ADOPTION):
        pool = ~single & np.isin(fate, (Fate.LOOKED_AFTER, Fate.LEFT))
        forced = at_least_one(rng, fate == wanted, pool)
        fate[forced] = wanted
    return fate.astype(np.int64)


def make_cohort(rng: np.random.Generator, year: int, counts: Counts) -> Cohort:
    """Children with ``counts`` episodes each, looked after in collection ``year``."""
    size = len(counts)
    first_day, last_day = year_start(year), year_end(year)
    fate = _fates(rng, counts)
    still = np.isin(fate, (Fate.LOOKED_AFTER, Fate.PLACED_FOR_ADOPTION))

    total = int(counts.sum())
    child = np.repeat(np.arange(size, dtype=np.int64), counts)
    first = np.cumsum(counts) - counts
    last = first + counts - 1

    length = np.ceil(rng.gamma(1.3, 170.0, size=total)).astype(np.int64)
    length = np.clip(length, 1, 1500)
    length[last[still]] = 0  # the open episode has no length yet
    span = np.add.reduceat(length, first) if size else np.zeros(0, np.int64)
    squeeze = np.minimum(1.0, _MAX_SPAN_DAYS / np.maximum(span, 1))
    length = np.where(
        length > 0, np.maximum(1, np.floor(length * squeeze[child])), 0
    ).astype(np.int64)

    before_open = np.minimum(
        np.floor(rng.exponential(400.0, size=size)), _MAX_OPEN_START_DAYS
    ).astype(np.int64)
    in_year = first_day + np.floor(
        rng.random(size) * (last_day - first_day + 1)
    ).astype(np.int64)
    anchor = np.where(still, last_day - before_open, in_year)

    running = np.cumsum(length)
    upto = running - (running[first] - length[first])[child]  # sum to here, per child
    after = upto[last][child] - upto
    end = anchor[child] - after
    start = end - length
    is_open = np.zeros(total, dtype=np.bool_)
    is_open[last[still]] = True

    adoption = np.isin(fate, (Fate.ADOPTED, Fate.PLACED_FOR_ADOPTION))
    entry_age = np.where(
        adoption,
        rng.integers(0, 3, size=size),
        rng.choice(18, size=size, p=_ENTRY_AGE_WEIGHTS / _ENTRY_AGE_WEIGHTS.sum()),
    )
    age_days = entry_age * 365 + rng.integers(0, 365, size=size)
    care_start = start[first]
    latest = np.where(still, last_day, anchor)  # the child is under 18 until here
    oldest = latest - UNDER_18_DAYS  # born on or after this day
    born = care_start - age_days
    # Too old to be under 18 throughout: a birthday in the two years after the
    # earliest possible one, so such children do not all share one birthday.
    spread = oldest + np.floor(
        rng.random(size) * (np.minimum(oldest + 730, care_start) - oldest + 1)
    ).astype(np.int64)
    born = np.clip(np.where(born < oldest, spread, born), oldest, care_start)
    return Cohort(
        year=year,
        born=born.astype(np.int64),
        fate=fate,
        counts=counts,
        child=child,
        start=start.astype(np.int64),
        end=end.astype(np.int64),
        is_open=is_open,
    )
