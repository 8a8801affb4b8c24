"""Reports counted a few authorities at a time are the reports counted at once.

A build counts each report in batches of authorities read from the pooled Parquet
files (:func:`run_report_by_authority`); every table it writes must be exactly the
one counting every authority at once gives (:func:`run_report`), whatever the
batches: one authority each, or all together.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from platform_builders import SYNTH_LAS, allow, process_synthetic
from polars.testing import assert_frame_equal

from cld.engine.disclosure import rule_named
from cld.pipeline.data_area import DataArea
from cld.pipeline.outputs import build as build_module
from cld.pipeline.outputs.build import build_outputs
from cld.pipeline.outputs.reports import (
    ReportTables,
    reports_of,
    run_report,
    run_report_by_authority,
)
from cld.pipeline.registry import Registry

USE_CASES = ("pan", "sufficiency", "equalities")


@pytest.fixture
def everywhere(area: DataArea, registry: Registry, synthetic: Path) -> DataArea:
    """Both authorities' returns of both years, every use case signed."""
    for la in SYNTH_LAS:
        allow(registry, la, *USE_CASES)
    process_synthetic(area, registry, synthetic)
    return area


@pytest.fixture
def built(everywhere: DataArea, registry: Registry) -> DataArea:
    build_outputs(everywhere, registry)
    return everywhere


def _same(found: ReportTables | None, expected: ReportTables | None) -> None:
    assert found is not None and expected is not None
    assert list(found.tables) == list(expected.tables)
    for name, table in expected.tables.items():
        assert_frame_equal(found.tables[name], table, check_row_order=True)
    assert found.notes == expected.notes


@pytest.mark.parametrize("use_case", USE_CASES)
def test_every_batching_gives_the_report_counted_at_once(
    built: DataArea, registry: Registry, use_case: str
) -> None:
    folder = built.outputs / use_case
    rule = rule_named(registry.policy()[1].use_cases[use_case].disclosure)
    for report in reports_of(use_case):
        files = {
            name: folder / f"{name}.parquet"
            for name in report.reads
            if (folder / f"{name}.parquet").is_file()
        }
        whole = run_report(
            report, {name: pl.read_parquet(path) for name, path in files.items()}, rule
        )
        assert whole is not None
        assert {la for t in whole.tables.values() for la in t["LA"]} >= set(SYNTH_LAS)
        for batch_rows in (1, 10**9):  # an authority at a time; all at once
            _same(
                run_report_by_authority(report, files, rule, batch_rows=batch_rows),
                whole,
            )
        for name, table in whole.tables.items():  # what the build wrote
            written = pl.read_parquet(folder / f"{report.name}_{name}.parquet")
            assert_frame_equal(written, table, check_row_order=True)


def test_a_report_whose_tables_are_missing_is_not_made(
    built: DataArea, registry: Registry
) -> None:
    report = reports_of("equalities")[0]
    folder = built.outputs / "equalities"
    files = {name: folder / f"{name}.parquet" for name in report.reads}
    rule = rule_named("dfe")
    assert run_report_by_authority(report, files, rule) is not None
    del files["cin_census_section47"]  # a table it needs, not built
    assert run_report_by_authority(report, files, rule) is None
    empty = folder / "empty.parquet"
    pl.read_parquet(folder / "cin_census_section47.parquet").head(0).write_parquet(
        empty
    )
    files["cin_census_section47"] = empty  # built, but no rows at all
    assert run_report_by_authority(report, files, rule) is None


def test_a_table_two_use_cases_publish_alike_is_pooled_once(
    everywhere: DataArea, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    area = everywhere
    made: list[str] = []
    pool = build_module._pool

    def counting(group, kept, parquet, csv):
        made.append(f"{group.dataset}_{group.table}")
        return pool(group, kept, parquet, csv)

    monkeypatch.setattr(build_module, "_pool", counting)
    results = build_outputs(area, registry)
    pan, equalities = (area.outputs / name for name in ("pan", "equalities"))
    alike = [  # the CIN census tables both policies keep as they are
        name
        for name in results["equalities"].tables
        if name.startswith("cin_census_")
        and (pan / f"{name}.parquet").read_bytes()
        == (equalities / f"{name}.parquet").read_bytes()
    ]
    assert "cin_census_assessments" in alike
    for name in alike:
        assert made.count(name) == 1, name  # pooled for one, linked for the other
        assert (
            name in results["pan"].recomputed
            and name in results["equalities"].recomputed
        )
        assert (pan / f"{name}.csv").read_bytes() == (
            equalities / f"{name}.csv"
        ).read_bytes()
    # the children table: pan keeps columns equalities drops, so it is pooled twice
    assert made.count("cin_census_children") == 2
    assert set(pl.read_parquet(pan / "cin_census_children.parquet").columns) > set(
        pl.read_parquet(equalities / "cin_census_children.parquet").columns
    )
    assert not list((area.outputs / ".staging").glob("*"))  # nothing left behind
    made.clear()
    for name in ("pan", "equalities"):  # each rebuilt alone: the same bytes
        before = {p.name: p.read_bytes() for p in (area.outputs / name).iterdir()}
        shutil.rmtree(area.outputs / ".builds" / name)
        (area.outputs / name).unlink()
        build_outputs(area, registry, use_case=name)
        after = {p.name: p.read_bytes() for p in (area.outputs / name).iterdir()}
        assert after == before
