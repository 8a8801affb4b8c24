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
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType

import polars as pl

from cld.engine.disclosure import DisclosureRule, add_margins, protect
from cld.engine.disclosure import suppressed_column as suppressed_name
from cld.engine.reports import equalities, pan, sufficiency

AREA = "LA"
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
    """The pooled tables one report may read: exactly those it declares (one
    that is not built is None); asking for any other fails loudly."""

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


Run = Callable[[ReportInputs, DisclosureRule], ReportTables | None]


@dataclass(frozen=True)
class Report:
    """One report of a use case: its name (its files are ``<name>.xlsx`` and
    ``<name>_<table>.parquet``/``.csv``), the pooled tables it reads, and how it
    is made from them (None when they do not hold what it needs)."""

    name: str
    reads: tuple[str, ...]
    run: Run


def _sufficiency(pooled: ReportInputs, rule: DisclosureRule) -> ReportTables | None:
    episodes = pooled.get("ssda903_episodes")
    if episodes is None or episodes.is_empty():
        return None
    tables = sufficiency.sufficiency_report(episodes, pooled.get("ssda903_header"))
    return ReportTables(
        {name: disclose(t, SUFFICIENCY, rule) for name, t in tables.items()},
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


def _equalities(pooled: ReportInputs, rule: DisclosureRule) -> ReportTables | None:
    frames = [pooled.get(f"cin_census_{name}") for name in _CIN]
    if any(f is None or f.is_empty() for f in frames):
        return None
    tables = equalities.equalities_report(
        *[f for f in frames if f is not None], london=False
    )
    protected = {
        name: disclose(t.drop("odds_ratio", "ci_low", "ci_high"), EQUALITIES, rule)
        for name, t in tables.items()
    }
    factors = pooled.get("cin_census_assessment_factors")
    if factors is not None and not factors.is_empty():
        counted = equalities.assessment_factors_report(factors).drop("denominator")
        protected["assessment_factors"] = disclose(counted, FACTORS, rule)
    return ReportTables(
        protected,
        _notes("Equalities in children's social care journeys", equalities),
    )


def _pan(pooled: ReportInputs, rule: DisclosureRule) -> ReportTables | None:
    episodes = pooled.get("ssda903_episodes")
    if episodes is None or episodes.is_empty():
        return None
    summary = pan.pan_summary(None, episodes)  # every measure is from the episodes
    table = summary.drop("rate_per_10000").with_columns(
        pl.lit("children").alias("category")
    )
    protected = disclose(table, PAN, rule).drop("category")
    return ReportTables(
        {"summary": protected}, _notes("Pan-London benchmarking summary", pan)
    )


REPORTS: dict[str, tuple[Report, ...]] = {
    "sufficiency": (
        Report("sufficiency", ("ssda903_episodes", "ssda903_header"), _sufficiency),
    ),
    "equalities": (
        Report(
            "equalities",
            (*(f"cin_census_{name}" for name in _CIN), "cin_census_assessment_factors"),
            _equalities,
        ),
    ),
    "pan": (Report("pan_summary", ("ssda903_episodes",), _pan),),
}
"""Each use case's reports, in the order they are built."""


def reports_of(use_case: str) -> tuple[Report, ...]:
    """The reports of ``use_case`` (none for a use case without reports)."""
    return REPORTS.get(use_case, ())


def run_report(
    report: Report, pooled: Mapping[str, pl.DataFrame], rule: DisclosureRule
) -> ReportTables | None:
    """One report from the pooled tables it declares (it is given no other)."""
    return report.run(ReportInputs(report.name, report.reads, pooled), rule)


def run_reports(
    use_case: str, pooled: Mapping[str, pl.DataFrame], rule: DisclosureRule
) -> dict[str, ReportTables]:
    """Every report of ``use_case`` that its tables hold enough for, by name."""
    found = {}
    for report in reports_of(use_case):
        tables = run_report(report, pooled, rule)
        if tables is not None:
            found[report.name] = tables
    return found
