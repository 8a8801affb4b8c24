"""The platform's DfE rules against the DfE's own SSDA903 validator, rule by rule.

Synthetic returns of every collection year the DfE's validator has (2022-23 to
2025-26), with faults planted in a tenth of their rows, are validated by
``cld validate``'s path (files of a return together) and by the DfE's validator;
for every rule the platform has, the (table, row) failures must be the same,
except where ``docs/reference/dfe-rules.md`` says why not (``DIFFERENCES``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from dfe_validators import SSDA903_TABLES, run_dfe_ssda903

from cld.cli.app import run
from cld.engine.rules.model import DfeRule
from cld.engine.rules.returns import apply_rules
from cld.engine.rules.ssda903 import RULES
from cld.engine.validate import ValidateOptions
from cld.pipeline.validate_files import validate_path

pytestmark = pytest.mark.slow

Failure = tuple[str, str, int]
"""(rule, table, spreadsheet row)."""

RawCell = Callable[[str, int, str], str | None]


def _placement_types(year: int, cell: RawCell, table: str, row: int) -> bool:
    """Rule 146. In 2024-25 the DfE's list has ``k3`` in lower case, so the valid
    K3 fails, and still has H5 and P2, withdrawn that year. In 2025-26 it no longer
    has Z1, which that year's specification still lists beside Z11 to Z14."""
    place = cell(table, row, "PLACE")
    return (year == 2025 and place in {"K3", "H5", "P2"}) or (
        year == 2026 and place == "Z1"
    )


DIFFERENCES: dict[str, Callable[[int, RawCell, str, int], bool]] = {
    "146": _placement_types,
}
"""For a rule: whether a (table, row) of a year is a known difference."""


@pytest.fixture(scope="module", params=[2023, 2024, 2025, 2026])
def messy_return(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[int, list[Path]]:
    year: int = request.param
    out = tmp_path_factory.mktemp(f"synth{year}")
    args = ["synth", "--out", str(out), "--la", "HAC", "--years", str(year)]
    options = ["--children", "120", "--datasets", "ssda903", "--messiness", "0.1"]
    assert run([*args, *options, "--seed", str(year)]) == 0
    return year, sorted((out / "HAC").glob("*.csv"))


def _ours(files: list[Path]) -> tuple[set[Failure], dict[str, Path]]:
    """The platform's failures, and the file each table was read from."""
    options = ValidateOptions(keep_tables=False, dfe_rules=True)
    reports = [validate_path(path, options) for path in files]
    apply_rules(reports)
    found: set[Failure] = set()
    for report in reports:
        assert report.error is None, report.error
        broken = report.issues.filter(pl.col("code") == "dfe_rule")
        found |= set(broken.select("rule", "table", "row").iter_rows())
    tables = {name: Path(r.file) for r in reports for name in r.tables}
    return found, tables


def _cells(tables: dict[str, Path]) -> RawCell:
    """A raw cell of a table, by spreadsheet row, as the file has it."""
    frames = {
        name: pl.read_csv(path, infer_schema=False) for name, path in tables.items()
    }

    def cell(table: str, row: int, column: str) -> str | None:
        value = frames[table][row - 2, column]
        return None if value is None else str(value)

    return cell


def _agreeing(year: int, files: list[Path]) -> set[Failure]:
    """The platform's failures of the rules in force in ``year`` on ``files``,
    once checked to be the DfE validator's, rule by rule, but for the known
    differences."""
    codes = [rule.code for rule in RULES if rule.in_force(year)]
    answer = run_dfe_ssda903(files, year, rules=codes)
    assert sorted(answer["ran"]) == sorted(codes) and not answer["crashed"]
    for rule in RULES:  # the DfE's message, word for word
        if rule.in_force(year):
            assert rule.message == answer["rules"][rule.code], (rule.code, year)
    theirs = {
        (f["rule"], SSDA903_TABLES[f["table"]], f["row"]) for f in answer["failures"]
    }
    ours, tables = _ours(files)
    cell = _cells(tables)
    for code in codes:
        known = DIFFERENCES.get(code, lambda *_: False)
        mine = {f for f in ours if f[0] == code}
        dfe = {f for f in theirs if f[0] == code}
        unexplained = {f for f in mine ^ dfe if not known(year, cell, f[1], f[2])}
        assert not unexplained, (code, year, sorted(unexplained)[:10])
    return ours


def test_every_rule_fails_the_rows_the_dfe_fails(
    messy_return: tuple[int, list[Path]],
) -> None:
    ours = _agreeing(*messy_return)
    assert ours  # the planted faults break some rules


def _planted(rule: DfeRule, frame: pl.DataFrame, at: int) -> pl.DataFrame:
    """``frame`` with row ``at`` (from 0) made to break ``rule``."""
    column = rule.columns[0]
    value: str | None
    if rule.code == "148":  # ceased, with no reason
        column, value = "REC", None
    elif rule.code == "356":  # ceased the day before it began
        began = frame[at, "DECOM"]
        day, month, year = (int(part) for part in str(began).split("/"))
        value = (dt.date(year, month, day) - dt.timedelta(days=1)).strftime("%d/%m/%Y")
        column = "DEC"
    elif "date" in rule.message:
        value = "31/02/2020"
    else:
        value = "XX"
    cells = frame[column].to_list()
    cells[at] = value
    return frame.with_columns(pl.Series(column, cells, dtype=pl.String))


@pytest.fixture(scope="module")
def planted_return(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, list[Path]]:
    """A clean 2024-25 return with every rule made to fail on a row of its own."""
    year = 2025
    out = tmp_path_factory.mktemp("planted")
    args = ["synth", "--out", str(out), "--la", "CAM", "--years", str(year)]
    assert (
        run([*args, "--children", "200", "--datasets", "ssda903", "--messiness", "0"])
        == 0
    )
    files = sorted((out / "CAM").glob("*.csv"))
    _, tables = _ours(files)
    frames = {n: pl.read_csv(p, infer_schema=False) for n, p in tables.items()}
    used: dict[str, int] = {}
    for rule in RULES:
        if not rule.in_force(year):
            continue
        frame = frames[rule.table]
        at = used.get(rule.table, 0)
        if rule.code in ("148", "356"):  # a row that has ceased
            ceased = frame["DEC"].is_not_null() & frame["REC"].is_not_null()
            at = [i for i, c in enumerate(ceased.to_list()) if c][at % 3 + 5]
        used[rule.table] = (at + 1) % frame.height
        frames[rule.table] = _planted(rule, frame, at % frame.height)
    for name, frame in frames.items():
        frame.write_csv(tables[name])
    return year, files


def test_every_rule_planted_to_fail_fails_as_the_dfe_says(
    planted_return: tuple[int, list[Path]],
) -> None:
    year, files = planted_return
    ours = _agreeing(year, files)
    in_force = {rule.code for rule in RULES if rule.in_force(year)}
    assert {f[0] for f in ours} == in_force  # every rule failed somewhere
