"""The dashboard's charts, each with the table of the numbers it draws:

- sessions received per month (registry metadata);
- placements by distance band (London, the latest year of the sufficiency
  outputs' ``sufficiency_distance`` table), one chart per measure;
- odds ratios with their 95% confidence intervals (London, the latest year of
  the equalities outputs' tables), a forest plot per step of the journey.

Report tables are read as built: after disclosure control, so a count may be a
symbol (``[c]``, ``[x]``) and is drawn as none, with its symbol written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from django.utils.safestring import SafeString, mark_safe

from cld.engine.reports.bands import (
    AGE_BANDS,
    DISTANCE_BANDS,
    ETHNICITY_GROUPS,
    SEX_LABELS,
    UNKNOWN,
)
from cld.engine.reports.equalities import CHARACTERISTICS, REFERENCE_GROUPS, STEPS
from cld.engine.reports.sufficiency import AT_31_MARCH, DURING_YEAR
from cld.pipeline.outputs.build import LONDON
from cld.portal.hub import charts
from cld.portal.hub.dashboard import plural

SUFFICIENCY, EQUALITIES = "sufficiency", "equalities"
"""The use cases whose reports the dashboard draws."""
DISTANCE_TABLE = "sufficiency_distance.parquet"
EQUALITIES_TABLES = tuple(f"equalities_{name}.parquet" for name in CHARACTERISTICS)
MEASURE_TITLES = {
    AT_31_MARCH: "Children in placements at 31 March {year}",
    DURING_YEAR: "Placements open during {period}",
}
STEP_TITLES = {
    "assessment": "an assessment",
    "section_47": "a section 47 enquiry",
    "icpc": "an initial child protection conference",
    "cpp": "a child protection plan",
}
DIMENSION_TITLES = {
    "ethnicity_group": "Ethnicity group",
    "sex": "Sex",
    "age_band": "Age band",
    "disability": "Disability",
}
CATEGORY_ORDER: dict[str, tuple[str, ...]] = {
    "ethnicity_group": ETHNICITY_GROUPS,
    "sex": SEX_LABELS,
    "age_band": AGE_BANDS,
    "disability": ("disabled", "not disabled"),
}


@dataclass(frozen=True)
class Column:
    title: str
    numeric: bool = False


@dataclass(frozen=True)
class Figure:
    """A chart and its data table (the first column heads each row)."""

    id: str
    title: str
    svg: SafeString
    columns: tuple[Column, ...]
    rows: list[tuple[str, ...]]

    @property
    def cells(self) -> list[list[tuple[str, bool]]]:
        """Each row's values, each with whether its column is numeric."""
        return [
            [
                (value, column.numeric)
                for value, column in zip(row, self.columns, strict=True)
            ]
            for row in self.rows
        ]


def _figure(
    ident: str,
    title: str,
    svg: str,
    columns: tuple[Column, ...],
    rows: list[tuple[str, ...]],
) -> Figure:
    # charts.py escapes every piece of text it writes into the SVG
    return Figure(ident, title, mark_safe(svg), columns, rows)  # noqa: S308


def period(year: int) -> str:
    """A collection year as councils write it: 2024 is ``2023-24``."""
    return f"{year - 1}-{year % 100:02d}"


def _value(column: str) -> pl.Expr:
    """A report column as a number where it holds one (null for a symbol)."""
    return pl.col(column).cast(pl.String).cast(pl.Float64, strict=False)


def _read(path: Path) -> pl.DataFrame | None:
    try:
        return pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError):  # replaced by a rebuild
        return None


def _latest_london(frame: pl.DataFrame) -> tuple[int, pl.DataFrame] | None:
    london = frame.filter((pl.col("LA") == LONDON) & (pl.col("category") != "Total"))
    if london.is_empty():
        return None
    year = int(london["YEAR"].max())  # type: ignore[arg-type]
    return year, london.filter(pl.col("YEAR") == year)


# -- submissions --------------------------------------------------------------


def submissions_figure(months: pl.DataFrame) -> Figure:
    """Sessions received per month (:func:`dashboard.sessions_per_month`)."""
    title = "Upload sessions received per month"
    bars = [
        charts.Bar(month.strftime("%b %Y"), float(n), str(n))
        for month, n in months.select("month", "sessions").iter_rows()
    ]
    total = int(months["sessions"].sum()) if not months.is_empty() else 0
    if bars:
        desc = (
            f"{plural(total, 'session')} from {bars[0].label} to "
            f"{bars[-1].label}; the most in one month was "
            f"{int(months['sessions'].max())}."  # type: ignore[arg-type]
        )
    else:
        desc = "No session has been received yet."
    svg = charts.column_chart(
        bars, chart_id="chart-sessions", title=title, desc=desc, axis_label="Sessions"
    )
    return _figure(
        "chart-sessions",
        title,
        svg,
        (Column("Month"), Column("Sessions", numeric=True)),
        [(b.label, b.shown) for b in bars],
    )


# -- sufficiency --------------------------------------------------------------


