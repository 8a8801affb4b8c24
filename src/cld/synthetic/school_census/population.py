"""The schools and pupils of one authority in one academic year.

Everything is a NumPy array, one entry per pupil (or school). A pupil's national
curriculum year follows from their age on 31 August before the academic year
(reception is 4, year 1 is 5, ... year 13 is 17), so every date of birth fits the
year group. The same pupils are in the spring and summer censuses of the academic
year, less those who leave; the autumn census starts the next academic year.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from cld.governance.authorities import Authority
from cld.synthetic.codes import pick
from cld.synthetic.dates import Days, day_number
from cld.synthetic.school_census.calendar import Census
from cld.synthetic.seeds import rng_for

Counts = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]
Floats = npt.NDArray[np.float64]

YEAR_GROUPS = ("E1", "E2", "N1", "N2", "R", *(str(n) for n in range(1, 15)))
"""National curriculum year groups by age on 31 August: E1 is 0, reception 4."""
PRIMARY = (2, 10)
"""Ages (on 31 August) in a primary school: nursery (N1) to year 6."""
SECONDARY = (11, 17)
"""Year 7 to year 13."""
POST_16 = 16
SCHOOL_AGE = 5
"""Compulsory school age (year 1 and over)."""
EARLY_YEARS = 3
"""Pupils this age or younger on 31 August are in nursery (N1, N2)."""
MIN_PUPILS = 4
"""Fewest pupils made: one in nursery, reception, year 7 and year 12."""

_AGE_WEIGHTS = np.array(
    [0, 0, 2, 6, 7, 7, 7, 7, 7, 7, 7, 7, 6.5, 6.5, 6.5, 6.5, 4, 3.5, 0],
    dtype=np.float64,
)
"""How many pupils of each age (0 to 18) a London authority's schools have."""
_LEAVERS_PER_TERM = 0.03
_PUPILS_PER_SCHOOL = 160
_MAX_SCHOOLS = 90
_SEN_SHARES = (0.83, 0.13, 0.04)
"""No special educational need, SEN support, an EHC plan."""

_GIRLS = (
    "Amelia", "Olivia", "Isla", "Ava", "Aisha", "Fatima", "Maryam", "Zara", "Sofia",
    "Grace", "Chloe", "Ella", "Amira", "Hana", "Layla", "Mia", "Ruby", "Emily",
    "Precious", "Blessing", "Zuzanna", "Maja", "Elif", "Ayesha", "Nia", "Sienna",
    "Freya", "Evie", "Jasmine", "Khadija", "Anaya", "Priya", "Leah", "Esther",
)  # fmt: skip
_BOYS = (
    "Muhammad", "Oliver", "Noah", "Leo", "Adam", "Yusuf", "Ibrahim", "Harry", "Jack",
    "George", "Theo", "Arthur", "Ali", "Omar", "Daniel", "Samuel", "Joshua", "David",
    "Kacper", "Jakub", "Emir", "Mustafa", "Ayaan", "Rayan", "Kwame", "Tobi", "Jayden",
    "Isaac", "Elijah", "Zain", "Hamza", "Aarav", "Luca", "Mateo",
)  # fmt: skip
_SURNAMES = (
    "Smith", "Jones", "Williams", "Brown", "Taylor", "Khan", "Ahmed", "Ali", "Begum",
    "Hussain", "Patel", "Shah", "Okafor", "Adeyemi", "Mensah", "Osei", "Campbell",
    "Clarke", "Wright", "Walker", "Murphy", "O'Brien", "Kowalski", "Nowak", "Yilmaz",
    "Demir", "Silva", "Santos", "Rossi", "Nguyen", "Chen", "Wang", "Ibrahim",
    "Mohamed", "Abdi", "Hassan", "Thompson", "White", "Green", "Hall", "Lewis",
    "Davies", "Evans", "Johnson", "Robinson", "Wood", "Edwards", "Baker-Hughes",
)  # fmt: skip
_PLACES = (
    "St Mary's", "St John's", "Holy Trinity", "Oakfield", "Riverside", "Hillside",
    "Park View", "Greenwood", "Northbrook", "Elmhurst", "Woodlands", "Brookfield",
    "St Joseph's", "Millfield", "Ashburton", "Highgate", "Kingsmead", "Meadowbank",
    "Canal Side", "Cedar", "Willow", "Beechwood", "Lansbury", "Stockwell", "Orchard",
)  # fmt: skip


@dataclass(frozen=True)
class Schools:
    estab: Counts
    """DfE establishment number (4 digits)."""
    urn: Counts
    phase: npt.NDArray[np.str_]
    """primary, secondary or all-through."""
    name: pl.Series
    low: Counts
    """Youngest age (on 31 August) on roll."""
    high: Counts

    @property
    def size(self) -> int:
        return len(self.estab)


