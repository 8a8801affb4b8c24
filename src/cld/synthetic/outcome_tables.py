"""Tables about outcomes: OC2 (looked after 12 months), OC3 (care leavers), AD1
(adoptions), children placed for adoption and previous permanence."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from cld.engine.spec.model import TableSpec
from cld.governance.authorities import authorities
from cld.synthetic.care_tables import Rows
from cld.synthetic.codes import category, code_labelled, draw, has_code, pick
from cld.synthetic.cohort import Fate, at_least_one
from cld.synthetic.context import YearContext
from cld.synthetic.dates import (
    date_text,
    day_number,
    uniform_days,
    year_end,
    year_start,
)

Mask = npt.NDArray[np.bool_]

_SDQ_REASONS = {"SDQ1": 3, "SDQ2": 2, "SDQ3": 1, "SDQ4": 2, "SDQ5": 1}
_IN_TOUCH = {"YES": 85, "NO": 4, "DIED": 0.2, "REFU": 2, "NREQ": 4, "RHOM": 2}
_ACTIV = {
    "0": 0, "F1": 10, "P1": 5, "F2": 10, "P2": 5, "F3": 5, "P3": 2, "F4": 5, "P4": 2,
    "F5": 3, "P5": 1, "G4": 15, "G5": 5, "G6": 8,
}  # fmt: skip
_LS_ADOPTR = {"L0": 2, "L11": 8, "L12": 2, "L2": 1, "L3": 1, "L4": 1}
_PREV_PERM = {"Z1": 60, "P4": 4, "P1": 4, "P2": 20, "P3": 12}
_NO_PREVIOUS_ORDER = ("not applicable", "unknown")
_HEALTH = ("HEALTH_CHECK", "IMMUNISATIONS", "TEETH_CHECK", "HEALTH_ASSESSMENT")
_INTERVENTIONS = ("INTERVENTION_RECEIVED", "INTERVENTION_OFFERED")


def _yes_no(
    rng: np.random.Generator, table: TableSpec, column: str, size: int, yes: float
) -> pl.Series:
    """Yes/no codes of ``table.column`` (found by label); yes with chance ``yes``."""
    answers = (
        code_labelled(table, column, "False"),
        code_labelled(table, column, "True"),
    )
    return pick(answers, (rng.random(size) < yes).astype(np.int64))


def _where(mask: Mask, values: pl.Series) -> pl.Series:
    return pl.select(pl.when(pl.Series(mask)).then(values)).to_series()


def oc2(ctx: YearContext) -> Rows:
    table, rng, cohort = ctx.table("oc2"), ctx.rng("oc2"), ctx.cohort
    end = year_end(ctx.year)
    # Looked after continuously for 12 months or more on 31 March.
    chosen = np.flatnonzero(
        cohort.still_looked_after & (cohort.care_start <= end - 365)
    )
    size = len(chosen)
    age = cohort.age_on(end, chosen)
    sdq_age = (age >= 4) & (age <= 16)
    scored = sdq_age & (rng.random(size) < 0.8)
    score = np.clip(np.round(rng.normal(14, 7, size=size)), 0, 40).astype(np.int64)
    misuse = (age >= 10) & (rng.random(size) < 0.05)
    rows: Rows = {
        "CHILD": ctx.ids.gather(pl.Series(chosen)),
        "DOB": date_text(cohort.born[chosen]),
        "SDQ_SCORE": _where(scored, pl.Series(score).cast(pl.String)),
        "SDQ_REASON": _where(
            sdq_age & ~scored, draw(rng, table, "SDQ_REASON", size, _SDQ_REASONS)
        ),
        "CONVICTED": _where(age >= 10, _yes_no(rng, table, "CONVICTED", size, 0.04)),
        "SUBSTANCE_MISUSE": pick(
            (
                code_labelled(table, "SUBSTANCE_MISUSE", "False"),
                code_labelled(table, "SUBSTANCE_MISUSE", "True"),
            ),
            misuse.astype(np.int64),
        ),
    }
    for column in _HEALTH:
        rows[column] = _yes_no(rng, table, column, size, 0.88)
    for column in _INTERVENTIONS:
        rows[column] = _where(misuse, _yes_no(rng, table, column, size, 0.6))
    return rows


def oc3(ctx: YearContext) -> Rows:
    """Care leavers whose 19th, 20th or 21st birthday falls in the year."""
    table, rng = ctx.table("oc3"), ctx.rng("oc3")
    size, year = len(ctx.leaver_ids), ctx.year
    born = uniform_days(
        rng, day_number(year - 22, 4, 1), day_number(year - 19, 3, 31), size
    )
    in_touch = draw(rng, table, "IN_TOUCH", size, _IN_TOUCH, default=0.5)
    touching = (in_touch == "YES").to_numpy()
    rows: Rows = {
        "CHILD": ctx.leaver_ids,
        "DOB": date_text(born),
        "IN_TOUCH": in_touch,
    }
    for column in ("ACTIV", "ACCOM"):
        drawn = draw(rng, table, column, size, _ACTIV, default=1)
        if has_code(table, column, "0"):
            none = pl.lit("0")
            drawn = pl.select(
                pl.when(pl.Series(touching)).then(drawn).otherwise(none)
            ).to_series()
        rows[column] = drawn
    return rows


def _adoption_dates(
    rng: np.random.Generator, ctx: YearContext, chosen: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Decision, match and placement dates: in care, in that order."""
    cohort = ctx.cohort
    placed = cohort.last_start[chosen]
    matched = uniform_days(rng, cohort.care_start[chosen], placed)
    decided = uniform_days(rng, cohort.care_start[chosen], matched)
    return decided, matched, placed


