"""The children in need of one authority and year, and their journeys, as arrays.

A child has one to three episodes (``CINdetails``), one after another: a referral,
then perhaps an assessment (and its factors), a section 47 enquiry, an initial child
protection conference, a child protection plan and its reviews, a CIN plan, and a
closure. Every date is on or after the one it follows and on or before 31 March of
the collection year; an episode closed during the year closed on or after 1 April.

Everything is made with NumPy, a step at a time for all episodes at once. Codes come
from the year's schema (:mod:`cld.synthetic.codes`): the generator only says which
are likely, so codes added in a later year appear and withdrawn ones vanish.

Each table comes out as :class:`Records`: its own columns as text (null where the
element is left out), in document order, and the index of each record's parent
record (the table whose record path holds it, e.g. an assessment's episode).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from cld.engine.spec.load import load_spec
from cld.engine.spec.model import CategoryColumn, DatasetSpec, TableSpec
from cld.governance.authorities import Authority
from cld.synthetic.codes import Indices, category, code_labelled, codes_of, draw, pick
from cld.synthetic.dates import Days, year_end, year_start
from cld.synthetic.identifiers import child_ids, id_style, upns
from cld.synthetic.seeds import rng_for

DATASET = "cin_census"
NO_DATE = np.iinfo(np.int64).min
"""A day number meaning "no such date" (the element is left out)."""

Mask = npt.NDArray[np.bool_]
Rng = Callable[[str], np.random.Generator]

# Likely codes, by code; every other code of the year's list gets a small weight.
_REFERRAL_SOURCES = {
    "6": 29, "2A": 18, "1A": 7, "3A": 3, "3B": 3, "3D": 3, "3E": 3, "5A": 5,
    "5C": 3, "5D": 4, "7": 3, "8": 4, "1D": 2, "9": 2, "10": 2,
}  # fmt: skip
_PRIMARY_NEEDS = {"N1": 55, "N5": 15, "N4": 8, "N2": 6, "N3": 4, "N8": 3, "N9": 4}
_CLOSURE_REASONS = {"RC7": 60, "RC8": 12, "RC9": 10, "RC5": 6, "RC6": 3, "RC3": 3}
_ETHNICITIES = {
    "WBRI": 30, "WOTH": 12, "BAFR": 10, "BCRB": 6, "BOTH": 4, "MWBC": 5, "MOTH": 5,
    "AOTH": 4, "ABAN": 4, "APKN": 2, "AIND": 2, "OOTH": 5, "NOBT": 2, "REFU": 1,
}  # fmt: skip
_FACTORS = {
    "3A": 10, "3B": 12, "4B": 10, "2B": 6, "1B": 5, "4A": 5, "16A": 7, "17A": 7,
    "18A": 2, "18B": 2, "18C": 2, "19A": 1, "19B": 1, "19C": 1, "14A": 3, "10A": 3,
    "11A": 2, "24A": 2, "6A": 2, "5A": 2, "20": 3,
}  # fmt: skip
_NO_FACTORS = "21"
"""The factor that says none was found: only ever the one factor of an assessment."""
_DISABILITIES = {"LD": 30, "AUT": 30, "COMM": 15, "BEH": 10, "MOB": 5, "DDA": 5}
_ABUSE = {"NEG": 45, "EMO": 35, "PHY": 8, "SAB": 5, "MUL": 7}
_UNKNOWN_UPN = {"UN1": 6, "UN2": 1, "UN3": 1, "UN4": 1, "UN5": 1}
_SEX_LABELS = {"male": 0.51, "female": 0.47}
_RARE = 0.3
"""Weight of a code the generator does not name (out of about 100)."""

# Age (0-17) at 31 March: many babies and teenagers.
_AGE_WEIGHTS = np.array(
    [9, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 6, 5], dtype=np.float64
)


@dataclass(frozen=True)
class Records:
    """One table's records in document order."""

    frame: pl.DataFrame
    """The table's own columns (not those copied from an enclosing record) as the
    text of their elements; null where the element is left out."""
    parent: npt.NDArray[np.int64]
    """Index of each record's parent record (for the children: the child)."""

    @property
    def size(self) -> int:
        return self.frame.height