@dataclass(frozen=True)
class Population:
    """The pupils of one academic year, and the censuses they are in."""

    start: int
    """The calendar year in which the academic year begins (September)."""
    schools: Schools
    school: Counts
    age: Counts
    """Age on 31 August before the academic year: the index in ``YEAR_GROUPS``."""
    born: Days
    female: Mask
    upn: pl.Series
    former_upn: pl.Series
    """Null for most pupils."""
    uln: pl.Series
    """Unique learner number: pupils aged 14 and over mostly have one."""
    forename: pl.Series
    middlenames: pl.Series
    surname: pl.Series
    preferred_surname: pl.Series
    former_surname: pl.Series
    entry: Days
    leave_term: Counts
    """0, 1, 2: left before the autumn, spring or summer census; 3: stays."""
    leave_day: Days
    sen: Counts
    """0 no special educational need, 1 SEN support, 2 an EHC plan."""
    chance: npt.NDArray[np.float64]
    """Per pupil and purpose (columns), a fixed number from 0 to 1, so a pupil's
    codes (language, ethnicity...) are the same in every census."""

    @property
    def size(self) -> int:
        return len(self.age)

    def on_roll(self, census: Census) -> Counts:
        """Pupils on roll on the census day, by school."""
        return np.flatnonzero(self.leave_term > census.position)

    def leavers(self, census: Census) -> Counts:
        """Pupils who left since the census before."""
        return np.flatnonzero(self.leave_term == census.position)


CHANCES = ("language", "ethnicity", "nationality", "birth", "fsm", "lunch", "other")
"""The purposes of ``Population.chance``, by column."""


def chance(population: Population, purpose: str, pupils: Counts) -> Floats:
    values: Floats = population.chance[pupils, CHANCES.index(purpose)]
    return values


def _schools(rng: np.random.Generator, authority: Authority, children: int) -> Schools:
    count = int(np.clip(round(children / _PUPILS_PER_SCHOOL), 2, _MAX_SCHOOLS))
    # about one secondary school to three primaries; the first two are one of each
    secondary = np.zeros(count, dtype=np.bool_)
    secondary[1] = True
    secondary[2:] = rng.random(count - 2) < 0.25
    # establishment numbers: primaries 2000-3999, secondaries 4000-5999
    estab = np.where(
        secondary,
        4000 + rng.choice(2000, size=count, replace=False),
        2000 + rng.choice(2000, size=count, replace=False),
    )
    urn = 100000 + rng.choice(50000, size=count, replace=False)
    phase = np.where(secondary, "secondary", "primary")
    places = pick(_PLACES, rng.integers(0, len(_PLACES), size=count))
    kind = pl.Series(np.where(secondary, " Academy", " Primary School"))
    names = pl.select(pl.concat_str([places, kind])).to_series()
    low = np.where(secondary, SECONDARY[0], PRIMARY[0]).astype(np.int64)
    high = np.where(secondary, SECONDARY[1], PRIMARY[1]).astype(np.int64)
    return Schools(
        estab.astype(np.int64), urn.astype(np.int64), phase, names, low, high
    )


def _upns(
    rng: np.random.Generator, authority: Authority, estab: Counts, size: int
) -> pl.Series:
    """A check letter, the LA number, the establishment number that issued it and a
    serial unique within that establishment: 13 characters, all distinct."""
    letters = pick(tuple("ABCDEFGHJKLMNPQRTUVWXYZ"), rng.integers(0, 23, size=size))
    frame = pl.DataFrame({"estab": estab, "at": np.arange(size)})
    serial = frame.select(
        pl.int_range(pl.len()).over("estab").alias("serial")
    ).to_series()
    offset = pl.Series((estab * 7919) % 50000)  # one per establishment
    digits = pl.select(
        pl.concat_str(
            [
                pl.lit(f"{authority.dfe:03d}"),
                pl.Series(estab).cast(pl.String).str.zfill(4),
                ((serial + offset) % 100000).cast(pl.String).str.zfill(5),
            ]
        )
    ).to_series()
    return pl.select(pl.concat_str([letters, digits])).to_series()


def _sparse(values: pl.Series, keep: Mask) -> pl.Series:
    return pl.select(pl.when(pl.Series(keep)).then(values)).to_series()


def _september_first(years: Counts) -> Days:
    """1 September of each of ``years``, as day numbers."""
    low = int(years.min())
    firsts = np.array(
        [day_number(y, 9, 1) for y in range(low, int(years.max()) + 1)],
        dtype=np.int64,
    )
    found: Days = firsts[years - low]
    return found