def distance_figures(path: Path | None, disclosure: str = "") -> list[Figure]:
    """A chart per measure of the latest year's London distance bands, from the
    sufficiency outputs' distance table at ``path`` (none when not built)."""
    frame = _read(path) if path is not None else None
    latest = _latest_london(frame) if frame is not None else None
    if latest is None:
        return []
    year, london = latest
    order = {band: i for i, band in enumerate((*DISTANCE_BANDS, UNKNOWN))}
    london = london.with_columns(
        pl.col("category").cast(pl.String).alias("shown_category"),
        pl.col("count").cast(pl.String).alias("shown"),
        _value("count").alias("value"),
        pl.col("category")
        .replace_strict(order, default=len(order), return_dtype=pl.Int32)
        .alias("order"),
    ).sort("order", "shown_category")
    figures = []
    for measure, template in MEASURE_TITLES.items():
        rows = london.filter(pl.col("measure") == measure)
        if rows.is_empty():
            continue
        title = (
            template.format(year=year, period=period(year))
            + ", by distance from home (London)"
        )
        bars = [
            charts.Bar(label, value, shown)
            for label, value, shown in rows.select(
                "shown_category", "value", "shown"
            ).iter_rows()
        ]
        desc = "; ".join(f"{b.label}: {b.shown}" for b in bars) + (
            f". {disclosure}" if disclosure else "."
        )
        ident = f"chart-distance-{measure.replace('_', '-')}"
        svg = charts.bar_chart(
            bars, chart_id=ident, title=title, desc=desc, axis_label="Count"
        )
        figures.append(
            _figure(
                ident,
                title,
                svg,
                (Column("Distance band"), Column("Count", numeric=True)),
                [(b.label, b.shown) for b in bars],
            )
        )
    return figures


# -- equalities ---------------------------------------------------------------


def _ordered_categories(frame: pl.DataFrame) -> pl.DataFrame:
    rank = {
        f"{dimension}\x00{category}": i
        for dimension, categories in CATEGORY_ORDER.items()
        for i, category in enumerate(categories)
    }
    dimension_rank = {d: i for i, d in enumerate(CHARACTERISTICS)}
    key = pl.concat_str(pl.col("dimension"), pl.lit("\x00"), pl.col("category"))
    return frame.with_columns(
        pl.col("dimension")
        .replace_strict(
            dimension_rank, default=len(dimension_rank), return_dtype=pl.Int32
        )
        .alias("dimension_rank"),
        key.replace_strict(rank, default=len(rank), return_dtype=pl.Int32).alias(
            "category_rank"
        ),
    ).sort("dimension_rank", "category_rank", "category")


def _estimate_text(
    ratio: float | None,
    low: float | None,
    high: float | None,
    written: str,
    reference: bool,
) -> str:
    if reference and ratio is not None:
        return "1 (reference)"
    if ratio is None:
        return written
    if low is None or high is None:
        return charts.number(ratio)
    return f"{ratio:.2f} ({low:.2f} to {high:.2f})"


def odds_ratio_figures(tables: Sequence[Path]) -> list[Figure]:
    """A forest plot per step of the latest year's London odds ratios, from the
    equalities outputs' characteristic tables at ``tables``."""
    frames = [f for f in (_read(p) for p in tables) if f is not None]
    columns = (
        "YEAR",
        "dimension",
        "step",
        "LA",
        "category",
        "count",
        "denominator",
        "odds_ratio",
        "ci_low",
        "ci_high",
    )
    frames = [
        f.select(
            pl.col(c).cast(pl.String) if c != "YEAR" else pl.col(c).cast(pl.Int32)
            for c in columns
        )
        for f in frames
        if all(c in f.columns for c in columns)
    ]
    if not frames:
        return []
    latest = _latest_london(pl.concat(frames))
    if latest is None:
        return []
    year, london = latest
    reference = pl.col("dimension").replace_strict(
        REFERENCE_GROUPS, default=None, return_dtype=pl.String
    )
    london = _ordered_categories(
        london.with_columns(
            _value("odds_ratio").alias("ratio"),
            _value("ci_low").alias("low"),
            _value("ci_high").alias("high"),
            (pl.col("category") == reference).fill_null(False).alias("reference"),
        )
    )
    figures = []
    for step in STEPS:
        reached = STEP_TITLES.get(step, step.replace("_", " "))
        rows = london.filter(pl.col("step") == step)
        if rows.is_empty():
            continue
        estimates = [
            charts.Estimate(
                label=row["category"],
                value=row["ratio"],
                low=None if row["reference"] else row["low"],
                high=None if row["reference"] else row["high"],
                shown=_estimate_text(
                    row["ratio"],
                    row["low"],
                    row["high"],
                    row["odds_ratio"] or "[x]",
                    row["reference"],
                ),
                group=DIMENSION_TITLES.get(row["dimension"], row["dimension"]),
            )
            for row in rows.iter_rows(named=True)
        ]
        title = (
            f"Odds of a referral reaching {reached}, London {period(year)}: "
            "odds ratios against the reference group with 95% confidence intervals"
        )
        desc = (
            "Reference groups: "
            + ", ".join(
                f"{DIMENSION_TITLES[d].lower()} {g}"
                for d, g in REFERENCE_GROUPS.items()
            )
            + ". A ratio above 1 means higher odds than the reference group. "
            + "; ".join(f"{e.group} {e.label}: {e.shown}" for e in estimates)
            + "."
        )
        ident = f"chart-odds-{step.replace('_', '-')}"
        svg = charts.forest_plot(estimates, chart_id=ident, title=title, desc=desc)
        table_rows: list[tuple[str, ...]] = [
            (
                f"{e.group}: {e.label}",
                row["denominator"] or "",
                row["count"] or "",
                e.shown,
            )
            for e, row in zip(estimates, rows.iter_rows(named=True), strict=True)
        ]
        figures.append(
            _figure(
                ident,
                title,
                svg,
                (
                    Column("Group"),
                    Column("Referrals", numeric=True),
                    Column(f"Reaching {reached}", numeric=True),
                    Column("Odds ratio (95% CI)", numeric=True),
                ),
                table_rows,
            )
        )
    return figures
