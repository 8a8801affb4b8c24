"""SSDA903 episodes pooled across years and repaired: the platform's definition.

An authority's SSDA903 return for a year lists every episode of care open at any time
in that year, so an episode spanning three years appears in three returns, open in
the first two and closed in the third. An episode still open in one return may never
appear again: the child stopped being looked after, or moved on, and the next return
did not carry the episode with its end date. London analysts repair this the same
way; :func:`repair_episodes` is that repair, and this text is its definition.

The input is every row of every year of the episodes table of one or more
authorities (``LA``), stacked, before any de-duplication. The work is done per
authority and child (``LA``, ``CHILD``), episodes in order of their start date
(``DECOM``), then of the return's collection year (``YEAR``). The rules, in the order
they are applied:

1. ``duplicate``: rows equal in every column but ``YEAR`` (the same episode reported
   unchanged in several returns, or twice in one) are one episode; the row from the
   latest year is kept.
2. ``replaced_by_later_return``: when one episode (same ``LA``, ``CHILD`` and
   ``DECOM``) is reported differently in several returns, the version from the latest
   return wins. An episode open at the end of one return and closed or changed in the
   next becomes one episode, as the later return has it.
3. ``duplicate_key``: when one return itself holds two different rows for one
   episode (already reported as a ``duplicate_key`` issue at upload), one is kept, by
   a fixed order of the other columns, so that the result is always the same.

Rules 1–3 are recorded on the row kept, for the rows they dropped: ``duplicate`` when
a row equal to it was dropped, ``replaced_by_later_return`` when a different row from
an earlier return was, ``duplicate_key`` when a different row from its own return was.

Then, for an episode still open (no ``DEC``) in a return that is not the authority's
latest (``YEAR_LATEST``, the latest ``YEAR`` of that ``LA`` among the rows given),
so the episode stopped appearing without an end date:

4. ``rule_1_next_episode_follows``: if the child has a later episode that is not the
   start of a new period of care (its ``RNE`` is not ``S``), the open episode ended
   when the next began: ``DEC`` is the next episode's ``DECOM`` and ``REC`` is ``X1``
   (episode ceased and a new one began). A next episode without ``RNE`` counts as
   not starting a new period of care.
5. ``rule_1a_new_period_of_care``: if the child's next episode starts a new period of
   care (``RNE`` is ``S``), the child left care in between: ``DEC`` is the day before
   the next episode's start, or 31 March of the open episode's return year if that is
   earlier, and ``REC`` is ``E99``.
6. ``rule_2_nothing_follows``: if the child has no later episode, ``DEC`` is 31 March
   of the open episode's return year and ``REC`` is ``E99``.

``E99`` (:data:`CLOSED_BY_PLATFORM`) is not an SSDA903 code: it is the platform's,
and means "closed by the platform: the episode stopped appearing without a close
date". An episode open in the authority's latest return stays open, even when a
later episode of the child follows it (the return itself is then inconsistent).

Then, for every episode with a later episode of the same child:

7. ``overlap_closed``: an episode ending after the next one starts ends when the
   next one starts (``DEC`` is the next ``DECOM``; ``REC`` is unchanged).
8. ``x1_gap_closed``: an episode that ceased because a new one began (``REC`` is
   ``X1``) but ends before the next one starts ends when the next one starts.

Each row records what was done to it: ``EPISODE_REPAIR`` lists the rules applied, in
the order above, separated by commas (null when none); ``EPISODE_SOURCE`` is
``original``, or ``closed by the platform: <rule>`` for the episodes that rules 4–6
closed; ``OPEN_IN_OLD_RETURN`` is true for those same episodes. The output has one
row per episode, with ``YEAR_LATEST``, sorted by ``LA``, ``CHILD`` and ``DECOM``.

Columns a policy dropped are not added back: without ``DEC`` only rules 1–3 apply;
without ``REC`` the end date is still set but no reason is written, and rule 8 does
not apply; without ``RNE`` every next episode counts as not starting a new period of
care. Rows without ``CHILD`` or ``DECOM`` cannot be placed in a child's history: they
are kept as they are, with no rule applied.
"""

from __future__ import annotations

from enum import StrEnum

import polars as pl

from cld.engine.pooling.years import (
    LA,
    YEAR,
    YEAR_LATEST,
    latest_year,
    sort_deterministically,
)

CHILD = "CHILD"
DECOM = "DECOM"
RNE = "RNE"
DEC = "DEC"
REC = "REC"

