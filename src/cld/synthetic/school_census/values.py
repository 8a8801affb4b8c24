"""The values of every column of a school census table, driven by the schema.

A column gets its values from a handler named after it (dates of birth from the
pupils, sessions that add up, exclusion reviews only for permanent exclusions...);
any other column is filled from its type in the schema: codes drawn from the year's
list, whole numbers within bounds, dates in the term before the census day. Code
lists are never written here: handlers say which codes are likely and
:func:`cld.synthetic.codes.draw` keeps only those the year has.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from cld.engine.spec.model import (
    CategoryColumn,
    ColumnSpec,
    DateColumn,
    DecimalColumn,
    IntegerColumn,
    PatternColumn,
    PostcodeColumn,
    TableSpec,
    TextColumn,
)
from cld.synthetic.codes import code_labelled, codes_of, draw, pick, weights_for
from cld.synthetic.dates import Days, day_number
from cld.synthetic.identifiers import postcodes
from cld.synthetic.school_census.context import CensusContext
from cld.synthetic.school_census.layout import Rows
from cld.synthetic.school_census.population import (
    EARLY_YEARS,
    POST_16,
    YEAR_GROUPS,
    Mask,
    Population,
    chance,
)

Floats = npt.NDArray[np.float64]


@dataclass
class Cell:
    """Everything the values of one column may depend on."""

    ctx: CensusContext
    table: str
    """The extract's table name (``pupilonroll``)."""
    spec: TableSpec
    name: str
    column: ColumnSpec
    rows: Rows
    parent: Rows | None
    rng: np.random.Generator
    done: dict[str, pl.Series]
    """The columns of this table made so far."""

    @property
    def size(self) -> int:
        return self.rows.size

    @property
    def pupils(self) -> npt.NDArray[np.int64]:
        return self.rows.pupil

    @property
    def ages(self) -> npt.NDArray[np.int64]:
        pupils = self.rows.pupil
        return np.where(pupils >= 0, self.ctx.population.age[np.maximum(pupils, 0)], -1)

    def some(self, share: float) -> Mask:
        return np.asarray(self.rng.random(self.size) < share)


Handler = Callable[[Cell], pl.Series]


# ------------------------------------------------------------------ helpers


def blank_unless(values: pl.Series, keep: Mask) -> pl.Series:
    return pl.select(pl.when(pl.Series(keep)).then(values.cast(pl.String))).to_series()


def dates(cell: Cell, days: Days, keep: Mask | None = None) -> pl.Series:
    """``days`` written in the authority's format for this date column."""
    assert isinstance(cell.column, DateColumn)
    formats = cell.column.formats
    fmt = formats[min(cell.ctx.date_style, len(formats) - 1)]
    as_date = pl.Series(np.asarray(days, dtype=np.int64).astype(np.int32)).cast(pl.Date)
    if "%H" in fmt:
        text = as_date.cast(pl.Datetime).dt.to_string(fmt)
    else:
        text = as_date.dt.to_string(fmt)
    return text if keep is None else blank_unless(text, keep)


def between(cell: Cell, low: Days | int, high: Days | int) -> Days:
    low_a = np.broadcast_to(np.asarray(low, dtype=np.int64), (cell.size,))
    high_a = np.broadcast_to(np.asarray(high, dtype=np.int64), (cell.size,))
    span = np.maximum(high_a - low_a, 0) + 1
    return np.asarray(low_a + np.floor(cell.rng.random(cell.size) * span), np.int64)


def numbers(cell: Cell, low: int, high: int) -> pl.Series:
    return pl.Series(cell.rng.integers(low, high + 1, size=cell.size)).cast(pl.String)


def category(cell: Cell) -> CategoryColumn:
    assert isinstance(cell.column, CategoryColumn), (cell.table, cell.name)
    return cell.column


def codes(
    cell: Cell,
    likely: Mapping[str, float] | None = None,
    *,
    default: float = 1.0,
    only: tuple[str, ...] | None = None,
) -> pl.Series:
    return draw(
        cell.rng, cell.spec, cell.name, cell.size, likely, default=default, only=only
    )


def by_chance(
    cell: Cell, purpose: str, likely: Mapping[str, float], default: float
) -> pl.Series:
    """A code per pupil that stays the same in every census (the pupil's own
    fixed number picks it), weighted by ``likely``."""
    listed = codes_of(cell.spec, cell.name)
    cumulative = np.cumsum(weights_for(listed, likely, default))
    draws = chance(cell.ctx.population, purpose, np.maximum(cell.pupils, 0))
    index = np.minimum(np.searchsorted(cumulative, draws), len(listed) - 1)
    return pick(listed, index.astype(np.int64))


def first_present(cell: Cell, preferences: tuple[str, ...]) -> str:
    listed = category(cell).codes
    for wanted in preferences:
        if wanted in listed:
            return wanted
    return next(iter(listed))


