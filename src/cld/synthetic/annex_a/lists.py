"""The eleven Annex A lists of one authority and year, as text, before any fault.

Every list is built column by column with NumPy and Polars: the children known to
children's services are drawn once (identifier, gender, ethnicity, date of birth,
disability) and each list takes some of them, with its own dates and codes. Codes
come from the schema (:func:`cld.synthetic.codes.draw`); weights name the likely
ones. Dates follow each other as casework does (a plan starts after the conference
that made it) and none is after the end of the collection year.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from cld.engine.spec.model import DatasetSpec, TableSpec
from cld.governance.authorities import Authority, authorities
from cld.synthetic.codes import draw, pick
from cld.synthetic.dates import (
    Days,
    age_in_years,
    date_text,
    uniform_days,
    year_end,
    year_start,
)
from cld.synthetic.identifiers import (
    NEARBY_OUTWARD,
    child_ids,
    id_style,
    outward_codes,
    postcodes,
)

Mask = npt.NDArray[np.bool_]

SHARE_OF_CHILDREN: dict[str, float] = {
    "list_1": 0.6,
    "list_2": 0.15,
    "list_3": 0.35,
    "list_4": 0.3,
    "list_5": 0.12,
    "list_6": 0.4,
    "list_7": 0.06,
    "list_8": 0.1,
    "list_9": 0.06,
    "list_10": 0.015,
    "list_11": 0.012,
}
"""Rows of each list for each child known to children's services."""

_YEAR = 365
_FIRST_NAMES = (
    "Amina", "Ben", "Chloe", "Daniel", "Efua", "Fatima", "George", "Hannah", "Imran",
    "Jade", "Kwame", "Laura", "Mohammed", "Nadia", "Oliver", "Priya", "Rosa", "Sam",
    "Tomasz", "Yusuf",
)  # fmt: skip
_LAST_NAMES = (
    "Ahmed", "Brown", "Clarke", "Da Silva", "Evans", "Francis", "Green", "Hussain",
    "Ibrahim", "Jones", "Kowalski", "Lewis", "Mensah", "Nowak", "Okafor", "Patel",
    "Quinn", "Smith", "Taylor", "Williams",
)  # fmt: skip
_OUTSIDE_LONDON = ("Kent", "Essex", "Surrey", "Hertfordshire", "Medway", "Luton")
_EARLY_HELP = (
    "Early Help Hub",
    "Family Support Service",
    "School",
    "Health Visiting Team",
    "Children's Centre",
    "Youth Service",
)
_TEAMS = {
    "list_3": ("MASH", "Front Door", "Assessment Team 1", "Assessment Team 2"),
    "list_4": ("Assessment Team 1", "Assessment Team 2", "Assessment Team 3"),
    "list_5": ("Assessment Team 1", "Child Protection Team", "Safeguarding Team"),
    "list_6": (
        "Children in Need Team 1",
        "Children in Need Team 2",
        "Disabled Children",
    ),
    "list_7": ("Child Protection Team", "Safeguarding Team", "Family Intervention"),
    "list_8": ("Looked After Children", "Children in Care Team", "Disabled Children"),
    "list_9": ("Leaving Care", "Care Leavers Team", "16+ Service"),
}

_SUPPORT = "Was the child assessed as requiring LA children's social care support?"
_ICPC = "Date of Initial Child Protection Conference"
_NOT_NEEDED = "Was an Initial Child Protection Conference deemed unnecessary?"
_PLAN = "Did the Initial Child Protection Conference Result in a Child Protection Plan"
_EPO = (
    "Subject to Emergency Protection Order or Protected Under Police Powers in Last "
    "Six Months (Y/N)"
)
_UASC_8 = "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)"
_SECOND = (
    "Is this a second or subsequent period of being a Looked After Child within the "
    "last 12 months (Y/N)"
)
_MISSING = (
    "Number of Episodes the Child has been 'Missing' from their Placement in the "
    "last 12 months"
)
_ABSENT = (
    "Number of Episodes the Child has been 'Absent' from their Placement in the "
    "last 12 months"
)
_OFFERED = (
    "Was the child offered a Return Interview after their last missing episode (Y/N)?"
)
_ACCEPTED = (
    "Did the child accept a Return Interview after their last missing episode (Y/N)?"
)
_UASC_9 = (
    "Unaccompanied Asylum Seeking Child (UASC), or formerly UASC if 18 or over (Y/N)"
)


