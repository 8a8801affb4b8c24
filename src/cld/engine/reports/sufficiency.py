"""Placement sufficiency: where London's looked-after children are placed.

Input: the pooled SSDA903 ``episodes`` (one row per episode, repaired, all
authorities and years stacked; ``YEAR`` is the latest return holding the episode)
and, optionally, the pooled ``header``.

**Reporting years.** An authority is reported for each collection year it has
returned episodes for (the ``YEAR`` values of its rows). An episode row of the
``YEAR`` R return describes the episode up to 31 March R only, so it counts in
reporting years up to R: an episode missing from a later return was not open then.

**Left out.** Episodes under an agreed series of short-term breaks (legal status
``V3`` or ``V4``), as in the DfE's statistics, and episodes without a start date.

**Placements.** A placement is an episode that starts with a change of placement
(``RNE`` other than ``L``) together with the episodes that follow it with a change
of legal status only (``RNE`` ``L``, starting on the day the one before ended).

**Measures** (``measure``), with a collection year Y running from 1 April Y-1 to 31
March Y and an episode in force from ``DECOM`` up to the day before ``DEC``:

- ``at_31_march``: *children* in a placement on 31 March Y: an episode with ``DECOM``
  <= 31 March Y and ``DEC`` null or after 31 March Y (one that starts on 31 March
  counts, one that ends on 31 March does not). One per child, so it is also the
  number of placements in force; if a child has overlapping episodes, the one that
  started last counts.
- ``during_year``: *placements* open on any day of the year: a placement with an
  episode with ``DECOM`` <= 31 March Y and ``DEC`` null or on or after 1 April Y-1
  (an episode ending on 1 April Y-1 is in the return for Y, as the DfE has it). A
  child with two placements counts twice. A placement is counted with the values of
  its last episode open in the year.

**Tables** (``dimension`` and what ``category`` holds; missing values are
``unknown``; a column the episodes lack is treated as missing):

- ``placement_type``: ``PLACE`` code;
- ``provider``: ``PLACE_PROVIDER`` code;
- ``location``: ``PL_IN_BOROUGH`` as ``in borough`` / ``out of borough``;
- ``placement_la``: ``PL_LA``, the placement's authority (ONS code);
- ``distance``: ``PL_DISTANCE_KM`` in the bands of :func:`~.bands.distance_band`;
- with ``header``: ``age_band`` (age at 31 March Y: the header's ``AGE``, at 31
  March of its own ``YEAR``, plus the years between), ``sex`` and
  ``ethnicity_group`` of the child (from the child's latest header row).

Each table: ``YEAR`` (Int16), ``measure``, ``dimension``, ``LA``, ``category``
(String) and ``count`` (Int64), one row per non-empty cell; no London or total rows.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from cld.engine.reports.bands import (
    UNKNOWN,
    age_band,
    category_label,
    collection_year,
    distance_band,
    ethnicity_group,
    sex_label,
    year_end,
)

LA, YEAR, CHILD, DECOM, DEC = "LA", "YEAR", "CHILD", "DECOM", "DEC"
RETURN_YEAR = "RETURN_YEAR"
"""The ``YEAR`` of the return an episode row came from."""
PLACEMENT_START = "PLACEMENT_START"
"""The start date of the placement an episode belongs to."""
AT_31_MARCH = "at_31_march"
DURING_YEAR = "during_year"
MEASURES = (AT_31_MARCH, DURING_YEAR)
SHORT_BREAKS = ("V3", "V4")
"""Legal statuses of an agreed series of short-term breaks, left out."""
COLUMNS = ("YEAR", "measure", "dimension", "LA", "category", "count")

_EPISODE_OPTIONAL: dict[str, type[pl.DataType]] = {
    "RNE": pl.String,
    "LS": pl.String,
    "REC": pl.String,
    "PLACE": pl.String,
    "PLACE_PROVIDER": pl.String,
    "PL_IN_BOROUGH": pl.Boolean,
    "PL_LA": pl.String,
    "PL_DISTANCE_KM": pl.Float64,
}
_HEADER_OPTIONAL: dict[str, type[pl.DataType]] = {
    "SEX": pl.String,
    "ETHNIC": pl.String,
    "AGE": pl.Int16,
}


def with_columns_of(
    frame: pl.DataFrame, columns: Mapping[str, type[pl.DataType]]
) -> pl.DataFrame:
    """``frame`` with each of ``columns`` it lacks added as nulls of its type."""
    missing = [
        pl.lit(None, dtype).alias(name)
        for name, dtype in columns.items()
        if name not in frame.columns
    ]
    return frame.with_columns(missing) if missing else frame


def reporting_years(frame: pl.DataFrame) -> pl.DataFrame:
    """``LA`` and ``YEAR`` (Int16): each collection year an authority returned."""
    return frame.select(pl.col(LA), pl.col(YEAR).cast(pl.Int16)).unique()


def placements(episodes: pl.DataFrame) -> pl.DataFrame:
    """Each episode (short breaks left out, and those without ``DECOM``) with
    ``RETURN_YEAR``, its row's own ``YEAR``, and ``PLACEMENT_START``, the start of
    the placement it belongs to."""
    keep = ~pl.col("LS").is_in(SHORT_BREAKS).fill_null(False)
    rows = (
        with_columns_of(episodes, _EPISODE_OPTIONAL)
        .filter(keep & pl.col(DECOM).is_not_null())
        .rename({YEAR: RETURN_YEAR})
        .with_columns(pl.col(RETURN_YEAR).cast(pl.Int16))
        .sort(LA, CHILD, DECOM, nulls_last=True)
        .with_columns(pl.col(DEC).shift(1).over(LA, CHILD).alias("PREVIOUS_END"))
    )
    previous_end = pl.col("PREVIOUS_END")
    new_placement = (
        (pl.col("RNE") != "L").fill_null(True)
        | previous_end.is_null()
        | (previous_end != pl.col(DECOM))
    )
    rows = rows.with_columns(
        pl.when(new_placement)
        .then(pl.col(DECOM))
        .forward_fill()
        .over(LA, CHILD)
        .alias(PLACEMENT_START)
    ).drop("PREVIOUS_END")
    return rows


def episodes_in_years(episodes: pl.DataFrame) -> pl.DataFrame:
    """Each episode of :func:`placements` once for each reporting year in which it
    is open, with ``YEAR`` the reporting year and ``at_31_march`` (Boolean: in
    force on 31 March)."""
    rows = placements(episodes)
    # The reporting years an episode is open in, YEAR with DECOM <= 31 March YEAR,
    # DEC null or >= 1 April YEAR-1, and YEAR <= RETURN_YEAR, are a run of years:
    # each row is repeated for those only (and kept where the authority returned
    # that year), never for every year of the authority and then filtered.
    years = reporting_years(episodes)
    first = years.group_by(LA).agg(pl.col(YEAR).min().alias("_cld_first_year"))
    dec, return_year = pl.col(DEC), pl.col(RETURN_YEAR)
    from_year = pl.max_horizontal(
        collection_year(pl.col(DECOM)), pl.col("_cld_first_year")
    )
    to_year = pl.min_horizontal(
        return_year,
        pl.when(dec.is_null()).then(return_year).otherwise(collection_year(dec)),
    )
    end = year_end(pl.col(YEAR))
    return (
        rows.join(first, on=LA, how="left", maintain_order="left")
        .with_columns(pl.int_ranges(from_year, to_year + 1, dtype=pl.Int16).alias(YEAR))
        .drop("_cld_first_year")
        .explode(YEAR)
        .join(years, on=[LA, YEAR], how="semi", maintain_order="left")
        .with_columns(
            ((pl.col(DECOM) <= end) & (dec.is_null() | (dec > end))).alias(AT_31_MARCH)
        )
    )


def latest_of(rows: pl.DataFrame, identity: list[str]) -> pl.DataFrame:
    """One row per ``identity``: the one whose episode started last."""
    return rows.sort(DECOM).unique(subset=identity, keep="last", maintain_order=True)


def _with_child(rows: pl.DataFrame, header: pl.DataFrame) -> pl.DataFrame:
    """``rows`` with the child's ``SEX``, ``ETHNIC`` and ``AGE`` at 31 March of the
    reporting year, from the child's latest header row."""
    children = (
        with_columns_of(header, _HEADER_OPTIONAL)
        .select(
            LA,
            CHILD,
            pl.col(YEAR).cast(pl.Int16).alias("HEADER_YEAR"),
            "SEX",
            "ETHNIC",
            pl.col("AGE").cast(pl.Int16),
        )
        .sort("HEADER_YEAR")
        .unique(subset=[LA, CHILD], keep="last", maintain_order=True)
    )
    return rows.join(children, on=[LA, CHILD], how="left").with_columns(
        (pl.col("AGE") + pl.col(YEAR) - pl.col("HEADER_YEAR")).alias("AGE")
    )