NEW_PERIOD_OF_CARE = "S"
"""``RNE``: started to be looked after."""
CEASED_AND_NEW_BEGAN = "X1"
"""``REC``: episode ceased and a new one began (change of placement or legal status)."""
CLOSED_BY_PLATFORM = "E99"
"""``REC`` written by the platform, not an SSDA903 code: closed by the platform, the
episode stopped appearing without a close date."""

EPISODE_REPAIR = "EPISODE_REPAIR"
EPISODE_SOURCE = "EPISODE_SOURCE"
OPEN_IN_OLD_RETURN = "OPEN_IN_OLD_RETURN"
ORIGINAL = "original"
CLOSED_PREFIX = "closed by the platform: "


class EpisodeRule(StrEnum):
    """The repair rules, in the order they are applied (see the module docstring)."""

    DUPLICATE = "duplicate"
    REPLACED_BY_LATER_RETURN = "replaced_by_later_return"
    DUPLICATE_KEY = "duplicate_key"
    RULE_1_NEXT_EPISODE_FOLLOWS = "rule_1_next_episode_follows"
    RULE_1A_NEW_PERIOD_OF_CARE = "rule_1a_new_period_of_care"
    RULE_2_NOTHING_FOLLOWS = "rule_2_nothing_follows"
    OVERLAP_CLOSED = "overlap_closed"
    X1_GAP_CLOSED = "x1_gap_closed"


CLOSING_RULES = (
    EpisodeRule.RULE_1_NEXT_EPISODE_FOLLOWS,
    EpisodeRule.RULE_1A_NEW_PERIOD_OF_CARE,
    EpisodeRule.RULE_2_NOTHING_FOLLOWS,
)
"""The rules that close an episode left open in an old return."""

_REQUIRED = (LA, YEAR, CHILD, DECOM)
_EPISODE = [LA, CHILD, DECOM]
_OF_CHILD = [LA, CHILD]
_NEXT_DECOM = "_cld_next_decom"
_KEPT = "_cld_kept"
_AS_KEPT = "_cld_as_kept"
_IN_LATEST = "_cld_in_latest"
_NEXT_RNE = "_cld_next_rne"


def _flag(rule: EpisodeRule) -> str:
    return f"_cld_rule_{rule.value}"