@dataclass(frozen=True)
class Children:
    """Every child known to the authority's children's services this year."""

    ids: pl.Series
    gender: pl.Series
    ethnicity: pl.Series
    disability: pl.Series
    born: Days

    @property
    def size(self) -> int:
        return len(self.ids)

    def take(self, rows: npt.NDArray[np.int64]) -> Children:
        index = pl.Series(rows)
        return Children(
            ids=self.ids.gather(index),
            gender=self.gender.gather(index),
            ethnicity=self.ethnicity.gather(index),
            disability=self.disability.gather(index),
            born=self.born[rows],
        )


@dataclass(frozen=True)
class ListContext:
    authority: Authority
    spec: DatasetSpec
    rng: np.random.Generator
    workers: tuple[str, ...]

    @property
    def year(self) -> int:
        return self.spec.year

    @property
    def start(self) -> int:
        return year_start(self.year)

    @property
    def end(self) -> int:
        return year_end(self.year)


def _people(ctx: ListContext, table: TableSpec, size: int, born: Days) -> Children:
    rng = ctx.rng
    style = id_style(ctx.authority.code)
    return Children(
        ids=child_ids(rng, style, size),
        gender=draw(
            rng, table, "Gender", size,
            {"a) Male": 52, "b) Female": 46, "c) Not stated/recorded": 1.5},
            default=0.5,
        ),
        ethnicity=draw(
            rng, table, "Ethnicity", size,
            {"a) White": 40, "b) Mixed": 12, "c) Asian or Asian British": 15,
             "d) Black or black British": 22, "e) Other ethnic group": 6},
            default=5,
        ),
        disability=draw(
            rng, table, "Does the Child have a Disability"
            if "Does the Child have a Disability" in table.columns
            else "Disability",
            size, {"No": 85, "Yes": 12}, default=3,
        ),
        born=born,
    )  # fmt: skip


def known_children(ctx: ListContext, size: int) -> Children:
    """``size`` children aged 0 to 17 at the end of the year."""
    end = ctx.end
    born = uniform_days(ctx.rng, end - 18 * _YEAR + 5, end, size)
    return _people(ctx, ctx.spec.tables["list_8"], size, born)


def _names(rng: np.random.Generator, size: int) -> tuple[str, ...]:
    first = rng.integers(0, len(_FIRST_NAMES), size=size)
    last = rng.integers(0, len(_LAST_NAMES), size=size)
    return tuple(
        sorted(
            {
                f"{_FIRST_NAMES[f]} {_LAST_NAMES[s]}"
                for f, s in zip(first, last, strict=True)
            }
        )
    )