def population_text(cell: Cell, values: pl.Series) -> pl.Series:
    return values.gather(pl.Series(np.maximum(cell.pupils, 0)))


def sen_codes(cell: Cell) -> pl.Series:
    """Each pupil's special educational needs provision, as this year's codes."""
    levels = (
        first_present(cell, ("N",)),
        first_present(cell, ("K", "P", "A")),
        first_present(cell, ("E", "S")),
    )
    sen = cell.ctx.population.sen[np.maximum(cell.pupils, 0)]
    return pick(levels, sen)


def ages_mask(cell: Cell, audience: str) -> Mask:
    ages = cell.ages
    if audience == "post16":
        return np.asarray(ages >= POST_16)
    if audience == "early":
        return np.asarray((ages >= 0) & (ages <= EARLY_YEARS))
    if audience == "sen":
        return np.asarray(cell.ctx.population.sen[np.maximum(cell.pupils, 0)] > 0)
    raise ValueError(audience)


# ------------------------------------------------------------ the pupils


def _pupils(text: Callable[[Population], pl.Series]) -> Handler:
    """The handler of a column that is the pupil's own ``text`` (a name, a UPN)."""

    def handler(cell: Cell) -> pl.Series:
        return population_text(cell, text(cell.ctx.population))

    return handler


def _dob(cell: Cell) -> pl.Series:
    return dates(cell, cell.ctx.population.born[cell.pupils])


def _sex(cell: Cell) -> pl.Series:
    female = cell.ctx.population.female[cell.pupils]
    girl = code_labelled(cell.spec, cell.name, "Female")
    boy = code_labelled(cell.spec, cell.name, "Male")
    return pl.Series(np.where(female, girl, boy))


def _year_group(cell: Cell) -> pl.Series:
    listed = category(cell).codes
    groups = tuple(YEAR_GROUPS)
    missing = {groups[a] for a in set(cell.ages.tolist())} - set(listed)
    if missing:
        raise LookupError(f"{cell.spec.name}.{cell.name} has no {sorted(missing)}")
    return pick(groups, cell.ages)


def _entrydate(cell: Cell) -> pl.Series:
    if cell.table.startswith("schoolarrangedap"):
        return dates(cell, _ap_entry(cell))
    return dates(cell, cell.ctx.population.entry[cell.pupils])


def _leavingdate(cell: Cell) -> pl.Series:
    if cell.table == "pupilnolongeronroll":
        return dates(cell, cell.ctx.population.leave_day[cell.pupils])
    made = cell.done.get("__ap_entry")
    census = cell.ctx.census
    start = made.to_numpy() + 1 if made is not None else census.day - 30
    return dates(cell, between(cell, start, census.day - 1), cell.some(0.15))


def _language(cell: Cell) -> pl.Series:
    likely = {
        "ENG": 55, "BNG": 6, "SOM": 3, "POL": 3, "URD": 2, "TUR": 3, "ARA": 3,
        "POR": 2, "RMN": 2, "SPA": 2, "FRN": 1.5, "YOR": 1.5, "TAM": 1, "GUJ": 1,
        "PNJ": 1, "LIT": 1, "ALB": 1, "AKA": 1, "ITA": 1, "CHI": 1, "BUL": 1,
        "TGR": 0.5, "PRS": 1, "NOT": 1,
    }  # fmt: skip
    return by_chance(cell, "language", likely, 0.02)


def _ethnicity(cell: Cell) -> pl.Series:
    likely = {
        "WBRI": 30, "WOTH": 10, "WIRI": 1, "WROM": 0.5, "MWBC": 3, "MWBA": 2,
        "MWAS": 2, "MOTH": 4, "AIND": 5, "APKN": 3, "ABAN": 6, "AOTH": 4, "BCRB": 5,
        "BAFR": 11, "BSOM": 2, "BOTH": 2, "CHNE": 1.5, "OOTH": 5, "REFU": 1,
        "NOBT": 1,
    }  # fmt: skip
    return by_chance(cell, "ethnicity", likely, 0.1)


def _country(purpose: str) -> Handler:
    def handler(cell: Cell) -> pl.Series:
        likely = {
            "GBR": 70, "POL": 2, "ROU": 2, "SOM": 1, "NGA": 2, "IND": 2, "BGD": 2,
            "PAK": 1, "TUR": 1, "PRT": 1, "ITA": 1, "ESP": 1, "AFG": 1, "UKR": 1,
        }  # fmt: skip
        return by_chance(cell, purpose, likely, 0.01)

    return handler


def _senprovision(cell: Cell) -> pl.Series:
    return sen_codes(cell)


def _enrolstatus(cell: Cell) -> pl.Series:
    return codes(cell, {"C": 96, "M": 2, "S": 2}, default=0)


