"""Running a dataset's DfE rules on one return's tables together."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

from cld.engine.issues import ISSUE_SCHEMA, IssueCode, Severity, empty_issues
from cld.engine.query import ENGINE
from cld.engine.readers.table import ROW
from cld.engine.rules.model import DfeRule, RuleInput

_REFUSED = ("table", "column", "row", "code")


def rules_of(dataset: str) -> list[DfeRule]:
    """The DfE rules the engine has for ``dataset`` (none for most)."""
    if dataset == "ssda903":
        from cld.engine.rules.ssda903 import RULES

        return RULES
    return []


def has_every_rule(dataset: str) -> bool:
    """Whether the engine has every rule of the DfE's validator for ``dataset``
    (not yet for any: issue 17 adds them a group at a time)."""
    return False


@dataclass(frozen=True)
class RulesResult:
    """What running a return's DfE rules found."""

    issues: pl.DataFrame = field(default_factory=empty_issues)
    """A ``dfe_rule`` issue for each row that breaks a rule."""
    ran: tuple[str, ...] = ()
    not_run: dict[str, str] = field(default_factory=dict)
    """Each rule in force that could not run, and why."""
    every_rule: bool = False
    """Whether these are all the DfE's rules for the dataset, or only some."""

    def of_tables(self, tables: list[str]) -> RulesSummary:
        """The summary for a file holding ``tables``."""
        mine = self.issues.filter(pl.col("table").is_in(tables))
        return RulesSummary(
            ran=self.ran,
            not_run=dict(self.not_run),
            failed=mine.get_column("rule").n_unique() if mine.height else 0,
            rows=mine.select("table", "row").n_unique() if mine.height else 0,
            every_rule=self.every_rule,
        )


@dataclass(frozen=True)
class RulesSummary:
    """What a file's return's DfE rules found in the file: its report's line."""

    ran: tuple[str, ...] = ()
    not_run: Mapping[str, str] = field(default_factory=dict)
    failed: int = 0
    """Rules broken by the file's rows."""
    rows: int = 0
    """The file's rows breaking at least one rule."""
    every_rule: bool = False

    def to_json(self) -> dict[str, object]:
        """The ``dfe_rules`` entry of ``cld validate --json``."""
        return {
            "run": list(self.ran),
            "not_run": dict(self.not_run),
            "failed": self.failed,
            "rows": self.rows,
            "every_rule": self.every_rule,
        }

    @classmethod
    def from_json(cls, value: object) -> RulesSummary | None:
        """A summary stored by :meth:`to_json` (None for anything else)."""
        if not isinstance(value, Mapping):
            return None
        ran, not_run = value.get("run"), value.get("not_run")
        failed, rows = value.get("failed"), value.get("rows")
        if not (
            isinstance(ran, list)
            and isinstance(not_run, Mapping)
            and isinstance(failed, int)
            and isinstance(rows, int)
        ):
            return None
        return cls(
            tuple(str(code) for code in ran),
            {str(k): str(v) for k, v in not_run.items()},
            failed,
            rows,
            value.get("every_rule") is True,
        )

    def summary(self) -> str:
        line = (
            f"DfE rules: {len(self.ran)} run, {self.failed} failed on "
            f"{self.rows:,} rows"
        )
        if self.not_run:
            line += f"; {len(self.not_run)} not run (missing tables)"
        if not self.every_rule:
            line += "; the DfE's other rules are not checked yet"
        return line


def run_rules(
    dataset: str,
    year: int,
    tables: Mapping[str, pl.DataFrame],
    refused: pl.DataFrame,
) -> RulesResult:
    """Run every rule of ``dataset`` in force in ``year`` over the return's
    conformed ``tables`` (each with :data:`ROW`) and the cells the conformer
    ``refused`` (issue rows: ``table``, ``column``, ``row``, ``code``)."""
    rules = [rule for rule in rules_of(dataset) if rule.in_force(year)]
    given = RuleInput(
        year,
        {name: frame.lazy() for name, frame in tables.items()},
        refused.select(_REFUSED).filter(pl.col("row").is_not_null()).lazy(),
    )
    runnable, not_run = [], {}
    for rule in rules:
        missing = [name for name in rule.reads if name not in tables]
        if missing:
            not_run[rule.code] = "needs the " + ", ".join(missing) + " table"
        else:
            runnable.append(rule)
    found = pl.collect_all(
        [_issue_rows(rule, given) for rule in runnable], engine=ENGINE
    )
    issues = (
        pl.concat(found).sort("row", maintain_order=True) if found else empty_issues()
    )
    ran = tuple(rule.code for rule in runnable)
    return RulesResult(issues, ran, not_run, has_every_rule(dataset))


def _issue_rows(rule: DfeRule, given: RuleInput) -> pl.LazyFrame:
    return (
        rule.failing(given)
        .unique(ROW, maintain_order=True)
        .select(
            pl.lit(rule.table).alias("table"),
            pl.col(ROW).cast(pl.Int64).alias("row"),
            pl.lit(", ".join(rule.columns)).alias("column"),
            pl.lit(str(IssueCode.DFE_RULE)).alias("code"),
            pl.lit(str(Severity.ERROR)).alias("severity"),
            pl.lit(rule.message).alias("message"),
            pl.lit(rule.code).alias("rule"),
        )
        .cast(ISSUE_SCHEMA)
    )
