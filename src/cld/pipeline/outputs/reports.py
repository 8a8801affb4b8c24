"""Each use case's reports, with disclosure control, from its pooled tables.

A report is a set of aggregate tables (:mod:`cld.engine.reports`); each table gets
its London and total rows (:func:`~cld.engine.disclosure.add_margins`), its rates or
odds ratios worked out from the true counts (London's from London's counts), and
then the use case's disclosure rule (:func:`~cld.engine.disclosure.protect`): small
counts suppressed with a secondary pattern, London totals rounded, rates shown only
where every count behind them is. The module docstring of each report is its
definition, quoted in the notes of its workbook.

Each :class:`Report` declares the pooled tables it reads and is given only those
(:class:`ReportInputs`: asking for another fails loudly), so a build recomputes a
report exactly when one of them changes (:mod:`cld.pipeline.outputs.build`).

A report is counted, then protected. Everything it counts is counted within an
authority (London's rows are added afterwards, from the counts, by the disclosure
step), so a build counts it a few authorities at a time
(:func:`run_report_by_authority`: each batch's rows read from the pooled Parquet
files) and stacks the counts: exactly what counting every authority at once gives
(:func:`run_report`), without England's child-level rows in memory at once.
"""

from __future__ import annotations

import inspect
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import polars as pl

from cld.engine.disclosure import DisclosureRule, add_margins, protect
from cld.engine.disclosure import suppressed_column as suppressed_name
from cld.engine.query import ENGINE
from cld.engine.reports import equalities, pan, sufficiency

AREA = "LA"
BATCH_ROWS = 250_000
"""About how many child-level rows (of all the tables a report reads) a build
counts at once; an authority is never split."""
Derive = Callable[[pl.DataFrame], pl.DataFrame]


@dataclass(frozen=True)
class Layout:
    """How one report table is laid out for disclosure control."""

    strata: tuple[str, ...]
    category: str = "category"
    counts: tuple[str, ...] = ("count",)
    derive: Derive | None = None
    derived: Mapping[str, Sequence[str]] = field(default_factory=dict)
    single_category: bool = False
    """The table has one category per stratum: its "Total" rows repeat it and are
    dropped after protection."""


@dataclass
class ReportTables:
    tables: dict[str, pl.DataFrame]
    notes: list[str]


def disclose(frame: pl.DataFrame, layout: Layout, rule: DisclosureRule) -> pl.DataFrame:
    """``frame`` (no margins) with margins, derived values and the rule applied."""
    keys = [*layout.strata, AREA, layout.category]
    margined: pl.DataFrame | None = None
    for count in layout.counts:
        part = add_margins(
            frame.select(*keys, count),
            area=AREA,
            category=layout.category,
            count=count,
            strata=layout.strata,
        )
        margined = (
            part
            if margined is None
            else margined.join(part, on=keys, how="left", nulls_equal=True)
        )
    assert margined is not None
    if layout.derive is not None:
        margined = layout.derive(margined)
    protected = protect(
        margined,
        rule,
        area=AREA,
        category=layout.category,
        counts=list(layout.counts),
        strata=layout.strata,
        derived=layout.derived,
    )
    protected = protected.drop([suppressed_name(c) for c in layout.counts])
    if layout.single_category:
        protected = protected.filter(pl.col(layout.category) != "Total")
    return protected


def _with_percent(frame: pl.DataFrame) -> pl.DataFrame:
    """Percentages to one decimal place; odds ratios and their 95% confidence
    intervals to two (from the true counts; London's from London's)."""
    percent = (pl.col("count") / pl.col("denominator") * 100).round(1)
    with_ratios = equalities.with_odds_ratios(
        frame.with_columns(
            pl.when(pl.col("denominator") > 0).then(percent).alias("percent")
        )
    )
    return with_ratios.with_columns(pl.col("odds_ratio", "ci_low", "ci_high").round(2))


SUFFICIENCY = Layout(strata=("YEAR", "measure", "dimension"))
EQUALITIES = Layout(
    strata=("YEAR", "dimension", "step"),
    counts=("count", "denominator"),
    derive=_with_percent,
    derived={
        "percent": ("count", "denominator"),
        "odds_ratio": ("count", "denominator"),
        "ci_low": ("count", "denominator"),
        "ci_high": ("count", "denominator"),
    },
)
FACTORS = Layout(strata=("YEAR", "dimension"))
PAN = Layout(
    strata=("YEAR", "measure"),
    counts=("count", "population"),
    derive=pan.with_rates,
    derived={"rate_per_10000": ("count", "population")},
    single_category=True,
)