def _parttime(cell: Cell) -> pl.Series:
    early = ages_mask(cell, "early")
    part = early & cell.some(0.6)
    yes = code_labelled(cell.spec, cell.name, "True")
    no = code_labelled(cell.spec, cell.name, "False")
    return pl.Series(np.where(part, yes, no))


def _true_false(share_true: float, audience: str | None = None) -> Handler:
    def handler(cell: Cell) -> pl.Series:
        yes = code_labelled(cell.spec, cell.name, "True")
        no = code_labelled(cell.spec, cell.name, "False")
        values = pl.Series(np.where(cell.some(share_true), yes, no))
        if audience is None or cell.rows.pupil.min(initial=0) < 0:
            return values
        return blank_unless(values, ages_mask(cell, audience))

    return handler


def _likely(
    likely: Mapping[str, float],
    default: float = 0.0,
    audience: str | None = None,
    share: float = 1.0,
) -> Handler:
    def handler(cell: Cell) -> pl.Series:
        values = codes(cell, likely, default=default)
        keep = cell.some(share)
        if audience is not None and cell.rows.pupil.min(initial=0) >= 0:
            keep &= ages_mask(cell, audience)
        return values if keep.all() else blank_unless(values, keep)

    return handler


def _classtype(cell: Cell) -> pl.Series:
    nursery = first_present(cell, ("N",))
    other = first_present(cell, ("O",))
    return pl.Series(np.where(ages_mask(cell, "early"), nursery, other))


def _lunch(cell: Cell) -> pl.Series:
    infants = (cell.ages >= 4) & (cell.ages <= 6)
    return blank_unless(_true_false(0.85)(cell), infants)


def _number(low: int, high: int) -> Handler:
    def handler(cell: Cell) -> pl.Series:
        return numbers(cell, low, high)

    return handler


def _hours(low: float, high: float, audience: str, share: float = 1.0) -> Handler:
    def handler(cell: Cell) -> pl.Series:
        steps = np.round(low + cell.rng.random(cell.size) * (high - low), 2)
        text = pl.Series(steps).cast(pl.String)
        return blank_unless(text, ages_mask(cell, audience) & cell.some(share))

    return handler


def _whole(low: int, high: int, audience: str, share: float = 1.0) -> Handler:
    def handler(cell: Cell) -> pl.Series:
        values = numbers(cell, low, high)
        return blank_unless(values, ages_mask(cell, audience) & cell.some(share))

    return handler


def _eligibility_code(cell: Cell) -> pl.Series:
    values = pl.Series(cell.rng.integers(50_000_000_000, 59_999_999_999, cell.size))
    return blank_unless(values, ages_mask(cell, "early") & cell.some(0.5))


def _blank(cell: Cell) -> pl.Series:
    return pl.Series([None] * cell.size, dtype=pl.String)


# --------------------------------------------------------- pupil records


def _attendance(cell: Cell) -> pl.Series:
    """Each pupil's reasons differ: consecutive reasons from a random start."""
    preferred = ("I", "M", "O", "C", "G", "N", "R", "E", "U", "H", "S", "T", "B")
    listed = category(cell).codes
    reasons = tuple(c for c in preferred if c in listed) or tuple(listed)
    assert cell.parent is not None
    start = cell.rng.integers(0, 3, size=cell.parent.size)[cell.rows.parent]
    return pick(reasons, (start + cell.rows.seq - 1) % len(reasons))


def _exclusion_category(cell: Cell) -> pl.Series:
    return codes(cell, {"FIXD": 85, "SUSP": 85, "LNCH": 10, "PERM": 5}, default=0)


def _permanent(cell: Cell) -> Mask:
    made = cell.done.get("category")
    if made is None:
        return np.zeros(cell.size, dtype=np.bool_)
    return np.asarray(made.eq("PERM").fill_null(False).to_numpy())


def _exclusion_reason(share: float) -> Handler:
    """The first reason always; later ones for some exclusions, each different
    from the reasons before it."""
    likely = {"DB": 30, "PA": 12, "VA": 12, "PP": 10, "VP": 8, "OT": 6, "DA": 4}

    def handler(cell: Cell) -> pl.Series:
        values = codes(cell, likely, default=2)
        earlier = [cell.done[n] for n in ("reason1", "reason2") if n in cell.done]
        if earlier:
            listed = codes_of(cell.spec, cell.name)
            position = {code: i for i, code in enumerate(listed)}
            index = values.replace_strict(position, return_dtype=pl.Int64).to_numpy()
            for step in range(len(listed)):
                taken = np.zeros(cell.size, dtype=np.bool_)
                for before in earlier:
                    taken |= before.eq(pick(listed, index)).fill_null(False).to_numpy()
                if not taken.any() or step == len(listed) - 1:
                    break
                index = np.where(taken, (index + 1) % len(listed), index)
            values = pick(listed, index)
        return values if share >= 1 else blank_unless(values, cell.some(share))

    return handler


