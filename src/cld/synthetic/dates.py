"""Dates as whole days since 1 January 1970 (NumPy int64), and as councils write them.

Working in day numbers keeps every date calculation vectorised; only the last step
turns them into ``dd/mm/yyyy`` text, through Polars.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt
import polars as pl

Days = npt.NDArray[np.int64]

UNDER_18_DAYS = 6569
"""The most days a child can have lived and still be 17 (18 years are 6574+ days)."""

_EPOCH = dt.date(1970, 1, 1)


def day_number(year: int, month: int, day: int) -> int:
    return (dt.date(year, month, day) - _EPOCH).days


def year_start(year: int) -> int:
    """1 April before the end of collection ``year``, as a day number."""
    return day_number(year - 1, 4, 1)


def year_end(year: int) -> int:
    """31 March of collection ``year`` (the year the return is named by)."""
    return day_number(year, 3, 31)


def date_text(days: Days, present: npt.NDArray[np.bool_] | None = None) -> pl.Series:
    """``days`` written dd/mm/yyyy; null where ``present`` is False."""
    series = pl.Series(days.astype(np.int32)).cast(pl.Date).dt.to_string("%d/%m/%Y")
    if present is None:
        return series
    return pl.select(
        pl.when(pl.Series(present)).then(series).otherwise(None)
    ).to_series()


def _parts(days: Days) -> tuple[Days, Days, Days]:
    as_date = days.astype("datetime64[D]")
    months = as_date.astype("datetime64[M]")
    year = as_date.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (as_date - months).astype(np.int64) + 1
    return year, month, day


def age_in_years(born: Days, on: Days | int) -> Days:
    """Whole years of age on ``on`` of someone born on ``born`` (both day numbers)."""
    at = np.broadcast_to(np.asarray(on, dtype=np.int64), born.shape)
    by, bm, bd = _parts(born)
    ay, am, ad = _parts(at)
    return ay - by - ((am * 100 + ad) < (bm * 100 + bd)).astype(np.int64)


def uniform_days(
    rng: np.random.Generator,
    low: Days | int,
    high: Days | int,
    size: int | None = None,
) -> Days:
    """A random day from ``low`` to ``high`` inclusive (element-wise; ``size`` of
    them when both bounds are single days)."""
    low_a = np.asarray(low, dtype=np.int64)
    high_a = np.asarray(high, dtype=np.int64)
    span = np.maximum(high_a - low_a, 0) + 1
    shape = np.broadcast_shapes(low_a.shape, high_a.shape, (size,) if size else ())
    days = low_a + np.floor(rng.random(shape) * span).astype(np.int64)
    return np.asarray(days, dtype=np.int64)