def _dimensions(with_header: bool) -> dict[str, pl.Expr]:
    in_borough = pl.col("PL_IN_BOROUGH")
    dimensions = {
        "placement_type": category_label(pl.col("PLACE")),
        "provider": category_label(pl.col("PLACE_PROVIDER")),
        "location": pl.when(in_borough)
        .then(pl.lit("in borough"))
        .when(~in_borough)
        .then(pl.lit("out of borough"))
        .otherwise(pl.lit(UNKNOWN)),
        "placement_la": category_label(pl.col("PL_LA")),
        "distance": distance_band(pl.col("PL_DISTANCE_KM")),
    }
    if with_header:
        dimensions |= {
            "age_band": age_band(pl.col("AGE")),
            "sex": sex_label(pl.col("SEX")),
            "ethnicity_group": ethnicity_group(pl.col("ETHNIC")),
        }
    return dimensions


def sufficiency_report(
    episodes: pl.DataFrame, header: pl.DataFrame | None = None
) -> dict[str, pl.DataFrame]:
    """The sufficiency tables by dimension name (see the module's docstring)."""
    rows = episodes_in_years(episodes)
    if header is not None:
        rows = _with_child(rows, header)
    counted = pl.concat(
        [
            latest_of(rows.filter(pl.col(AT_31_MARCH)), [LA, YEAR, CHILD]).with_columns(
                pl.lit(AT_31_MARCH).alias("measure")
            ),
            latest_of(rows, [LA, YEAR, CHILD, PLACEMENT_START]).with_columns(
                pl.lit(DURING_YEAR).alias("measure")
            ),
        ]
    )
    tables: dict[str, pl.DataFrame] = {}
    for name, category in _dimensions(header is not None).items():
        tables[name] = (
            counted.group_by(YEAR, "measure", LA, category.alias("category"))
            .agg(pl.len().cast(pl.Int64).alias("count"))
            .with_columns(pl.lit(name).alias("dimension"))
            .select(COLUMNS)
            .pipe(ordered)
        )
    return tables


def ordered(table: pl.DataFrame) -> pl.DataFrame:
    """A sufficiency table in its order: ``YEAR``, ``measure``, ``LA``,
    ``category`` (unique in it), so the tables of several groups of authorities
    stacked and ordered are the tables of all of them."""
    return table.sort(YEAR, "measure", LA, "category")