def repair_episodes(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per SSDA903 episode from the stacked returns of several years, with
    episodes left open in old returns closed, as the module docstring defines."""
    missing = [name for name in _REQUIRED if name not in frame.columns]
    if missing:
        raise ValueError(f"episodes need the columns {', '.join(missing)}")
    columns = [name for name in frame.columns if name != YEAR_LATEST]
    frame = frame.select(columns).with_columns(
        pl.col(YEAR).cast(pl.Int16), latest_year(YEAR, [LA])
    )
    unplaced = pl.col(CHILD).is_null() | pl.col(DECOM).is_null()
    episodes = _one_row_per_episode(frame.filter(~unplaced), columns)
    if DEC in columns:
        episodes = _close_episodes(episodes, has_rne=RNE in columns)
    left_as_they_are = frame.filter(unplaced)
    pooled = pl.concat([episodes, left_as_they_are], how="diagonal_relaxed")
    pooled = pooled.with_columns(
        (
            pl.col(flag).fill_null(False) if flag in pooled.columns else pl.lit(False)
        ).alias(flag)
        for flag in map(_flag, EpisodeRule)
    ).with_columns(_record())
    pooled = pooled.select(
        *columns, YEAR_LATEST, EPISODE_REPAIR, EPISODE_SOURCE, OPEN_IN_OLD_RETURN
    )
    if left_as_they_are.is_empty():
        return pooled  # one row per episode, already sorted by LA, CHILD, DECOM
    return sort_deterministically(pooled, [LA, CHILD, DECOM, YEAR])


def _one_row_per_episode(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Rules 1–3: the latest version of each episode is kept, the others dropped;
    each rule is recorded on the kept row for the rows it dropped."""
    content = [name for name in columns if name != YEAR]
    ordered = sort_deterministically(frame, [*_EPISODE, YEAR], descending={YEAR})
    kept, as_kept, in_latest = pl.col(_KEPT), pl.col(_AS_KEPT), pl.col(_IN_LATEST)
    # Each window is worked out in a step of its own: a window nested in another
    # one is evaluated group by group, which is far slower.
    return (
        ordered.with_columns(
            pl.struct(_EPISODE).is_first_distinct().alias(_KEPT),
            pl.col(YEAR)
            .eq_missing(pl.col(YEAR).max().over(_EPISODE))
            .alias(_IN_LATEST),
        )
        .with_columns(
            kept.any().over(content).alias(_AS_KEPT),
            (kept & (pl.len().over(content) > 1)).alias(_flag(EpisodeRule.DUPLICATE)),
        )
        .with_columns(
            (~as_kept & ~in_latest)
            .any()
            .over(_EPISODE)
            .alias(_flag(EpisodeRule.REPLACED_BY_LATER_RETURN)),
            (~as_kept & in_latest)
            .any()
            .over(_EPISODE)
            .alias(_flag(EpisodeRule.DUPLICATE_KEY)),
        )
        .filter(kept)
        .drop(_KEPT, _AS_KEPT, _IN_LATEST)
    )


def _close_episodes(frame: pl.DataFrame, *, has_rne: bool) -> pl.DataFrame:
    """Rules 4–8 over episodes that are already one row each."""
    has_rec = REC in frame.columns
    next_decom = pl.col(_NEXT_DECOM)
    next_starts_period = (
        (pl.col(_NEXT_RNE) == NEW_PERIOD_OF_CARE).fill_null(False)
        if has_rne
        else pl.lit(False)
    )
    open_in_old_return = pl.col(DEC).is_null() & (pl.col(YEAR) < pl.col(YEAR_LATEST))
    follows = open_in_old_return & next_decom.is_not_null()
    following = {DECOM: _NEXT_DECOM, **({RNE: _NEXT_RNE} if has_rne else {})}
    frame = frame.with_columns(
        pl.col(name).shift(-1).over(_OF_CHILD, order_by=DECOM).alias(alias)
        for name, alias in following.items()
    ).with_columns(
        (follows & ~next_starts_period)
        .fill_null(False)
        .alias(_flag(EpisodeRule.RULE_1_NEXT_EPISODE_FOLLOWS)),
        (follows & next_starts_period)
        .fill_null(False)
        .alias(_flag(EpisodeRule.RULE_1A_NEW_PERIOD_OF_CARE)),
        (open_in_old_return & next_decom.is_null())
        .fill_null(False)
        .alias(_flag(EpisodeRule.RULE_2_NOTHING_FOLLOWS)),
    )
    rule_1, rule_1a, rule_2 = (pl.col(_flag(rule)) for rule in CLOSING_RULES)
    end_of_year = pl.date(pl.col(YEAR), 3, 31)
    closed = [
        pl.when(rule_1)
        .then(next_decom)
        .when(rule_1a)
        .then(pl.min_horizontal(next_decom - pl.duration(days=1), end_of_year))
        .when(rule_2)
        .then(end_of_year)
        .otherwise(pl.col(DEC))
        .alias(DEC)
    ]
    if has_rec:
        closed.append(
            pl.when(rule_1)
            .then(pl.lit(CEASED_AND_NEW_BEGAN))
            .when(rule_1a | rule_2)
            .then(pl.lit(CLOSED_BY_PLATFORM))
            .otherwise(pl.col(REC))
            .alias(REC)
        )
    frame = frame.with_columns(closed)
    overlap = (pl.col(DEC) > next_decom).fill_null(False)
    x1_gap = (
        ((pl.col(REC) == CEASED_AND_NEW_BEGAN) & (pl.col(DEC) < next_decom))
        if has_rec
        else pl.lit(False)
    ).fill_null(False)
    return (
        frame.with_columns(
            overlap.alias(_flag(EpisodeRule.OVERLAP_CLOSED)),
            x1_gap.alias(_flag(EpisodeRule.X1_GAP_CLOSED)),
        )
        .with_columns(
            pl.when(overlap | x1_gap).then(next_decom).otherwise(pl.col(DEC)).alias(DEC)
        )
        .drop(_NEXT_DECOM, _NEXT_RNE, strict=False)
    )


def _record() -> list[pl.Expr]:
    """``EPISODE_REPAIR``, ``EPISODE_SOURCE`` and ``OPEN_IN_OLD_RETURN`` from the
    rules' flags."""
    applied = pl.concat_str(
        [pl.when(pl.col(_flag(rule))).then(pl.lit(rule.value)) for rule in EpisodeRule],
        separator=",",
        ignore_nulls=True,
    )
    source = pl.lit(ORIGINAL)
    for rule in reversed(CLOSING_RULES):
        source = (
            pl.when(pl.col(_flag(rule)))
            .then(pl.lit(CLOSED_PREFIX + rule.value))
            .otherwise(source)
        )
    return [
        pl.when(applied == "").then(None).otherwise(applied).alias(EPISODE_REPAIR),
        source.alias(EPISODE_SOURCE),
        pl.any_horizontal(pl.col(_flag(rule)) for rule in CLOSING_RULES).alias(
            OPEN_IN_OLD_RETURN
        ),
    ]