def own_columns(table: TableSpec) -> tuple[str, ...]:
    """The columns whose elements belong to the table's record itself (not copied
    from an enclosing element with ``/`` or ``..``)."""
    return tuple(
        name
        for name, column in table.columns.items()
        if not (column.path or name).startswith("/")
        and ".." not in (column.path or name).split("/")
    )


def parent_table(spec: DatasetSpec, table: str) -> str | None:
    """The table whose record encloses ``table``'s (the longest record path that is
    a prefix of its own), or None for the table of the unit itself."""
    steps = _record_steps(spec.tables[table])
    best: tuple[int, str | None] = (-1, None)
    for name, other in spec.tables.items():
        theirs = _record_steps(other)
        if (
            name != table
            and len(theirs) < len(steps)
            and steps[: len(theirs)] == theirs
        ):
            best = max(best, (len(theirs), name), key=lambda item: item[0])
    return best[1]


def _record_steps(table: TableSpec) -> tuple[str, ...]:
    return tuple(s for s in (table.record or ".").split("/") if s and s != ".")


def iso_dates(days: Days) -> pl.Series:
    """Day numbers as yyyy-mm-dd text; null where :data:`NO_DATE`."""
    missing = days == NO_DATE
    dates = pl.Series(np.where(missing, 0, days).astype(np.int32)).cast(pl.Date)
    text = dates.dt.to_string("%Y-%m-%d")
    return pl.select(
        pl.when(pl.Series(~missing)).then(text).otherwise(None)
    ).to_series()


def _between(rng: np.random.Generator, low: Days, high: Days | int) -> Days:
    """A day from ``low`` to ``high`` inclusive, element-wise."""
    span = np.maximum(np.asarray(high) - low, 0) + 1
    days: Days = low + np.floor(rng.random(len(low)) * span).astype(np.int64)
    return days


def _after(rng: np.random.Generator, start: Days, low: int, high: int) -> Days:
    """``start`` plus ``low`` to ``high`` days; no date where ``start`` is none."""
    days = start + rng.integers(low, high + 1, size=len(start))
    return np.where(start == NO_DATE, NO_DATE, days)


def _by_end(days: Days, end: int) -> Days:
    """``days`` with every date after ``end`` left out."""
    kept: Days = np.where(days > end, NO_DATE, days)
    return kept


def _latest(*columns: Days) -> Days:
    """The latest date of each row (no date counts as the earliest)."""
    found: Days = np.maximum.reduce(columns)
    return found


@dataclass
class _Episodes:
    """Every episode's dates (day numbers, :data:`NO_DATE` for none)."""

    referral: Days
    nfa: Mask
    closure: Days
    a1_start: Days
    a1_review: Days
    a1_auth: Days
    a2_start: Days
    a2_review: Days
    a2_auth: Days
    s47_start: Days
    s47_target: Days
    icpc: Days
    icpc_not_required: Mask
    cpp_start: Days
    cpp_end: Days
    plan_start: Days
    plan_end: Days

    @classmethod
    def empty(cls, size: int) -> _Episodes:
        made = cls.__new__(cls)
        for name in cls.__dataclass_fields__:
            flag = name in ("nfa", "icpc_not_required")
            setattr(
                made,
                name,
                np.zeros(size, dtype=np.bool_)
                if flag
                else np.full(size, NO_DATE, dtype=np.int64),
            )
        return made

    def put(self, at: Indices, part: _Episodes) -> None:
        for name in self.__dataclass_fields__:
            getattr(self, name)[at] = getattr(part, name)