def _exclusion_start(cell: Cell) -> pl.Series:
    census = cell.ctx.census
    return dates(cell, between(cell, census.window_start, census.day - 1))


def _review_date(cell: Cell) -> pl.Series:
    census = cell.ctx.census
    return dates(
        cell, between(cell, census.window_start + 15, census.day - 1), _permanent(cell)
    )


def _reinstatement(cell: Cell) -> pl.Series:
    census = cell.ctx.census
    keep = _permanent(cell) & cell.some(0.1)
    return dates(cell, between(cell, census.window_start + 20, census.day - 1), keep)


def _review_result(cell: Cell) -> pl.Series:
    return blank_unless(codes(cell, {"A": 10}, default=1), _permanent(cell))


def _sen_expert(cell: Cell) -> pl.Series:
    return blank_unless(codes(cell, {"N": 8, "Y": 2}, default=0), _permanent(cell))


def _fsm_start(cell: Cell) -> pl.Series:
    census = cell.ctx.census
    born = cell.ctx.population.born[cell.pupils]
    days = between(cell, np.maximum(born + 700, census.day - 1500), census.day - 30)
    cell.done["__fsm_start"] = pl.Series(days)
    return dates(cell, days)


def _fsm_end(cell: Cell) -> pl.Series:
    census = cell.ctx.census
    start = cell.done.get("__fsm_start")
    low = start.to_numpy() + 30 if start is not None else census.day - 200
    return dates(cell, between(cell, low, census.day - 1), cell.some(0.25))


def _aim_start(cell: Cell) -> pl.Series:
    start = day_number(cell.ctx.population.start, 9, 1)
    return dates(cell, between(cell, start, start + 14))


def _aim_planned_end(cell: Cell) -> pl.Series:
    start = cell.ctx.population.start
    years = cell.rng.integers(1, 3, size=cell.size)
    ends = np.array([day_number(start + y, 7, 31) for y in (1, 2)])[years - 1]
    return dates(cell, ends)


def _aim_actual_end(cell: Cell) -> pl.Series:
    census = cell.ctx.census
    start = day_number(cell.ctx.population.start, 9, 15)
    return dates(
        cell, between(cell, start, max(start, census.day - 1)), cell.some(0.05)
    )


def _aim_withdrawal(cell: Cell) -> pl.Series:
    return blank_unless(codes(cell), cell.some(0.03))


def _core_aim(cell: Cell) -> pl.Series:
    yes = code_labelled(cell.spec, cell.name, "True")
    no = code_labelled(cell.spec, cell.name, "False")
    return pl.Series(np.where(cell.rows.seq == 1, yes, no))


def _qualification_number(cell: Cell) -> pl.Series:
    digits = pl.Series(cell.rng.integers(0, 100_000, size=cell.size))
    check = pick(tuple("0123456789X"), cell.rng.integers(0, 11, size=cell.size))
    return pl.select(
        pl.concat_str([pl.lit("60"), digits.cast(pl.String).str.zfill(5), check])
    ).to_series()


def _sen_type(cell: Cell) -> pl.Series:
    kinds = ("SPLD", "MLD", "SLD", "SEMH", "SLCN", "HI", "VI", "PD", "ASD", "OTH")
    start = cell.rng.integers(0, len(kinds), size=cell.size)
    return pick(kinds, (start + cell.rows.seq) % len(kinds))


def _rank(cell: Cell) -> pl.Series:
    return pl.Series(cell.rows.seq).cast(pl.String)


# ---------------------------------------------------------------- addresses


_STREETS = (
    "High Street", "Church Road", "Station Road", "Park Lane", "Victoria Road",
    "Green Lane", "Manor Road", "Kings Road", "Queens Avenue", "Mill Lane",
    "Albert Street", "Grove Road", "Springfield Road", "Cedar Close", "Elm Grove",
)  # fmt: skip


def _house(cell: Cell) -> pl.Series:
    return numbers(cell, 1, 240)


def _flat(cell: Cell) -> pl.Series:
    flats = pl.Series(cell.rng.integers(1, 40, size=cell.size)).cast(pl.String)
    text = pl.select(pl.concat_str([pl.lit("Flat "), flats])).to_series()
    return blank_unless(text, cell.some(0.25))


def _street(cell: Cell) -> pl.Series:
    return pick(_STREETS, cell.rng.integers(0, len(_STREETS), size=cell.size))


def _town(cell: Cell) -> pl.Series:
    return pl.Series(["London"] * cell.size)


def _area(cell: Cell) -> pl.Series:
    return pl.Series([cell.ctx.authority.name] * cell.size)


def _post_town(cell: Cell) -> pl.Series:
    return pl.Series(["LONDON"] * cell.size)


