"""Pooling one authority's published tables across collection years.

:func:`pool_years` stacks one table's returns of several years and keeps, for each
key, the row from the latest year. :func:`repair_episodes` does the same for SSDA903
episodes and then closes the episodes left open in old returns, recording every rule
it applied on the row (the rules are defined in :mod:`cld.engine.pooling.episodes`).
Pure Polars: frames in, frames out, no I/O.
"""

from __future__ import annotations

from cld.engine.pooling.episodes import (
    CLOSED_BY_PLATFORM,
    EPISODE_REPAIR,
    EPISODE_SOURCE,
    OPEN_IN_OLD_RETURN,
    EpisodeRule,
    repair_episodes,
)
from cld.engine.pooling.years import YEAR_LATEST, pool_years

__all__ = [
    "CLOSED_BY_PLATFORM",
    "EPISODE_REPAIR",
    "EPISODE_SOURCE",
    "OPEN_IN_OLD_RETURN",
    "YEAR_LATEST",
    "EpisodeRule",
    "pool_years",
    "repair_episodes",
]