def _journeys(
    rng: np.random.Generator,
    referral: Days,
    short: Mask,
    forced: Mask,
    year: int,
    plans: bool,
) -> _Episodes:
    """The journey of each episode from its referral. ``short`` episodes end soon
    (another follows); ``forced`` ones have every kind of record (so every table of
    even a tiny return has rows)."""
    start, end = year_start(year), year_end(year)
    size = len(referral)
    out = _Episodes.empty(size)
    out.referral = referral
    out.nfa = (rng.random(size) < 0.08) & (referral >= start) & ~forced
    assessed = ~out.nfa
    out.a1_start = _by_end(
        np.where(assessed, _after(rng, referral, 0, 7), NO_DATE), end
    )
    out.a1_auth = _by_end(_after(rng, out.a1_start, 5, 45), end)
    out.a1_review = _reviewed(rng, out.a1_start, out.a1_auth)
    second = (out.a1_auth != NO_DATE) & ~short & (rng.random(size) < 0.07)
    out.a2_start = _by_end(
        np.where(second, _after(rng, out.a1_auth, 20, 120), NO_DATE), end
    )
    out.a2_auth = _by_end(_after(rng, out.a2_start, 5, 45), end)
    out.a2_review = _reviewed(rng, out.a2_start, out.a2_auth)

    enquiry = (out.a1_start != NO_DATE) & ~short & ((rng.random(size) < 0.22) | forced)
    out.s47_start = _by_end(
        np.where(enquiry, _after(rng, out.a1_start, 0, 10), NO_DATE), end
    )
    has_s47 = out.s47_start != NO_DATE
    out.s47_target = _after(rng, out.s47_start, 21, 21)  # 15 working days
    wanted = (rng.random(size) < 0.6) | forced
    conference = _after(rng, out.s47_start, 5, 20)
    held = has_s47 & wanted & (conference <= end)
    out.icpc = np.where(held, conference, NO_DATE)
    out.icpc_not_required = has_s47 & ~wanted

    on_plan = held & ((rng.random(size) < 0.85) | forced)
    out.cpp_start = np.where(on_plan, out.icpc, NO_DATE)
    ended = on_plan & ((rng.random(size) < 0.35) | forced)
    out.cpp_end = _by_end(
        np.where(ended, _after(rng, out.cpp_start, 90, 300), NO_DATE), end
    )
    if plans:
        # A CIN plan after the assessment, or as a step down after a CP plan.
        base = np.where(on_plan, out.cpp_end, out.a1_auth)
        wants = (base != NO_DATE) & ~short & ((rng.random(size) < 0.45) | forced)
        out.plan_start = _by_end(
            np.where(wants, _after(rng, base, 1, 14), NO_DATE), end
        )
        finish = (out.plan_start != NO_DATE) & (rng.random(size) < 0.4)
        out.plan_end = _by_end(
            np.where(finish, _after(rng, out.plan_start, 30, 300), NO_DATE), end
        )

    still_open = (
        ((out.a1_start != NO_DATE) & (out.a1_auth == NO_DATE))
        | ((out.a2_start != NO_DATE) & (out.a2_auth == NO_DATE))
        | (has_s47 & wanted & ~held)
        | ((out.cpp_start != NO_DATE) & (out.cpp_end == NO_DATE))
        | ((out.plan_start != NO_DATE) & (out.plan_end == NO_DATE))
    )
    last = _latest(
        referral, out.a1_auth, out.a2_auth, out.icpc, out.cpp_end, out.plan_end
    )
    closing = ~still_open & (short | (rng.random(size) < 0.6))
    # A short episode closes within 20 days, so up to two more fit in the year.
    closed = np.maximum(last, start) + np.where(
        short, rng.integers(1, 21, size=size), rng.integers(1, 61, size=size)
    )
    closed = np.where(out.nfa, referral, closed)
    out.closure = _by_end(np.where(closing, closed, NO_DATE), end)
    return out


def _reviewed(rng: np.random.Generator, begun: Days, done: Days) -> Days:
    """An internal review date between an assessment's start and its authorisation,
    for about one assessment in ten."""
    known = (done != NO_DATE) & (begun != NO_DATE)
    gap = np.where(known, done - begun, 0)
    review = begun + 1 + np.floor(rng.random(len(begun)) * (gap - 1)).astype(np.int64)
    return np.where((gap >= 2) & (rng.random(len(begun)) < 0.1), review, NO_DATE)