_ROLE = re.compile(r":\w+:`~?\.?([^`]+)`")


def _plain(text: str) -> str:
    """Docstring markup as plain words: roles, literals and bold marks removed."""
    text = _ROLE.sub(lambda m: m.group(1).rsplit(".", 1)[-1], text)
    return text.replace("``", "").replace("**", "")


def _notes(title: str, module: ModuleType) -> list[str]:
    """The report's definition (its module docstring), one paragraph or list item a
    line, for the Notes sheet."""
    lines: list[str] = [title, ""]
    for paragraph in (inspect.getdoc(module) or "").split("\n\n"):
        items = re.split(r"\n(?=- )", paragraph.strip())
        lines.extend(_plain(" ".join(item.split())) for item in items if item)
    return lines


class UndeclaredTableError(LookupError):
    """A report asked for a pooled table it does not declare: a bug in its
    declaration (its outputs would not be rebuilt when that table changes)."""


class ReportInputs:
    """The pooled tables one report may read: exactly those it declares (one that
    is not built, or has no rows at all, is None); asking for any other fails
    loudly. When a report is counted a few authorities at a time, each table is
    those authorities' rows (possibly none)."""

    def __init__(
        self, report: str, reads: Sequence[str], pooled: Mapping[str, pl.DataFrame]
    ) -> None:
        self.report = report
        self.reads = tuple(reads)
        self._tables = {name: pooled[name] for name in self.reads if name in pooled}

    def get(self, name: str) -> pl.DataFrame | None:
        if name not in self.reads:
            raise UndeclaredTableError(
                f"the {self.report} report reads {name} but does not declare it"
            )
        return self._tables.get(name)


Count = Callable[[ReportInputs], dict[str, pl.DataFrame]]
Finish = Callable[[Mapping[str, pl.DataFrame], DisclosureRule], ReportTables]
Order = Callable[[str, pl.DataFrame], pl.DataFrame]


@dataclass(frozen=True)
class Report:
    """One report of a use case: its name (its files are ``<name>.xlsx`` and
    ``<name>_<table>.parquet``/``.csv``), the pooled tables it reads, those it
    cannot be made without (built and with rows), how its tables are counted
    from its inputs (within authorities), how each counted table is sorted
    (by a key unique in it), and how the counts are protected."""

    name: str
    reads: tuple[str, ...]
    required: tuple[str, ...]
    count: Count
    order: Order
    finish: Finish
    batch_rows: int = BATCH_ROWS
    """About how many rows of its tables a build counts at once (fewer where
    counting holds many times its input in memory)."""


def _sufficiency_count(pooled: ReportInputs) -> dict[str, pl.DataFrame]:
    episodes = pooled.get("ssda903_episodes")
    assert episodes is not None  # required
    return sufficiency.sufficiency_report(episodes, pooled.get("ssda903_header"))


def _sufficiency_finish(
    counted: Mapping[str, pl.DataFrame], rule: DisclosureRule
) -> ReportTables:
    return ReportTables(
        {name: disclose(t, SUFFICIENCY, rule) for name, t in counted.items()},
        _notes("Placement sufficiency", sufficiency),
    )


_CIN = (
    "children",
    "disabilities",
    "cin_episodes",
    "assessments",
    "section47",
    "child_protection_plans",
)
_FACTORS = "assessment_factors"


def _equalities_count(pooled: ReportInputs) -> dict[str, pl.DataFrame]:
    frames = [pooled.get(f"cin_census_{name}") for name in _CIN]
    tables = equalities.equalities_report(
        *[f for f in frames if f is not None], london=False
    )
    counted = {
        name: t.drop("odds_ratio", "ci_low", "ci_high") for name, t in tables.items()
    }
    factors = pooled.get(f"cin_census_{_FACTORS}")
    if factors is not None:
        counted[_FACTORS] = equalities.assessment_factors_report(factors).drop(
            "denominator"
        )
    return counted


def _equalities_finish(
    counted: Mapping[str, pl.DataFrame], rule: DisclosureRule
) -> ReportTables:
    return ReportTables(
        {
            name: disclose(t, FACTORS if name == _FACTORS else EQUALITIES, rule)
            for name, t in counted.items()
        },
        _notes("Equalities in children's social care journeys", equalities),
    )


def _pan_count(pooled: ReportInputs) -> dict[str, pl.DataFrame]:
    episodes = pooled.get("ssda903_episodes")
    assert episodes is not None  # required
    summary = pan.pan_summary(None, episodes)  # every measure is from the episodes
    return {"summary": summary.drop("rate_per_10000")}