def make_population(
    authority: Authority, start: int, seed: int, *, children: int
) -> Population:
    """``children`` pupils on roll (and a few who leave during the year) of
    ``authority``'s schools in the academic year beginning September ``start``."""
    rng = rng_for(seed, authority.code, "school_census", start, "population")
    children = max(children, MIN_PUPILS)
    schools = _schools(rng, authority, children)
    per_term = max(1, round(children * _LEAVERS_PER_TERM))
    size = children + 3 * per_term

    age = rng.choice(len(_AGE_WEIGHTS), size=size, p=_AGE_WEIGHTS / _AGE_WEIGHTS.sum())
    age[: min(4, size)] = np.array([2, 4, 11, 16])[: min(4, size)]  # every phase
    primary = np.flatnonzero(schools.phase == "primary")
    secondary = np.flatnonzero(schools.phase == "secondary")
    in_primary = age <= PRIMARY[1]
    school = np.where(
        in_primary,
        primary[rng.integers(0, len(primary), size=size)],
        secondary[rng.integers(0, len(secondary), size=size)],
    ).astype(np.int64)

    # born 1 September (start - age - 1) to 31 August (start - age)
    first = _september_first(start - age - 1)
    last = _september_first(start - age) - 1
    born = first + np.floor(rng.random(size) * (last - first + 1)).astype(np.int64)
    female = rng.random(size) < 0.49

    leave_term = np.full(size, 3, dtype=np.int64)
    movers = rng.choice(np.arange(4, size), size=3 * per_term, replace=False)
    leave_term[movers] = np.repeat(np.arange(3), per_term)
    autumn = Census(start, "autumn")
    windows = [autumn, Census(start + 1, "spring"), Census(start + 1, "summer")]
    low = np.array([c.window_start for c in windows])[np.minimum(leave_term, 2)]
    high = np.array([c.day - 1 for c in windows])[np.minimum(leave_term, 2)]
    leave_day = low + np.floor(rng.random(size) * (high - low + 1)).astype(np.int64)

    years_here = np.floor(
        rng.random(size) * (np.maximum(age - schools.low[school], 0) + 1)
    ).astype(np.int64)
    entry = _september_first(start - years_here) + rng.integers(0, 10, size=size)
    joined_late = rng.random(size) < 0.08
    late = day_number(start, 9, 15) + np.floor(
        rng.random(size) * (autumn.day - day_number(start, 9, 15))
    ).astype(np.int64)
    entry = np.where(joined_late, late, entry)
    entry = np.where(leave_term < 3, np.minimum(entry, leave_day - 1), entry)

    names = rng.integers(0, 1 << 30, size=(size, 4))
    forename = pl.Series(
        np.where(
            female,
            np.array(_GIRLS)[names[:, 0] % len(_GIRLS)],
            np.array(_BOYS)[names[:, 0] % len(_BOYS)],
        )
    )
    middle = pl.Series(
        np.where(
            female,
            np.array(_GIRLS)[names[:, 1] % len(_GIRLS)],
            np.array(_BOYS)[names[:, 1] % len(_BOYS)],
        )
    )
    surname = pick(_SURNAMES, names[:, 2] % len(_SURNAMES))
    other_surname = pick(_SURNAMES, names[:, 3] % len(_SURNAMES))
    upn = _upns(rng, authority, schools.estab[school], size)
    moved = rng.random(size) < 0.05
    former = _upns(rng, authority, np.roll(schools.estab[school], 1), size)
    uln_numbers = 1_000_000_000 + rng.choice(8_999_999_999, size=size, replace=False)
    uln = pl.Series(uln_numbers).cast(pl.String)
    sen = rng.choice(3, size=size, p=np.array(_SEN_SHARES))
    return Population(
        start=start,
        schools=schools,
        school=school,
        age=age.astype(np.int64),
        born=born.astype(np.int64),
        female=female,
        upn=upn,
        former_upn=_sparse(former, moved),
        uln=_sparse(uln, (age >= 14) & (rng.random(size) < 0.85)),
        forename=forename,
        middlenames=_sparse(middle, rng.random(size) < 0.4),
        surname=surname,
        preferred_surname=_sparse(other_surname, rng.random(size) < 0.03),
        former_surname=_sparse(other_surname, rng.random(size) < 0.04),
        entry=entry.astype(np.int64),
        leave_term=leave_term,
        leave_day=leave_day.astype(np.int64),
        sen=sen.astype(np.int64),
        chance=rng.random((size, len(CHANCES))),
    )