def _episodes(
    rng: np.random.Generator, children: int, year: int, plans: bool
) -> tuple[npt.NDArray[np.int64], _Episodes]:
    """The child of each episode (grouped by child, in date order) and the
    episodes. The first child has every kind of record."""
    start, end = year_start(year), year_end(year)
    share = rng.random(children)
    counts = 1 + (share > 0.85).astype(np.int64) + (share > 0.97).astype(np.int64)
    counts[0] = 1
    child = np.repeat(np.arange(children, dtype=np.int64), counts)
    first = np.cumsum(counts) - counts
    rank = np.arange(len(child)) - first[child]
    last = rank == counts[child] - 1
    episodes = _Episodes.empty(len(child))
    for level in range(int(counts.max())):
        at = np.nonzero(rank == level)[0]
        size = len(at)
        forced = at == 0
        if level == 0:
            early = rng.random(size) < 0.3
            referral = np.where(
                last[at],
                np.where(
                    early,
                    _between(rng, np.full(size, start - 700), start - 1),
                    _between(rng, np.full(size, start), end),
                ),
                # a short episode first: referred early in the year
                _between(rng, np.full(size, start), start + 90),
            )
            referral = np.where(forced, start - 400, referral)
        else:
            referral = episodes.closure[at - 1] + rng.integers(14, 61, size=size)
        part = _journeys(rng, referral, ~last[at], forced, year, plans)
        episodes.put(at, part)
    if np.any(episodes.closure[~last] == NO_DATE):  # pragma: no cover - a bug here
        raise RuntimeError("an episode with a later one is still open")
    return child, episodes


def _sex_codes(
    rng: np.random.Generator, table: TableSpec, column: str, unborn: Mask
) -> pl.Series:
    """Each child's sex (or gender) code, by the codes' labels in that year."""
    codes = codes_of(table, column)
    labels = [category(table, column).codes[c].label.casefold() for c in codes]
    weights = np.array([_SEX_LABELS.get(label, 0.005) for label in labels])
    drawn = rng.choice(len(codes), size=len(unborn), p=weights / weights.sum())
    not_known = next(
        (i for i, label in enumerate(labels) if "unborn" in label),
        next((i for i, label in enumerate(labels) if "unknown" in label), None),
    )
    if not_known is not None:
        drawn = np.where(unborn, not_known, drawn)
    return pick(codes, drawn)


def _sex_column(table: TableSpec) -> str:
    """The column of the child's sex or gender (named for the year's element)."""
    for name in ("Sex", "GenderCurrent"):
        if name in table.columns:
            return name
    raise LookupError(f"{table.name} has no sex or gender column")


def _weighted(
    rng: np.random.Generator,
    table: TableSpec,
    column: str,
    size: int,
    likely: Mapping[str, float],
    only: tuple[str, ...] | None = None,
) -> pl.Series:
    if size == 0:
        return pl.Series([], dtype=pl.String)
    return draw(rng, table, column, size, likely, default=_RARE, only=only)


def _without(table: TableSpec, column: str, *labels: str) -> tuple[str, ...]:
    """The codes of ``table.column`` except those with any of ``labels``."""
    spec = table.columns[column]
    assert isinstance(spec, CategoryColumn)
    unwanted = {label.casefold() for label in labels}
    return tuple(
        code
        for code, meta in spec.codes.items()
        if meta.label.casefold() not in unwanted
    )