def _address_line1(cell: Cell) -> pl.Series:
    house = cell.done.get("paon", numbers(cell, 1, 240))
    street = cell.done.get("street", _street(cell))
    return pl.select(pl.concat_str([house, pl.lit(" "), street])).to_series()


def _uprn(cell: Cell) -> pl.Series:
    values = pl.Series(cell.rng.integers(100_000_000_000, 100_099_999_999, cell.size))
    return blank_unless(values, cell.some(0.9))


def _postcode(cell: Cell) -> pl.Series:
    return postcodes(cell.rng, cell.ctx.outward, cell.size)


# ---------------------------------------------------------- school and return


def _estab(cell: Cell) -> pl.Series:
    schools = cell.ctx.population.schools
    return pl.Series(schools.estab[cell.rows.school]).cast(pl.String)


def _school_urn(cell: Cell) -> pl.Series:
    if cell.table == "schoolcensus":
        schools = cell.ctx.population.schools
        return pl.Series(schools.urn[cell.rows.school]).cast(pl.String)
    return numbers(cell, 100000, 149999)


def _school_name(cell: Cell) -> pl.Series:
    return cell.ctx.population.schools.name.gather(pl.Series(cell.rows.school))


def _email(cell: Cell) -> pl.Series:
    estab = _estab(cell)
    return pl.select(
        pl.concat_str([pl.lit("admin"), estab, pl.lit("@school.example.org.uk")])
    ).to_series()


def _phone(cell: Cell) -> pl.Series:
    return numbers(cell, 2_070_000_000, 2_089_999_999)


def _phase(cell: Cell) -> pl.Series:
    phase = cell.ctx.population.schools.phase[cell.rows.school]
    primary = first_present(cell, ("PS",))
    secondary = first_present(cell, ("SS",))
    return pl.Series(np.where(phase == "secondary", secondary, primary))


def _lowest(cell: Cell) -> pl.Series:
    schools = cell.ctx.population.schools
    return pick(YEAR_GROUPS, schools.low[cell.rows.school])


def _highest(cell: Cell) -> pl.Series:
    schools = cell.ctx.population.schools
    return pick(YEAR_GROUPS, schools.high[cell.rows.school])


def _min_age(cell: Cell) -> pl.Series:
    schools = cell.ctx.population.schools
    return pl.Series(schools.low[cell.rows.school]).cast(pl.String)


def _max_age(cell: Cell) -> pl.Series:
    schools = cell.ctx.population.schools
    return pl.Series(schools.high[cell.rows.school] + 1).cast(pl.String)


def _term(cell: Cell) -> pl.Series:
    wanted = {"autumn": "AUT", "spring": "SPR", "summer": "SUM"}[cell.ctx.census.term]
    return codes(cell, only=(wanted,))


def _census_name(cell: Cell) -> pl.Series:
    return codes(cell, {"School Census": 1}, default=0)


def _collection(cell: Cell) -> pl.Series:
    return codes(cell, {"SC": 1}, default=0)


def _source_level(cell: Cell) -> pl.Series:
    return codes(cell, {"S": 1}, default=0)


def _census_year(cell: Cell) -> pl.Series:
    return pl.Series([str(cell.ctx.census.year)] * cell.size)


def _reference_date(cell: Cell) -> pl.Series:
    return dates(cell, np.full(cell.size, cell.ctx.census.day, dtype=np.int64))


def _made_at(cell: Cell) -> pl.Series:
    day = cell.ctx.census.day
    return dates(cell, between(cell, day, day + 10))


def _lea(cell: Cell) -> pl.Series:
    wanted = f"{cell.ctx.authority.dfe:03d}"
    if wanted not in category(cell).codes:
        raise LookupError(f"{cell.spec.name}.lea has no code {wanted} this year")
    return pl.Series([wanted] * cell.size)


def _software(cell: Cell) -> pl.Series:
    systems = ("SIMS", "Arbor", "Bromcom", "ScholarPack", "Integris")
    which = cell.rng.integers(0, len(systems), size=cell.ctx.population.schools.size)
    return pick(systems, which[cell.rows.school])


def _release(cell: Cell) -> pl.Series:
    return pl.Series([f"{cell.ctx.census.year}.1"] * cell.size)


def _version(cell: Cell) -> pl.Series:
    return pl.Series(["1.0"] * cell.size)


def _serial(cell: Cell) -> pl.Series:
    return pl.Series(cell.rows.seq).cast(pl.String)


def _level(cell: Cell) -> pl.Series:
    listed = codes_of(cell.spec, cell.name)
    return pick(listed, (cell.rows.seq - 1) % len(listed))


def _class_name(cell: Cell) -> pl.Series:
    letters = pick(tuple("ABCDEFGH"), cell.rows.seq - 1)
    return pl.select(pl.concat_str([pl.lit("Class "), letters])).to_series()