def ad1(ctx: YearContext) -> Rows:
    table, rng, cohort = ctx.table("ad1"), ctx.rng("ad1"), ctx.cohort
    chosen = np.flatnonzero(cohort.fate == Fate.ADOPTED)
    size = len(chosen)
    decided, matched, _ = _adoption_dates(rng, ctx, chosen)
    couple = rng.random(size) < 0.85
    return {
        "CHILD": ctx.ids.gather(pl.Series(chosen)),
        "DOB": date_text(cohort.born[chosen]),
        "DATE_INT": date_text(decided),
        "DATE_MATCH": date_text(matched),
        "FOSTER_CARE": _yes_no(rng, table, "FOSTER_CARE", size, 0.15),
        "NB_ADOPTR": pl.Series(np.where(couple, 2, 1)).cast(pl.String),
        "SEX_ADOPTR": pl.select(
            pl.when(pl.Series(couple))
            .then(
                draw(
                    rng,
                    table,
                    "SEX_ADOPTR",
                    size,
                    {"MF": 8, "FF": 1, "MM": 1},
                    default=0,
                )
            )
            .otherwise(
                draw(rng, table, "SEX_ADOPTR", size, {"F1": 8, "M1": 2}, default=0)
            )
        ).to_series(),
        "LS_ADOPTR": draw(rng, table, "LS_ADOPTR", size, _LS_ADOPTR),
    }


def placed_adoption(ctx: YearContext) -> Rows:
    table, rng, cohort = ctx.table("placed_adoption"), ctx.rng("placed"), ctx.cohort
    chosen = np.flatnonzero(
        np.isin(cohort.fate, (Fate.ADOPTED, Fate.PLACED_FOR_ADOPTION))
    )
    adopted = cohort.fate[chosen] == Fate.ADOPTED
    _, _, placed = _adoption_dates(rng, ctx, chosen)
    return {
        "CHILD": ctx.ids.gather(pl.Series(chosen)),
        "DOB": date_text(cohort.born[chosen]),
        "DATE_PLACED": date_text(placed),
        "DATE_PLACED_CEASED": date_text(cohort.end[cohort.last[chosen]], adopted),
        "REASON_PLACED_CEASED": _where(
            adopted,
            draw(
                rng, table, "REASON_PLACED_CEASED", len(chosen), {"RD1": 1}, default=0
            ),
        ),
    }


def prev_perm(ctx: YearContext) -> Rows:
    """Children who started to be looked after in the year: any earlier order."""
    table, rng, cohort = ctx.table("prev_perm"), ctx.rng("prev_perm"), ctx.cohort
    started = cohort.care_start >= year_start(ctx.year)
    chosen = np.flatnonzero(
        at_least_one(rng, started & (rng.random(cohort.size) < 0.6), started)
    )
    size = len(chosen)
    option = draw(rng, table, "PREV_PERM", size, _PREV_PERM, default=0)
    labels = {
        c: m.label.casefold() for c, m in category(table, "PREV_PERM").codes.items()
    }
    known = ~option.replace_strict(labels).is_in(_NO_PREVIOUS_ORDER).to_numpy()
    councils = [str(a.dfe) for a in authorities()]
    born, start = cohort.born[chosen], cohort.care_start[chosen]
    ordered = uniform_days(rng, born, np.maximum(born, start - 1))
    return {
        "CHILD": ctx.ids.gather(pl.Series(chosen)),
        "DOB": date_text(born),
        "PREV_PERM": option,
        "LA_PERM": _where(known, pick(councils, rng.integers(0, len(councils), size))),
        "DATE_PERM": date_text(ordered, known),
    }