def _children(
    rng: Rng,
    authority: Authority,
    spec: DatasetSpec,
    child: npt.NDArray[np.int64],
    episodes: _Episodes,
    died: Mask,
) -> pl.DataFrame:
    table = spec.tables["children"]
    year = spec.year
    size = int(child.max()) + 1 if len(child) else 0
    r = rng("children")
    first = np.searchsorted(child, np.arange(size))
    first_referral = episodes.referral[first]
    # unborn: referred before birth, during the year
    unborn = (r.random(size) < 0.03) & (np.arange(size) > 0)
    unborn &= first_referral >= year_start(year)
    age = r.choice(len(_AGE_WEIGHTS), size=size, p=_AGE_WEIGHTS / _AGE_WEIGHTS.sum())
    born = year_end(year) - age * 365 - r.integers(0, 365, size=size)
    born = np.minimum(born, first_referral - r.integers(0, 60, size=size))
    expected = first_referral + r.integers(30, 151, size=size)
    at_school = (age >= 5) & ~unborn & (r.random(size) < 0.92)
    former = at_school & (r.random(size) < 0.01)
    last = np.r_[first[1:] - 1, len(child) - 1] if size else first
    death = np.where(died, episodes.closure[last], NO_DATE)
    sex = _sex_column(table)
    frame = pl.DataFrame(
        {
            "LAchildID": child_ids(r, id_style(authority.code), size),
            "UPN": _where(at_school, upns(r, size)),
            "FormerUPN": _where(former, upns(r, size)),
            "UPNunknown": _where(
                ~at_school, _weighted(r, table, "UPNunknown", size, _UNKNOWN_UPN)
            ),
            "PersonBirthDate": iso_dates(np.where(unborn, NO_DATE, born)),
            "ExpectedPersonBirthDate": iso_dates(np.where(unborn, expected, NO_DATE)),
            sex: _sex_codes(r, table, sex, unborn),
            "PersonDeathDate": iso_dates(death),
            "Ethnicity": _weighted(r, table, "Ethnicity", size, _ETHNICITIES),
        }
    )
    return frame.select(own_columns(table))


def _where(mask: Mask, values: pl.Series) -> pl.Series:
    return pl.select(pl.when(pl.Series(mask)).then(values).otherwise(None)).to_series()


def _disabilities(rng: np.random.Generator, table: TableSpec, children: int) -> Records:
    """No disability element for most children, NONE for many, one or two for some;
    the first child has one."""
    share = rng.random(children)
    share[0] = 0.0
    some = share < 0.12
    stated_none = share > 0.67
    counts = np.where(some, 1 + (rng.random(children) < 0.3), 0)
    counts += stated_none.astype(np.int64)
    parent = np.repeat(np.arange(children, dtype=np.int64), counts)
    real = _without(table, "Disability", "No disability")
    none = next((c for c in category(table, "Disability").codes if c not in real), None)
    drawn = _weighted(rng, table, "Disability", len(parent), _DISABILITIES, only=real)
    rank = np.arange(len(parent)) - np.repeat(np.cumsum(counts) - counts, counts)
    # a second disability is the next code along, so a child's two differ
    second = pl.Series(real, dtype=pl.String)
    position = drawn.replace_strict(
        {c: i for i, c in enumerate(real)}, return_dtype=pl.Int64
    ).to_numpy()
    previous = np.roll(position, 1)
    nexts = second.gather(pl.Series((previous + 1) % len(real)))
    values = _where(rank == 0, drawn).fill_null(nexts)
    if none is not None:
        values = _where(~np.repeat(stated_none, counts), values).fill_null(none)
    return Records(pl.DataFrame({"Disability": values}), parent)


def _assessments(episodes: _Episodes) -> tuple[pl.DataFrame, npt.NDArray[np.int64]]:
    """The assessments of every episode, the first then the second."""
    parts = []
    for order, (begun, review, done) in enumerate(
        (
            (episodes.a1_start, episodes.a1_review, episodes.a1_auth),
            (episodes.a2_start, episodes.a2_review, episodes.a2_auth),
        )
    ):
        at = np.nonzero(begun != NO_DATE)[0]
        rank = np.full(len(at), order, dtype=np.int64)
        parts.append((at, rank, begun[at], review[at], done[at]))
    parent = np.concatenate([p[0] for p in parts])
    ordered = np.lexsort((np.concatenate([p[1] for p in parts]), parent))
    frame = pl.DataFrame(
        {
            "AssessmentActualStartDate": iso_dates(
                np.concatenate([p[2] for p in parts])
            ),
            "AssessmentInternalReviewDate": iso_dates(
                np.concatenate([p[3] for p in parts])
            ),
            "AssessmentAuthorisationDate": iso_dates(
                np.concatenate([p[4] for p in parts])
            ),
        }
    )
    return frame[ordered], parent[ordered]