def _class_year(cell: Cell) -> pl.Series:
    schools = cell.ctx.population.schools
    low = schools.low[cell.rows.school]
    high = schools.high[cell.rows.school]
    ages = low + np.floor(cell.rng.random(cell.size) * (high - low + 1)).astype(
        np.int64
    )
    return pick(YEAR_GROUPS, ages)


def _time(hour_low: int, hour_high: int) -> Handler:
    def handler(cell: Cell) -> pl.Series:
        hours = pl.Series(cell.rng.integers(hour_low, hour_high + 1, cell.size))
        minutes = pick(("00", "15", "30", "45"), cell.rng.integers(0, 4, cell.size))
        return pl.select(
            pl.concat_str([hours.cast(pl.String).str.zfill(2), pl.lit(":"), minutes])
        ).to_series()

    return handler


def _company(cell: Cell) -> pl.Series:
    digits = pl.Series(cell.rng.integers(0, 1_000_000, cell.size)).cast(pl.String)
    prefix = pick(
        ("SC", "OC", "09", "10", "11", "12"), cell.rng.integers(0, 6, cell.size)
    )
    return pl.select(pl.concat_str([prefix, digits.str.zfill(6)])).to_series()


def _prev_urn(cell: Cell) -> pl.Series:
    return blank_unless(numbers(cell, 100000, 149999), cell.some(0.7))


def _wp_start(cell: Cell) -> pl.Series:
    census = cell.ctx.census
    return dates(cell, between(cell, census.window_start, census.day - 1))


def _wp_end(cell: Cell) -> pl.Series:
    census = cell.ctx.census
    return dates(cell, between(cell, census.day, census.day + 60), cell.some(0.8))


def _partner(cell: Cell) -> pl.Series:
    return blank_unless(numbers(cell, 10_000_000, 10_099_999), cell.some(0.1))


def _few(low: int, high: int, share: float) -> Handler:
    def handler(cell: Cell) -> pl.Series:
        return blank_unless(numbers(cell, low, high), cell.some(share))

    return handler


def _ap_entry(cell: Cell) -> Days:
    census = cell.ctx.census
    days = between(cell, census.day - 300, census.day - 30)
    cell.done["__ap_entry"] = pl.Series(days)
    return days


def _subject_code(cell: Cell) -> pl.Series:
    letters = pick(("CK", "FA", "RB", "HC", "JA"), cell.rng.integers(0, 5, cell.size))
    digits = pl.Series(cell.rng.integers(10, 99, cell.size)).cast(pl.String)
    return pl.select(pl.concat_str([letters, digits])).to_series()


