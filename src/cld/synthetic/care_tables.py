"""Tables about the children and their care: header, episodes, UASC, reviews,
missing and social worker changes. Each builder gives every column as text."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from cld.synthetic.codes import code, code_labelled, draw, has_code
from cld.synthetic.cohort import Fate, at_least_one
from cld.synthetic.context import YearContext
from cld.synthetic.dates import Days, date_text, uniform_days, year_end, year_start
from cld.synthetic.identifiers import NEARBY_OUTWARD, numbered, postcodes, upns

Rows = dict[str, pl.Series]
Mask = npt.NDArray[np.bool_]

_ETHNIC = {
    "WBRI": 26, "WOTH": 9, "WIRI": 1, "WIRT": 0.5, "WROM": 1, "MWBC": 6, "MWBA": 3,
    "MWAS": 2, "MOTH": 6, "AIND": 2, "APKN": 2, "ABAN": 3, "AOTH": 4, "BCRB": 7,
    "BAFR": 13, "BOTH": 5, "CHNE": 0.5, "OOTH": 7, "REFU": 0.3, "NOBT": 1,
}  # fmt: skip
_RNE_AFTER_FIRST = {"P": 6, "L": 2, "T": 2, "U": 1}
_LS = {
    "C2": 40, "C1": 15, "V2": 20, "E1": 6, "V3": 1, "V4": 1, "L1": 2, "L2": 2,
    "J1": 1, "J2": 1, "D1": 0.3, "L3": 0.2, "J3": 0.2,
}  # fmt: skip
_CIN = {"N1": 60, "N2": 3, "N3": 4, "N4": 8, "N5": 15, "N6": 2, "N7": 0.3, "N8": 8}
_PLACE = {
    "U1": 8, "U2": 3, "U3": 18, "U4": 3, "U5": 6, "U6": 24, "K2": 10, "K1": 1,
    "K3": 2, "R1": 2, "R2": 1, "R3": 1, "R5": 1, "P1": 4, "P2": 1, "P3": 1,
    "H5": 3, "S1": 1, "Z1": 1, "A3": 0, "A4": 0, "A5": 0, "A6": 0,
}  # fmt: skip
_ADOPTION_PLACES = ("A3", "A4", "A5", "A6")
_PROVIDER = {"PR0": 0, "PR1": 35, "PR2": 5, "PR3": 2, "PR4": 40, "PR5": 10}
_REC_LEFT = {
    "X1": 0, "E11": 0, "E12": 0, "E4A": 10, "E13": 8, "E8": 10, "E41": 2, "E43": 3,
    "E44": 2, "E45": 3, "E46": 2, "E47": 1, "E48": 1, "E14": 2, "E15": 2, "E17": 2,
}  # fmt: skip
_ADOPTED_REC = ("E11", "E12")
_PLACE_CHANGE = {
    "CARPL": 20, "CLOSE": 3, "ALLEG": 2, "STAND": 15, "APPRR": 10, "CREQB": 5,
    "CREQO": 5, "CHILD": 3, "LAREQ": 10, "PLACE": 8, "CUSTOD": 1, "OTHER": 10,
}  # fmt: skip
_PLACEMENT_CHANGES = ("P", "T", "U", "B")
_REVIEW_CODES = {"PN0": 0, "PN1": 50, "PN2": 5, "PN3": 5, "PN4": 5, "PN5": 10}


def _when(mask: Mask, values: pl.Series) -> pl.Series:
    """``values`` where ``mask``, null elsewhere."""
    return pl.select(pl.when(pl.Series(mask)).then(values)).to_series()


def _choose(
    left: Mask, then: pl.Series | pl.Expr, otherwise: pl.Series | pl.Expr
) -> pl.Series:
    """``then`` where ``left``, else ``otherwise`` (Series or single values)."""
    return pl.select(
        pl.when(pl.Series(left)).then(then).otherwise(otherwise)
    ).to_series()


def _groups(new: Mask) -> npt.NDArray[np.int64]:
    """For runs started where ``new`` is True: the run each element belongs to."""
    return np.cumsum(new).astype(np.int64) - 1


def header(ctx: YearContext) -> Rows:
    table, rng, cohort = ctx.table("header"), ctx.rng("header"), ctx.cohort
    size, end = cohort.size, year_end(ctx.year)
    age = cohort.age_on(end)
    can_be_mother = (ctx.sex.str.to_lowercase() == "female").to_numpy() & (age >= 12)
    mother = can_be_mother & (rng.random(size) < 0.04)
    yes = code_labelled(table, "MOTHER", "True")
    no = code_labelled(table, "MOTHER", "False")
    twelfth = cohort.born + 4384  # on or after the 12th birthday
    baby_born = uniform_days(rng, np.minimum(np.maximum(twelfth, end - 900), end), end)
    return {
        "CHILD": ctx.ids,
        "SEX": ctx.sex_codes(table),
        "DOB": date_text(cohort.born),
        "ETHNIC": draw(rng, table, "ETHNIC", size, _ETHNIC, default=0.5),
        "UPN": upns(rng, size),
        "MOTHER": _when(can_be_mother, _choose(mother, pl.lit(yes), pl.lit(no))),
        "MC_DOB": date_text(baby_born, mother),
    }


def episodes(ctx: YearContext) -> Rows:
    table, rng, cohort = ctx.table("episodes"), ctx.rng("episodes"), ctx.cohort
    count = len(cohort.child)
    position = cohort.position
    last = position == cohort.counts[cohort.child] - 1
    fate = cohort.fate[cohort.child]
    adoption_last = last & np.isin(fate, (Fate.ADOPTED, Fate.PLACED_FOR_ADOPTION))

    later = draw(rng, table, "RNE", count, _RNE_AFTER_FIRST, default=0)
    rne = _choose(position == 0, pl.lit(code(table, "RNE", "S")), later)
    if has_code(table, "RNE", "T"):
        rne = rne.scatter(np.flatnonzero(adoption_last), "T")

    # A legal status lasts until an episode changes it; so does a placement.
    legal = _groups((position == 0) | (rne != "P").to_numpy())
    legal_status = draw(rng, table, "LS", int(legal[-1]) + 1 if count else 0, _LS)
    ls = legal_status.gather(pl.Series(legal))
    if has_code(table, "LS", "E1"):
        ls = ls.scatter(np.flatnonzero(adoption_last), "E1")

    placement = _groups((position == 0) | (rne != "L").to_numpy())
    places = int(placement[-1]) + 1 if count else 0
    place_codes = draw(rng, table, "PLACE", places, _PLACE, default=0.5)
    adoption_places = draw(rng, table, "PLACE", places, only=_ADOPTION_PLACES)
    in_adoption = np.zeros(places, dtype=np.bool_)
    in_adoption[placement[adoption_last]] = True
    place_codes = _choose(in_adoption, adoption_places, place_codes)
    with_parents = (place_codes == "P1").to_numpy()
    provider = _choose(
        with_parents,
        pl.lit(code(table, "PLACE_PROVIDER", "PR0")),
        draw(rng, table, "PLACE_PROVIDER", places, _PROVIDER),
    )
    urn = _choose(
        rng.random(places) < 0.35,
        numbered(rng, "SC", 6, max(10, places // 5), places),
        pl.lit("XXXXXXX"),
    )
    outside = rng.random(places) < 0.3
    placed_at = _choose(
        outside,
        postcodes(rng, NEARBY_OUTWARD, places),
        postcodes(rng, ctx.outward, places),
    )
    placed_at = _when(rng.random(places) < 0.93, placed_at)
    home = _when(
        rng.random(cohort.size) < 0.96, postcodes(rng, ctx.outward, cohort.size)
    )

    ended = ~cohort.is_open
    next_changes = rne.is_in(_PLACEMENT_CHANGES).to_numpy()
    changes_placement = ~last & np.append(next_changes[1:], False)
    rec = _choose(
        ~last,
        pl.lit(code(table, "REC", "X1")),
        _choose(
            fate == Fate.ADOPTED,
            draw(rng, table, "REC", count, only=_ADOPTED_REC),
            draw(rng, table, "REC", count, _REC_LEFT),
        ),
    )
    by_child = pl.Series(cohort.child)
    by_placement = pl.Series(placement)
    return {
        "CHILD": ctx.ids.gather(by_child),
        "DECOM": date_text(cohort.start),
        "RNE": rne,
        "LS": ls,
        "CIN": draw(rng, table, "CIN", cohort.size, _CIN).gather(by_child),
        "PLACE": place_codes.gather(by_placement),
        "PLACE_PROVIDER": provider.gather(by_placement),
        "DEC": date_text(cohort.end, ended),
        "REC": _when(ended, rec),
        "REASON_PLACE_CHANGE": _when(
            changes_placement,
            draw(rng, table, "REASON_PLACE_CHANGE", count, _PLACE_CHANGE),
        ),
        "HOME_POST": home.gather(by_child),
        "PL_POST": placed_at.gather(by_placement),
        "URN": urn.gather(by_placement),
    }


def uasc(ctx: YearContext) -> Rows:
    table, rng, cohort = ctx.table("uasc"), ctx.rng("uasc"), ctx.cohort
    older = cohort.age_on(cohort.care_start) >= 10
    chosen = np.flatnonzero(
        at_least_one(rng, older & (rng.random(cohort.size) < 0.15), older)
    )
    start = cohort.care_start[chosen]
    ceased = uniform_days(rng, start, year_end(ctx.year))
    return {
        "CHILD": ctx.ids.gather(pl.Series(chosen)),
        "DOB": date_text(cohort.born[chosen]),
        "SEX": ctx.sex_codes(table, chosen),
        "DUC": date_text(ceased, rng.random(len(chosen)) < 0.25),
    }


def _distinct_days(
    rng: np.random.Generator,
    low: Days,
    high: Days,
    counts: npt.NDArray[np.int64],
    most: int,
    *,
    from_low: bool = False,
) -> tuple[npt.NDArray[np.int64], Days]:
    """Up to ``counts`` distinct days from ``low`` to ``high`` for each row (``low``
    itself first when ``from_low``): (row of each day, day), in row and date order."""
    span = np.maximum(high - low, 0) + 1
    offsets = np.floor(rng.random((len(low), most)) * span[:, None]).astype(np.int64)
    if from_low:
        offsets[:, 0] = 0
    wanted = np.arange(most)[None, :] < counts[:, None]
    offsets = np.sort(np.where(wanted, offsets, np.iinfo(np.int64).max), axis=1)
    fresh = np.ones_like(wanted)
    fresh[:, 1:] = offsets[:, 1:] != offsets[:, :-1]
    keep = fresh & (offsets != np.iinfo(np.int64).max)
    rows, columns = np.nonzero(keep)
    return rows, low[rows] + offsets[rows, columns]


def reviews(ctx: YearContext) -> Rows:
    table, rng, cohort = ctx.table("reviews"), ctx.rng("reviews"), ctx.cohort
    first_day, end = year_start(ctx.year), year_end(ctx.year)
    most = 40
    step = np.arange(most)
    # Reviews 20 days after care starts, 3 months later, then every 6 months.
    offsets = 20 + 91 * (step >= 1) + 183 * np.maximum(step - 1, 0)
    jitter = rng.integers(-4, 1, size=(cohort.size, most))
    dates = cohort.care_start[:, None] + offsets[None, :] + jitter
    keep = (
        (dates >= first_day)
        & (dates <= np.minimum(cohort.care_end, end)[:, None])
        & (rng.random((cohort.size, most)) > 0.03)
    )
    children, columns = np.nonzero(keep)
    held = dates[children, columns]
    under_four = cohort.age_on(held, children) < 4
    return {
        "CHILD": ctx.ids.gather(pl.Series(children)),
        "DOB": date_text(cohort.born[children]),
        "REVIEW": date_text(held),
        "REVIEW_CODE": _choose(
            under_four,
            pl.lit(code(table, "REVIEW_CODE", "PN0")),
            draw(rng, table, "REVIEW_CODE", len(held), _REVIEW_CODES),
        ),
    }


def missing(ctx: YearContext) -> Rows:
    table, rng, cohort = ctx.table("missing"), ctx.rng("missing"), ctx.cohort
    first_day, end = year_start(ctx.year), year_end(ctx.year)
    older = cohort.age_on(end) >= 10
    chosen = np.flatnonzero(
        at_least_one(rng, older & (rng.random(cohort.size) < 0.15), older)
    )
    low = np.maximum(cohort.care_start[chosen], first_day)
    high = np.minimum(cohort.care_end[chosen], end)
    times = np.minimum(1 + rng.poisson(1.0, size=len(chosen)), 5)
    rows, began = _distinct_days(rng, low, high, times, 5)
    children = chosen[rows]
    back = np.minimum(began + rng.integers(0, 4, size=len(began)), end)
    return {
        "CHILD": ctx.ids.gather(pl.Series(children)),
        "DOB": date_text(cohort.born[children]),
        "MISSING": draw(rng, table, "MISSING", len(began), {"M": 7, "A": 3}),
        "MIS_START": date_text(began),
        "MIS_END": date_text(back, rng.random(len(began)) < 0.95),
    }


def social_worker(ctx: YearContext) -> Rows:
    table, rng, cohort = (
        ctx.table("social_worker"),
        ctx.rng("social_worker"),
        ctx.cohort,
    )
    low = cohort.care_start - rng.integers(0, 15, size=cohort.size)
    high = cohort.care_end
    changes = np.minimum(1 + rng.poisson(0.7, size=cohort.size), 4)
    children, allocated = _distinct_days(rng, low, high, changes, 4, from_low=True)
    first = np.ones(len(children), dtype=np.bool_)
    first[1:] = children[1:] != children[:-1]
    last = np.ones(len(children), dtype=np.bool_)
    last[:-1] = children[:-1] != children[1:]
    left = ~cohort.still_looked_after[children]
    ended = np.where(last, cohort.care_end[children], np.append(allocated[1:], 0))
    workers = max(5, cohort.size // 8)
    return {
        "CHILD": ctx.ids.gather(pl.Series(children)),
        "DOB": date_text(cohort.born[children]),
        "SW_ID": numbered(rng, "SW", 5, workers, len(children)),
        "SW_DECOM": date_text(allocated),
        "SW_DEC": date_text(ended, ~last | left),
        "SW_REASON": _when(~first, draw(rng, table, "SW_REASON", len(children))),
    }