def workers_of(rng: np.random.Generator, children: int) -> tuple[str, ...]:
    """The authority's social workers' names."""
    return _names(rng, max(4, min(80, children // 15)))


def _choose(rng: np.random.Generator, values: tuple[str, ...], size: int) -> pl.Series:
    return pick(values, rng.integers(0, len(values), size=size))


def _text(days: Days, present: Mask | None = None) -> pl.Series:
    return date_text(days, present)


def _count(values: npt.NDArray[np.int64]) -> pl.Series:
    return pl.Series(values).cast(pl.String)


def _after(
    rng: np.random.Generator, days: Days, low: int, high: int, end: int
) -> tuple[Days, Mask]:
    """A day ``low`` to ``high`` days after each of ``days``, and whether it is on
    or before ``end`` (else it has not happened yet)."""
    later = days + rng.integers(low, high + 1, size=len(days))
    return later, later <= end


def _steps(
    rng: np.random.Generator,
    start: Days,
    gaps: Sequence[tuple[int, int]],
    end: int,
    possible: Mask,
) -> list[tuple[Days, Mask]]:
    """Events one after another from ``start``, each ``low`` to ``high`` days after
    the one before (``gaps``), each with whether it has happened: where it was
    ``possible``, by ``end``, and after the one before had."""
    chain = []
    day, so_far = start, possible
    for low, high in gaps:
        day, happened = _after(rng, day, low, high, end)
        so_far = so_far & happened
        chain.append((day, so_far))
    return chain


def _when(mask: Mask, values: pl.Series) -> pl.Series:
    return pl.select(pl.when(pl.Series(mask)).then(values)).to_series()


def _demographics(
    ctx: ListContext, table: TableSpec, kids: Children, on: int
) -> dict[str, pl.Series]:
    age = age_in_years(kids.born, on)
    found = {
        "Child Unique ID": kids.ids,
        "Gender": kids.gender,
        "Ethnicity": kids.ethnicity,
        "Date of Birth": _text(kids.born),
        "Age of Child (Years)": _count(np.maximum(age, 0)),
    }
    if "Does the Child have a Disability" in table.columns:
        found["Does the Child have a Disability"] = kids.disability
    return found


def _team(ctx: ListContext, name: str, size: int) -> dict[str, pl.Series]:
    return {
        "Allocated Team": _choose(ctx.rng, _TEAMS[name], size),
        "Allocated Worker": _choose(ctx.rng, ctx.workers, size),
    }


def _yes_no(
    ctx: ListContext, table: TableSpec, column: str, size: int, yes: float
) -> pl.Series:
    return draw(ctx.rng, table, column, size, {"Yes": yes, "No": 1 - yes}, default=0)


def _event_days(ctx: ListContext, kids: Children, earliest: int) -> Days:
    """A day in the year (from ``earliest``) for each child, not before birth."""
    days = uniform_days(ctx.rng, earliest, ctx.end, kids.size)
    return np.maximum(days, kids.born)


def list_1(ctx: ListContext, t: TableSpec, kids: Children) -> dict[str, pl.Series]:
    source = {"g) Police": 30, "b) Schools": 15, "d) Health services": 15,
              "a) Individual": 12, "f) LA services": 10, "e) Housing": 4,
              "h) Other legal agency": 4, "c) Education services": 3}  # fmt: skip
    return {
        **_demographics(ctx, t, kids, ctx.end),
        "Date of Contact": _text(_event_days(ctx, kids, ctx.start)),
        "Contact Source": draw(ctx.rng, t, "Contact Source", kids.size, source),
    }


def list_2(ctx: ListContext, t: TableSpec, kids: Children) -> dict[str, pl.Series]:
    start = _event_days(ctx, kids, ctx.start)
    done, finished = _after(ctx.rng, start, 10, 60, ctx.end)
    finished &= ctx.rng.random(kids.size) < 0.8
    return {
        **_demographics(ctx, t, kids, ctx.end),
        "Assessment start date": _text(start),
        "Assessment completion date": _text(done, finished),
        "Organisation completing assessment": _choose(ctx.rng, _EARLY_HELP, kids.size),
    }


def list_3(ctx: ListContext, t: TableSpec, kids: Children) -> dict[str, pl.Series]:
    size = kids.size
    source = {"g) Police": 28, "b) Schools": 18, "d) Health services": 16,
              "f) LA services": 12, "a) Individual": 8}  # fmt: skip
    referrals = ctx.rng.choice([1, 2, 3, 4], size=size, p=[0.7, 0.2, 0.07, 0.03])
    return {
        **_demographics(ctx, t, kids, ctx.end),
        "Date of referral": _text(_event_days(ctx, kids, ctx.start)),
        "Referral Source": draw(ctx.rng, t, "Referral Source", size, source),
        "Referral NFA?": _yes_no(ctx, t, "Referral NFA?", size, 0.08),
        "Number of Referrals in Last 12 Months": _count(referrals),
        **_team(ctx, "list_3", size),
    }


def list_4(ctx: ListContext, t: TableSpec, kids: Children) -> dict[str, pl.Series]:
    size = kids.size
    start = _event_days(ctx, kids, ctx.start)
    authorised, done = _after(ctx.rng, start, 5, 45, ctx.end)
    support = _when(done, _yes_no(ctx, t, _SUPPORT, size, 0.55))
    return {
        **_demographics(ctx, t, kids, ctx.end),
        "Continuous Assessment Start Date": _text(start),
        "Child Seen During Continuous Assessment": draw(
            ctx.rng,
            t,
            "Child Seen During Continuous Assessment",
            size,
            {"Yes": 90, "No": 8},
            default=2,
        ),  # fmt: skip
        "Continuous Assessment Date of Authorisation": _text(authorised, done),
        _SUPPORT: support,
        **_team(ctx, "list_4", size),
    }


def list_5(ctx: ListContext, t: TableSpec, kids: Children) -> dict[str, pl.Series]:
    size = kids.size
    start = _event_days(ctx, kids, ctx.start)
    held = ctx.rng.random(size) < 0.45
    conference, happened = _after(ctx.rng, start, 5, 15, ctx.end)
    happened &= held
    yes, no = "Yes", "No"
    plan = draw(ctx.rng, t, _PLAN, size, {yes: 0.8, no: 0.2}, default=0)
    return {
        **_demographics(ctx, t, kids, ctx.end),
        "Strategy discussion initiating Section 47 Enquiry Start Date": _text(start),
        _NOT_NEEDED: pick((no, yes), (~held).astype(np.int64)),
        _ICPC: _text(conference, happened),
        _PLAN: _when(happened, plan),
        "Number of Section 47 Enquiries in the last 12 months": _count(
            ctx.rng.choice([1, 2, 3], size=size, p=[0.8, 0.15, 0.05])
        ),
        "Number of ICPCs in the last 12 months": _count(happened.astype(np.int64)),
        **_team(ctx, "list_5", size),
    }


def list_6(ctx: ListContext, t: TableSpec, kids: Children) -> dict[str, pl.Series]:
    size, rng, end = kids.size, ctx.rng, ctx.end
    start = _event_days(ctx, kids, ctx.start - 3 * _YEAR)
    seen = np.maximum(uniform_days(rng, end - 90, end, size), start)
    closed = rng.random(size) < 0.3
    closure = uniform_days(rng, start, np.full(size, end))
    need = {"a) Abuse or neglect": 50, "e) Family dysfunction": 15,
            "b) Child's disability": 10, "d) Family in acute stress": 8}  # fmt: skip
    open_status = draw(
        rng, t, "Case Status", size,
        {"c) Child in need plan": 60, "b) Child Protection plan": 15,
         "a) Looked after child": 15, "d) Open assessment": 10},
        default=0,
    )  # fmt: skip
    status = pl.select(
        pl.when(pl.Series(closed))
        .then(pl.lit("e) Closed episode"))
        .otherwise(open_status)
    ).to_series()
    return {
        **_demographics(ctx, t, kids, end),
        "CIN Start Date": _text(start),
        "Primary Need Code": draw(rng, t, "Primary Need Code", size, need),
        "Date Child Was Last Seen": _text(seen),
        "CIN Closure Date": _text(closure, closed),
        "Reason for Closure": _when(
            closed,
            draw(
                rng,
                t,
                "Reason for Closure",
                size,
                {
                    "g) 'Other' incl. Child no longer in need": 60,
                    "h) Child not in need after assessment": 25,
                },
            ),
        ),  # fmt: skip
        "Case Status": status,
        **_team(ctx, "list_6", size),
    }


def list_7(ctx: ListContext, t: TableSpec, kids: Children) -> dict[str, pl.Series]:
    size, rng, end = kids.size, ctx.rng, ctx.end
    start = _event_days(ctx, kids, ctx.start - 2 * _YEAR)
    abuse = {"a) Neglect": 45, "d) Emotional Abuse": 35, "b) Physical Abuse": 8,
             "c) Sexual Abuse": 4, "e) Multiple": 8}  # fmt: skip
    initial = draw(rng, t, "Initial Category of Abuse", size, abuse)
    changed = rng.random(size) < 0.15
    latest = pl.select(
        pl.when(pl.Series(changed))
        .then(draw(rng, t, "Latest Category of Abuse", size, abuse))
        .otherwise(initial)
    ).to_series()
    visit = np.maximum(uniform_days(rng, end - 20, end, size), start)
    review, reviewed = _after(rng, start, 80, 100, end)
    ended = rng.random(size) < 0.25
    finish = uniform_days(rng, start, np.full(size, end))
    return {
        **_demographics(ctx, t, kids, end),
        "Child Protection Plan Start Date": _text(start),
        "Initial Category of Abuse": initial,
        "Latest Category of Abuse": latest,
        "Date of the Last Statutory Visit": _text(visit),
        "Was the Child Seen Alone?": draw(
            rng, t, "Was the Child Seen Alone?", size, {"Yes": 75, "No": 20}, default=5
        ),
        "Date of latest review conference": _text(review, reviewed),
        "Child Protection Plan End Date": _text(finish, ended),
        _EPO: _yes_no(ctx, t, _EPO, size, 0.04),
        "Number of Previous Child Protection Plans": _count(
            rng.choice([0, 1, 2], size=size, p=[0.75, 0.2, 0.05])
        ),
        **_team(ctx, "list_7", size),
    }


def _placement_las(ctx: ListContext) -> tuple[str, ...]:
    others = tuple(a.name for a in authorities() if a.code != ctx.authority.code)
    return others[:12] + _OUTSIDE_LONDON


def list_8(ctx: ListContext, t: TableSpec, kids: Children) -> dict[str, pl.Series]:
    size, rng, end = kids.size, ctx.rng, ctx.end
    started = np.maximum(uniform_days(rng, end - 8 * _YEAR, end - 7, size), kids.born)
    legal_start = uniform_days(rng, started, np.full(size, end))
    placed = uniform_days(rng, legal_start, np.full(size, end))
    ceased = rng.random(size) < 0.15
    ceased_on = uniform_days(rng, np.maximum(placed, ctx.start), np.full(size, end))

    def recent(days: int, filled: float) -> pl.Series:
        when = np.maximum(uniform_days(rng, end - days, end, size), started)
        return _text(when, rng.random(size) < filled)

    inside = rng.random(size) < 0.45
    outward = outward_codes(ctx.authority.code)
    local = postcodes(rng, outward, size)
    away = postcodes(
        rng, outward_codes(f"{ctx.authority.code}:away") + NEARBY_OUTWARD, size
    )
    postcode = pl.select(
        pl.when(pl.Series(inside)).then(local).otherwise(away)
    ).to_series()
    placement_la = pl.select(
        pl.when(pl.Series(inside))
        .then(pl.lit(ctx.authority.name))
        .otherwise(_choose(rng, _placement_las(ctx), size))
    ).to_series()
    urn = pl.Series(rng.integers(100000, 999999, size=size)).cast(pl.String)
    urn = _when(rng.random(size) < 0.6, "SC" + urn)
    missing = rng.choice([0, 1, 2, 3, 5], size=size, p=[0.8, 0.08, 0.05, 0.04, 0.03])
    offered = draw(rng, t, _OFFERED, size, {"Yes": 0.85, "No": 0.15}, default=0)
    accepted = draw(rng, t, _ACCEPTED, size, {"Yes": 0.7, "No": 0.3}, default=0)
    was_missing = missing > 0
    location = pick(("b) Out", "a) In"), inside.astype(np.int64))
    return {
        **_demographics(ctx, t, kids, end),
        _UASC_8: _yes_no(ctx, t, _UASC_8, size, 0.12),
        "Date Started to be Looked After": _text(started),
        "Child's Category of Need": draw(
            rng,
            t,
            "Child's Category of Need",
            size,
            {
                "a) Abuse or neglect": 60,
                "e) Family dysfunction": 12,
                "h) Absent parenting": 10,
                "d) Family in acute stress": 8,
            },
        ),  # fmt: skip
        _SECOND: _yes_no(ctx, t, _SECOND, size, 0.08),
        "Start date of current legal status": _text(legal_start),
        "Child's Legal Status": draw(
            rng,
            t,
            "Child's Legal Status",
            size,
            {
                "b) Full care orders": 50,
                "e) Accommodated under S20": 25,
                "a) Interim care orders": 12,
                "d) Placement order granted": 8,
            },
        ),  # fmt: skip
        "Date of Latest Statutory Review": recent(180, 0.95),
        "Date of Last Social Work Visit": recent(42, 0.98),
        "What is the permanence plan for this child?": _when(
            rng.random(size) < 0.9,
            draw(
                rng,
                t,
                "What is the permanence plan for this child?",
                size,
                {
                    "f) Long-term fostering": 40,
                    "a) Return to family": 20,
                    "c) SGO/CAO": 12,
                    "b) Adoption": 8,
                },
            ),
        ),  # fmt: skip
        "Date of Last IRO Visit / Contact to the Child": recent(180, 0.9),
        "Date of Last Health Assessment": recent(365, 0.93),
        "Date of Last Dental Check": recent(365, 0.85),
        "Number of Placements in the Last 12 months": _count(
            rng.choice([1, 2, 3, 4], size=size, p=[0.65, 0.22, 0.09, 0.04])
        ),
        "Date Ceased to be Looked After": _text(ceased_on, ceased),
        "Reason Ceased to be Looked After": _when(
            ceased,
            draw(
                rng,
                t,
                "Reason Ceased to be Looked After",
                size,
                {
                    "d) Returned home to live with parents or relatives": 35,
                    "h) Moved into independent living": 20,
                    "g) Special Guardianship Orders": 15,
                    "a) Adopted": 10,
                },
            ),
        ),  # fmt: skip
        "Start Date of Most Recent Placement": _text(placed),
        "Placement Type": draw(
            rng,
            t,
            "Placement Type",
            size,
            {
                "a) Foster placement": 70,
                "h) Children’s Homes": 12,
                "d) Independent living": 6,
                "c) Placed with parents": 5,
            },
        ),  # fmt: skip
        "Placement Provider": draw(
            rng,
            t,
            "Placement Provider",
            size,
            {"a) Own LA": 45, "b) Private": 50, "c) Other": 5},
        ),
        "Placement postcode": postcode,
        "URN of Placement": urn,
        "Placement Location": location,
        "LA of Placement": placement_la,
        _MISSING: _count(missing),
        _ABSENT: _count(rng.choice([0, 1, 2], size=size, p=[0.85, 0.1, 0.05])),
        _OFFERED: _when(was_missing, offered),
        _ACCEPTED: _when(was_missing, accepted),
        **_team(ctx, "list_8", size),
    }


def care_leavers(ctx: ListContext, size: int) -> Children:
    """``size`` young people aged 17 to 21 at the end of the year."""
    end = ctx.end
    born = uniform_days(ctx.rng, end - 22 * _YEAR + 5, end - 17 * _YEAR, size)
    return _people(ctx, ctx.spec.tables["list_9"], size, born)


def list_9(ctx: ListContext, t: TableSpec, kids: Children) -> dict[str, pl.Series]:
    size, rng, end = kids.size, ctx.rng, ctx.end
    in_touch = draw(
        rng, t, "LA in Touch", size,
        {"a) In touch": 85, "b) Not in touch": 8, "c) Not recorded": 5},
        default=2,
    )  # fmt: skip
    touching = (in_touch == "a) In touch").to_numpy()
    contact = uniform_days(rng, end - 90, end, size)
    review = uniform_days(rng, end - 180, end, size)
    return {
        **_demographics(ctx, t, kids, end),
        _UASC_9: _yes_no(ctx, t, _UASC_9, size, 0.2),
        **_team(ctx, "list_9", size),
        "Allocated Personal Advisor": _choose(rng, ctx.workers, size),
        "Eligibility Category": draw(
            rng,
            t,
            "Eligibility Category",
            size,
            {"b) Former relevant": 70, "a) Relevant": 15, "c) Qualifying": 10},
        ),
        "Latest Pathway Plan Review Date": _text(review, rng.random(size) < 0.9),
        "LA in Touch": in_touch,
        "Latest Date of Contact": _text(contact, touching),
        "Type of Accommodation": _when(
            rng.random(size) < 0.95,
            draw(
                rng,
                t,
                "Type of Accommodation",
                size,
                {
                    "k) Independent living": 30,
                    "d) Supported lodgings": 15,
                    "c) Semi-independent transitional accommodation": 20,
                    "o) With Former Foster Carer": 12,
                    "a) With parents or relatives": 10,
                },
            ),
        ),  # fmt: skip
        "Suitability of Accommodation": draw(
            rng,
            t,
            "Suitability of Accommodation",
            size,
            {"a) Suitable": 88, "b) Not suitable": 7},
            default=2.5,
        ),  # fmt: skip
        "Activity Status": draw(
            rng,
            t,
            "Activity Status",
            size,
            {
                "F2: Full time in education other than higher": 25,
                "G5: Not in education, employment or training - other": 20,
                "F1: Full time in higher education": 10,
            },
            default=3,
        ),  # fmt: skip
    }


def list_10(ctx: ListContext, t: TableSpec, kids: Children) -> dict[str, pl.Series]:
    size, rng, end = kids.size, ctx.rng, ctx.end
    entered = np.maximum(uniform_days(rng, end - 4 * _YEAR, end - 60, size), kids.born)
    decided, _ = _after(rng, entered, 60, 400, end)
    decided = np.minimum(decided, end)
    stopped = rng.random(size) < 0.08
    adoption = _steps(
        rng, decided, ((30, 200), (30, 200), (7, 40), (70, 200)), end, ~stopped
    )
    (order, has_order), (matched, has_match), (placed, has_placed) = adoption[:3]
    adopted, has_adopted = adoption[3]
    stop_day = uniform_days(rng, decided, np.full(size, end))
    fostering, fostered = _after(rng, entered, 0, 60, end)
    fostered &= rng.random(size) < 0.1
    family = pl.Series(rng.integers(10000, 99999, size=size)).cast(pl.String)
    return {
        "Child Unique ID": kids.ids,
        "Family identifier": _when(rng.random(size) < 0.6, "F" + family),
        **{
            k: v
            for k, v in _demographics(ctx, t, kids, end).items()
            if k != "Child Unique ID"
        },
        "Date the Child Entered Care": _text(entered),
        "Date of Decision that Child Should be Placed for Adoption": _text(decided),
        "Date of Placement Order": _text(order, has_order),
        "Date of Matching Child and Prospective Adopters": _text(matched, has_match),
        "Date Placed for Adoption": _text(placed, has_placed),
        "Date of Adoption Order": _text(adopted, has_adopted),
        "Date of Decision that Child Should No Longer be Placed for Adoption": _text(
            stop_day, stopped
        ),
        "Reason Why Child No Longer Placed for Adoption": _when(
            stopped,
            draw(rng, t, "Reason Why Child No Longer Placed for Adoption", size),
        ),
        "Date the child was placed for fostering in FFA or concurrent planning "
        "placement": _text(fostering, fostered),
    }


def adopters(ctx: ListContext, size: int) -> Children:
    """``size`` prospective adopters (aged 25 to 55)."""
    end = ctx.end
    born = uniform_days(ctx.rng, end - 55 * _YEAR, end - 25 * _YEAR, size)
    people = _people(ctx, ctx.spec.tables["list_11"], size, born)
    numbers = pl.Series(ctx.rng.permutation(size) + 1001).cast(pl.String)
    return Children(
        ids="AD" + numbers.str.zfill(5),
        gender=draw(ctx.rng, ctx.spec.tables["list_11"], "Gender", size,
                    {"a) Male": 40, "b) Female": 60}, default=0),
        ethnicity=people.ethnicity,
        disability=people.disability,
        born=born,
    )  # fmt: skip


def list_11(ctx: ListContext, t: TableSpec, kids: Children) -> dict[str, pl.Series]:
    size, rng, end = kids.size, ctx.rng, ctx.end
    enquiry = uniform_days(rng, end - 2 * _YEAR, end, size)
    left = rng.random(size) < 0.1
    stages = _steps(rng, enquiry, ((7, 60), (40, 70), (0, 30), (90, 130)), end, ~left)
    (s1_start, s1), (s1_end, e1), (s2_start, s2), (s2_end, e2) = stages
    submitted, has_submitted = _after(rng, s2_start, 10, 40, end)
    has_submitted &= s2
    (matched, has_match), (placed, has_placed), (order, has_order) = _steps(
        rng, s2_end, ((30, 200), (14, 60), (70, 200)), end, e2
    )
    leaving = uniform_days(rng, enquiry, np.full(size, end))
    children = _count(rng.choice([1, 2], size=size, p=[0.8, 0.2]))
    family = pl.Series(rng.integers(10000, 99999, size=size)).cast(pl.String)
    return {
        "Individual adopter identifier": kids.ids,
        "Family identifier": _when(rng.random(size) < 0.7, "F" + family),
        "Gender": kids.gender,
        "Ethnicity": kids.ethnicity,
        "Disability": kids.disability,
        "Is the (prospective) adopter fostering for adoption?": _yes_no(
            ctx, t, "Is the (prospective) adopter fostering for adoption?", size, 0.15
        ),
        "Date enquiry received": _text(enquiry),
        "Date Stage 1 started": _text(s1_start, s1),
        "Date Stage 1 ended": _text(s1_end, e1),
        "Date Stage 2 started": _text(s2_start, s2),
        "Date Stage 2 ended": _text(s2_end, e2),
        "Date application submitted": _text(submitted, has_submitted),
        "Date application approved": _text(s2_end, e2),
        "Date adopter matched with child(ren)": _text(matched, has_match),
        "Date child/children placed with adopter(s)": _text(placed, has_placed),
        "No. of children placed": _when(has_placed, children),
        "Date of Adoption Order": _text(order, has_order),
        "Date of leaving adoption process": _text(leaving, left),
        "Reason for leaving adoption process": _when(
            left, draw(rng, t, "Reason for leaving adoption process", size)
        ),
    }


Builder = Callable[[ListContext, TableSpec, Children], dict[str, pl.Series]]

BUILDERS: dict[str, Builder] = {
    "list_1": list_1,
    "list_2": list_2,
    "list_3": list_3,
    "list_4": list_4,
    "list_5": list_5,
    "list_6": list_6,
    "list_7": list_7,
    "list_8": list_8,
    "list_9": list_9,
    "list_10": list_10,
    "list_11": list_11,
}


def build_list(ctx: ListContext, table: TableSpec, kids: Children) -> pl.DataFrame:
    """The list ``table`` for ``kids``, one text column per schema column in
    schema order (null is a blank cell)."""
    columns = BUILDERS[table.name](ctx, table, kids)
    if set(columns) != set(table.columns):
        raise ValueError(
            f"{table.name}: built {sorted(set(columns) ^ set(table.columns))} "
            "that the schema does not have, or left them out"
        )
    return pl.DataFrame(
        [columns[name].cast(pl.String).alias(name) for name in table.columns]
    )