HANDLERS: dict[str, Handler] = {
    # the pupil
    "upn": _pupils(lambda p: p.upn),
    "formerupn": _pupils(lambda p: p.former_upn),
    "uniquelearnernumber": _pupils(lambda p: p.uln),
    "forename": _pupils(lambda p: p.forename),
    "middlenames": _pupils(lambda p: p.middlenames),
    "surname": _pupils(lambda p: p.surname),
    "preferredsurname": _pupils(lambda p: p.preferred_surname),
    "formersurname": _pupils(lambda p: p.former_surname),
    "dob": _dob,
    "gender": _sex,
    "sex": _sex,
    "ncyearactual": _year_group,
    "ncyearleaving": _year_group,
    "entrydate": _entrydate,
    "leavingdate": _leavingdate,
    "language": _language,
    "ethnicity": _ethnicity,
    "nationality": _country("nationality"),
    "countryofbirth": _country("birth"),
    "senprovision": _senprovision,
    "senprovisionentry": _senprovision,
    "senprovisionleaving": _senprovision,
    "enrolstatus": _enrolstatus,
    "parttime": _parttime,
    "boarder": _likely({"N": 1}),
    "classtype": _classtype,
    "schoollunchtaken": _lunch,
    "yssa": _likely(
        {"Yes": 6, "No": 1, "UNS": 2, "SNR": 1}, audience="post16", share=0.3
    ),
    "plaa": _likely({"N": 97, "A": 1.5, "G": 1, "R": 0.3, "C": 0.5}, default=0.1),
    "adoptedfromcare": _likely({"N": 97, "A": 1.5, "G": 1, "R": 0.3, "C": 0.5}),
    "servicechild": _likely({"N": 96, "Y": 2, "U": 1.5, "R": 0.5}),
    "youngcarer": _likely({"N": 95, "S": 3, "P": 2}),
    "proficiencyinenglish": _likely(
        {"E": 40, "D": 20, "C": 15, "B": 10, "A": 5, "N": 10}
    ),
    "termlysessionspossible": _number(110, 140),
    "termlysessionsauthorised": _number(0, 12),
    "termlysessionsunauthorised": _number(0, 6),
    "termlysessionscoronavirus": _number(0, 10),
    "termlysessionseducational": _number(0, 4),
    "termlysessionsexceptional": _number(0, 4),
    "annualsessionspossible": _number(330, 380),
    "annualsessionsauthorised": _number(0, 30),
    "annualsessionsunauthorised": _number(0, 15),
    "summerhalfterm2sessionspossible": _number(60, 70),
    "summerhalfterm2sessionsauthorised": _number(0, 6),
    "summerhalfterm2sessionsunauthorised": _number(0, 4),
    "missingaddress": _blank,
    "moveoffrollflag": _blank,
    "moveonrollflag": _blank,
    "duplicatenotfunded": _blank,
    # early years, post-16 and SEN only
    "hoursatsetting": _hours(15, 30, "early"),
    "fundedhours": _hours(15, 30, "early"),
    "extendedhours": _hours(0, 15, "early", 0.4),
    "expandedhours": _hours(0, 15, "early", 0.3),
    "thirtyhourcode": _eligibility_code,
    "eligibilitycode": _eligibility_code,
    "eyppe": _likely({"N": 8, "Y": 2}, audience="early"),
    "eyppr": _likely({"N": 8, "Y": 2}, audience="early"),
    "eyppbf": _likely({}, default=1, audience="early", share=0.2),
    "dafindicator": _true_false(0.05, "early"),
    "topupfunding": _true_false(0.3, "sen"),
    "senunitindicator": _true_false(0.1, "sen"),
    "resourcedprovisionindicator": _true_false(0.1, "sen"),
    "unitcontacttime": _whole(0, 300, "sen", 0.1),
    "ftemp": _true_false(0.02, "post16"),
    "qualhrs": _whole(450, 650, "post16"),
    "nonqualhrs": _whole(0, 150, "post16"),
    "qualhrspreviousyear": _whole(450, 650, "post16", 0.5),
    "nonqualhrspreviousyear": _whole(0, 150, "post16", 0.5),
    "tlevelqualhrs": _whole(600, 900, "post16", 0.05),
    "tlevelnonqualhrs": _whole(0, 300, "post16", 0.05),
    **{
        f"{subject}gcse{part}": _likely({}, default=1, audience="post16", share=0.8)
        for subject in ("maths", "english")
        for part in (
            "highestpriorattainment",
            "highestpriorattainmentpreviousyear",
            "priorattainmentyeargroup",
            "priorattainmentyear11",
            "fundingexemption",
        )
    },
    # absence and exclusions
    "attendancereason": _attendance,
    "absencesessions": _number(1, 20),
    "sessions": _number(1, 10),
    "startdate": _exclusion_start,
    "category": _exclusion_category,
    "reason": _exclusion_reason(1.0),
    "reason1": _exclusion_reason(1.0),
    "reason2": _exclusion_reason(0.2),
    "reason3": _exclusion_reason(0.05),
    "reviewdate": _review_date,
    "reinstatementdate": _reinstatement,
    "reviewresult": _review_result,
    "senexpert": _sen_expert,
    "incare": _true_false(0.05),
    # free school meals
    "fsmstartdate": _fsm_start,
    "fsmenddate": _fsm_end,
    "ukcountry": _likely({"ENG": 1}),
    # learning and programme aims, work placements
    "learningstartdate": _aim_start,
    "programmestartdate": _aim_start,
    "learningplannedenddate": _aim_planned_end,
    "programmeplannedenddate": _aim_planned_end,
    "learningactualenddate": _aim_actual_end,
    "programmeactualenddate": _aim_actual_end,
    "learningaimstatus": _likely({"1": 95, "2": 2, "3": 2, "4": 1}),
    "programmeaimstatus": _likely({"1": 95, "2": 2, "3": 2, "4": 1}),
    "learningaimwithdrawalreason": _aim_withdrawal,
    "programmeaimwithdrawalreason": _aim_withdrawal,
    "coreaim": _core_aim,
    "traineeship": _true_false(0.01),
    "partnerukprn": _partner,
    "qan": _qualification_number,
    "qn": _qualification_number,
    "disccode": _subject_code,
    "scc": _subject_code,
    "wpemployerid": _number(100_000, 999_999),
    "wpstartdate": _wp_start,
    "wpenddate": _wp_end,
    "wphours": _number(20, 200),
    "prevurn": _prev_urn,
    "companynumber": _company,
    "apsessionsperweek": _number(1, 10),
    "sentype": _sen_type,
    "sentyperank": _rank,
    # addresses
    "saon": _flat,
    "paon": _house,
    "street": _street,
    "locality": _blank,
    "town": _town,
    "administrativearea": _area,
    "posttown": _post_town,
    "addressline1": _address_line1,
    "addressline2": _town,
    "addressline3": _blank,
    "addressline4": _blank,
    "addressline5": _blank,
    "uniquepropertyreferencenumber": _uprn,
    "postcode": _postcode,
    "applacementpostcode": _postcode,
    # the school and its return
    "estab": _estab,
    "urn": _school_urn,
    "ukprn": _number(10_000_000, 10_099_999),
    "schoolname": _school_name,
    "email": _email,
    "phoneno": _phone,
    "phase": _phase,
    "intake": _likely({"COMP": 1}),
    "governance": _likely({"CA": 5, "CO": 4, "VA": 2, "VC": 0.5, "FO": 0.5}),
    "lowestncyeargroup": _lowest,
    "highestncyeargroup": _highest,
    "minmaleage": _min_age,
    "minfemaleage": _min_age,
    "maxmaleage": _max_age,
    "maxfemaleage": _max_age,
    "term": _term,
    "name": _census_name,
    "collection": _collection,
    "sourcelevel": _source_level,
    "year": _census_year,
    "referencedate": _reference_date,
    "datetime": _made_at,
    "lea": _lea,
    "softwarecode": _software,
    "release": _release,
    "xversion": _version,
    "serialno": _serial,
    "cbdslevel": _level,
    "classname": _class_name,
    "yeargroup": _class_year,
    "openingtime": _time(7, 8),
    "closingtime": _time(17, 18),
    "childmothers": _true_false(0.0),
    "childcareplaces": _true_false(0.3),
    "accommodation": _likely({"D": 1}),
    "teachers": _number(1, 2),
    "nonteachers": _number(0, 3),
    "homepupils": _number(15, 30),
    "guestpupils": _few(1, 2, 0.1),
    "ppa": _few(0, 1, 0.5),
    "ppateachers": _few(0, 1, 0.5),
    **{f"exception{x}": _few(1, 2, 0.05) for x in "abcdefgh"},
    "noofchildcareplaces": _number(10, 60),
    "childcarewksopen": _number(38, 51),
}