def _pan_finish(
    counted: Mapping[str, pl.DataFrame], rule: DisclosureRule
) -> ReportTables:
    table = counted["summary"].with_columns(pl.lit("children").alias("category"))
    return ReportTables(
        {"summary": disclose(table, PAN, rule).drop("category")},
        _notes("Pan-London benchmarking summary", pan),
    )


REPORTS: dict[str, tuple[Report, ...]] = {
    "sufficiency": (
        Report(
            "sufficiency",
            ("ssda903_episodes", "ssda903_header"),
            ("ssda903_episodes",),
            _sufficiency_count,
            lambda _, table: sufficiency.ordered(table),
            _sufficiency_finish,
        ),
    ),
    "equalities": (
        Report(
            "equalities",
            (*(f"cin_census_{name}" for name in _CIN), f"cin_census_{_FACTORS}"),
            tuple(f"cin_census_{name}" for name in _CIN),
            _equalities_count,
            lambda _, table: equalities.ordered(table),
            _equalities_finish,
            batch_rows=4 * BATCH_ROWS,  # it counts in a fraction of its input
        ),
    ),
    "pan": (
        Report(
            "pan_summary",
            ("ssda903_episodes",),
            ("ssda903_episodes",),
            _pan_count,
            lambda _, table: pan.ordered(table),
            _pan_finish,
        ),
    ),
}
"""Each use case's reports, in the order they are built."""


def reports_of(use_case: str) -> tuple[Report, ...]:
    """The reports of ``use_case`` (none for a use case without reports)."""
    return REPORTS.get(use_case, ())


def run_report(
    report: Report, pooled: Mapping[str, pl.DataFrame], rule: DisclosureRule
) -> ReportTables | None:
    """One report from the pooled tables it declares (it is given no other),
    every authority counted at once; None when a table it needs is missing."""
    present = {
        name for name in report.reads if name in pooled and not pooled[name].is_empty()
    }
    batch = {name: pooled[name] for name in present}
    return _run(report, present, [lambda: batch], rule)


def run_report_by_authority(
    report: Report,
    files: Mapping[str, Path],
    rule: DisclosureRule,
    *,
    batch_rows: int | None = None,
) -> ReportTables | None:
    """One report from the Parquet files of the pooled tables it declares,
    counted a few authorities at a time (about ``batch_rows`` rows of its tables
    at once, the report's own :attr:`Report.batch_rows` by default): the same
    tables as :func:`run_report` gives from those tables."""
    rows_by_la: dict[str, dict[str | None, int]] = {}
    for name in report.reads:
        if name in files:
            counts = (
                pl.scan_parquet(files[name]).group_by(AREA).len().collect(engine=ENGINE)
            )
            rows_by_la[name] = dict(counts.iter_rows())
    present = {name for name, counts in rows_by_la.items() if sum(counts.values())}
    totals: dict[str | None, int] = defaultdict(int)
    for name in present:
        for la, rows in rows_by_la[name].items():
            totals[la] += rows

    def reader(las: list[str | None]) -> Callable[[], dict[str, pl.DataFrame]]:
        area = pl.col(AREA)
        chosen = area.is_in([la for la in las if la is not None])
        if None in las:  # rows without an authority are counted with the first
            chosen = chosen | area.is_null()
        return lambda: {
            name: pl.scan_parquet(files[name]).filter(chosen).collect(engine=ENGINE)
            for name in present
        }

    limit = report.batch_rows if batch_rows is None else batch_rows
    batches = [reader(las) for las in _batches(totals, limit)]
    return _run(report, present, batches, rule)


def _batches(rows: Mapping[str | None, int], limit: int) -> list[list[str | None]]:
    """The authorities in order, in consecutive groups of at most ``limit`` rows
    (an authority with more is a group of its own)."""
    groups: list[list[str | None]] = []
    size = 0
    for la in sorted(rows, key=lambda v: (v is None, v or "")):
        if not groups or size + rows[la] > limit:
            groups.append([])
            size = 0
        groups[-1].append(la)
        size += rows[la]
    return groups


def _run(
    report: Report,
    present: set[str],
    batches: Iterable[Callable[[], Mapping[str, pl.DataFrame]]],
    rule: DisclosureRule,
) -> ReportTables | None:
    if not set(report.required) <= present:
        return None
    parts: dict[str, list[pl.DataFrame]] = defaultdict(list)
    for read in batches:
        for name, table in report.count(
            ReportInputs(report.name, report.reads, read())
        ).items():
            parts[name].append(table)
    counted = {
        name: report.order(name, pl.concat(tables, how="vertical_relaxed"))
        for name, tables in parts.items()
    }
    return report.finish(counted, rule)