def _factors(rng: np.random.Generator, table: TableSpec, authorised: Mask) -> Records:
    """One to four different factors of each authorised assessment; a few say that
    no factor was found. The first assessment has some."""
    size = len(authorised)
    none_found = (rng.random(size) < 0.03) & authorised
    none_found[:1] = False
    has_none = _NO_FACTORS in category(table, "AssessmentFactors").codes
    if not has_none:
        none_found[:] = False
    wanted = np.where(
        authorised & ~none_found,
        rng.choice(4, size=size, p=[0.35, 0.3, 0.2, 0.15]) + 1,
        0,
    )
    wanted = np.where(none_found, 1, wanted)
    parent = np.repeat(np.arange(size, dtype=np.int64), wanted)
    others = tuple(c for c in codes_of(table, "AssessmentFactors") if c != _NO_FACTORS)
    drawn = _weighted(
        rng, table, "AssessmentFactors", len(parent), _FACTORS, only=others
    )
    if has_none:
        drawn = _where(~np.repeat(none_found, wanted), drawn).fill_null(_NO_FACTORS)
    frame = pl.DataFrame({"parent": parent, "AssessmentFactors": drawn}).unique(
        maintain_order=True
    )
    return Records(frame.select("AssessmentFactors"), frame["parent"].to_numpy())


def _reviews(plan_start: Days, plan_end: Days, year: int) -> tuple[Days, Days]:
    """Review dates of each child protection plan: at three months, then every six,
    while the plan is open (and by 31 March). Returns (plan of each, date)."""
    stop = np.where(
        plan_end == NO_DATE, year_end(year), np.minimum(plan_end, year_end(year))
    )
    steps = np.arange(6)
    dates = plan_start[:, None] + 90 + 182 * steps[None, :]
    keep = dates <= stop[:, None]
    plans = np.repeat(np.arange(len(plan_start), dtype=np.int64), keep.sum(axis=1))
    return plans, dates[keep]