TABLE_HANDLERS: dict[tuple[str, str], Handler] = {
    ("classes", "category"): _blank,
}
"""Handlers for a column of one table only, where the name means something else."""


# ------------------------------------------------------------ by type only


def _by_type(cell: Cell) -> pl.Series:
    column = cell.column
    match column:
        case CategoryColumn():
            return codes(cell)
        case IntegerColumn():
            low = int(column.min) if column.min is not None else 0
            high = int(column.max) if column.max is not None else low + 30
            return numbers(cell, low, min(high, low + 30))
        case DecimalColumn():
            low_f = float(column.min) if column.min is not None else 0.0
            values = np.round(low_f + cell.rng.random(cell.size) * 30, 2)
            return pl.Series(values).cast(pl.String)
        case DateColumn():
            census = cell.ctx.census
            return dates(cell, between(cell, census.window_start, census.day - 1))
        case PostcodeColumn():
            return _postcode(cell)
        case TextColumn():
            digits = pl.Series(cell.rng.integers(0, 100_000, cell.size)).cast(pl.String)
            return pl.select(
                pl.concat_str([pl.lit("T"), digits.str.zfill(5)])
            ).to_series()
        case PatternColumn():
            raise LookupError(
                f"the synthetic school census cannot make values of the pattern "
                f"column {cell.spec.name}.{cell.name} yet"
            )
    raise TypeError(type(column).__name__)  # pragma: no cover


def _technical(cell: Cell) -> pl.Series | None:
    """The extract's own columns: row identifiers, order, source, parent links."""
    name, table = cell.name, cell.table
    if name == f"{table}tableid":
        return cell.rows.ids
    if name == "NativeId":
        numbers_ = (cell.rows.ids.cast(pl.Int64) * 7919) % 100_000_000
        return pl.select(
            pl.concat_str([pl.lit("N"), numbers_.cast(pl.String).str.zfill(8)])
        ).to_series()
    if name == f"{table}orderseqcolumn":
        return pl.Series(cell.rows.seq).cast(pl.String)
    if name == "sourceid":
        estab = pl.Series(cell.ctx.population.schools.estab[cell.rows.school])
        census = cell.ctx.census
        source = f"{cell.ctx.authority.dfe:03d}"
        tag = f"SC{census.term[:3].upper()}{census.year}"
        return pl.select(
            pl.concat_str([pl.lit(tag), pl.lit(source), estab.cast(pl.String)])
        ).to_series()
    if name.endswith("tableid"):
        assert cell.parent is not None, (table, name)
        return cell.parent.ids.gather(pl.Series(cell.rows.parent))
    return None


def column_values(cell: Cell) -> pl.Series:
    """The values of ``cell``'s column (text; null is a blank cell)."""
    made = _technical(cell)
    if made is not None:
        return made
    handler = TABLE_HANDLERS.get((cell.table, cell.name)) or HANDLERS.get(
        cell.name, _by_type
    )
    return handler(cell)