def make_cohort(
    authority: Authority, year: int, seed: int, children: int
) -> tuple[DatasetSpec, dict[str, Records]]:
    """Every table of ``year``'s CIN census return for ``authority`` with
    ``children`` children, as :class:`Records` by table name."""
    if children < 1:
        raise ValueError(f"children must be 1 or more, not {children}")
    spec = load_spec(DATASET, year)
    tables = spec.tables

    def rng(purpose: str) -> np.random.Generator:
        return rng_for(seed, authority.code, year, "cin_census", purpose)

    child, episodes = _episodes(rng("episodes"), children, year, "cin_plans" in tables)
    r = rng("codes")
    size = len(child)
    closed = episodes.closure != NO_DATE
    last = np.r_[child[1:] != child[:-1], True]
    died = (r.random(children) < 0.002) & closed[last]
    died[0] = False
    episode_table = tables["cin_episodes"]
    reasons = _weighted(
        r,
        episode_table,
        "ReasonForClosure",
        size,
        _CLOSURE_REASONS,
        only=_without(episode_table, "ReasonForClosure", "Died"),
    )
    after_nfa = code_labelled(
        episode_table,
        "ReasonForClosure",
        "Case closed after assessment, no further action",
    )
    reasons = _where(
        episodes.nfa, pl.Series([after_nfa] * size, dtype=pl.String)
    ).fill_null(reasons)
    dying = np.zeros(size, dtype=np.bool_)
    dying[np.nonzero(last)[0][died]] = True
    reasons = _where(~dying, reasons).fill_null(
        code_labelled(episode_table, "ReasonForClosure", "Died")
    )
    yes = code_labelled(episode_table, "ReferralNFA", "True")
    no = code_labelled(episode_table, "ReferralNFA", "False")
    cin_episodes = pl.DataFrame(
        {
            "CINreferralDate": iso_dates(episodes.referral),
            "ReferralSource": _weighted(
                r, episode_table, "ReferralSource", size, _REFERRAL_SOURCES
            ),
            "PrimaryNeedCode": _weighted(
                r, episode_table, "PrimaryNeedCode", size, _PRIMARY_NEEDS
            ),
            "CINclosureDate": iso_dates(episodes.closure),
            "ReasonForClosure": _where(closed, reasons),
            "DateOfInitialCPC": iso_dates(episodes.icpc),
            "ReferralNFA": pick((no, yes), episodes.nfa.astype(np.int64)),
        }
    )
    made: dict[str, Records] = {
        "children": Records(
            _children(rng, authority, spec, child, episodes, died),
            np.arange(children, dtype=np.int64),
        ),
        "disabilities": _disabilities(
            rng("disabilities"), tables["disabilities"], children
        ),
        "cin_episodes": Records(cin_episodes.select(own_columns(episode_table)), child),
    }
    frame, parent = _assessments(episodes)
    made["assessments"] = Records(frame, parent)
    authorised = frame["AssessmentAuthorisationDate"].is_not_null().to_numpy()
    made["assessment_factors"] = _factors(
        rng("factors"), tables["assessment_factors"], authorised
    )
    at = np.nonzero(episodes.s47_start != NO_DATE)[0]
    s47 = tables["section47"]
    made["section47"] = Records(
        pl.DataFrame(
            {
                "S47ActualStartDate": iso_dates(episodes.s47_start[at]),
                "InitialCPCtarget": iso_dates(episodes.s47_target[at]),
                "DateOfInitialCPC": iso_dates(episodes.icpc[at]),
                "ICPCnotRequired": pick(
                    (
                        code_labelled(s47, "ICPCnotRequired", "False"),
                        code_labelled(s47, "ICPCnotRequired", "True"),
                    ),
                    episodes.icpc_not_required[at].astype(np.int64),
                ),
            }
        ),
        at,
    )
    at = np.nonzero(episodes.cpp_start != NO_DATE)[0]
    r = rng("plans")
    cpp = tables["child_protection_plans"]
    initial = _weighted(r, cpp, "InitialCategoryOfAbuse", len(at), _ABUSE)
    latest = _weighted(r, cpp, "LatestCategoryOfAbuse", len(at), _ABUSE)
    same = pl.Series(r.random(len(at)) < 0.8)
    previous = r.choice(4, size=len(at), p=[0.75, 0.18, 0.05, 0.02])
    made["child_protection_plans"] = Records(
        pl.DataFrame(
            {
                "CPPstartDate": iso_dates(episodes.cpp_start[at]),
                "CPPendDate": iso_dates(episodes.cpp_end[at]),
                "InitialCategoryOfAbuse": initial,
                "LatestCategoryOfAbuse": pl.select(
                    pl.when(same).then(initial).otherwise(latest)
                ).to_series(),
                "NumberOfPreviousCPP": pl.Series(previous).cast(pl.String),
            }
        ),
        at,
    )
    plans, dates = _reviews(episodes.cpp_start[at], episodes.cpp_end[at], year)
    made["reviews"] = Records(pl.DataFrame({"CPPreviewDate": iso_dates(dates)}), plans)
    if "cin_plans" in tables:
        at = np.nonzero(episodes.plan_start != NO_DATE)[0]
        made["cin_plans"] = Records(
            pl.DataFrame(
                {
                    "CINPlanStartDate": iso_dates(episodes.plan_start[at]),
                    "CINPlanEndDate": iso_dates(episodes.plan_end[at]),
                }
            ),
            at,
        )
    for name, records in made.items():
        wanted = own_columns(tables[name])
        if tuple(records.frame.columns) != wanted:  # pragma: no cover - a bug here
            raise RuntimeError(f"{name}: made {records.frame.columns}, not {wanted}")
    if set(made) != set(tables):  # pragma: no cover - a new table to make
        raise RuntimeError(f"tables {sorted(set(tables) - set(made))} are not made")
    return spec, made
