"""``cld outputs`` on synthetic data of two authorities and two years: who is in
each use case, the reports, disclosure control and idempotence."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook
from platform_builders import TEST_KEY, allow, files_of, process_synthetic

from cld.cli.app import run
from cld.engine.transforms.pseudonymise import PseudonymKey
from cld.pipeline.data_area import DataArea
from cld.pipeline.governance_actions import withdraw_agreement
from cld.pipeline.outputs.build import build_outputs
from cld.pipeline.outputs.pooled import TableFiles, pool_by_authority
from cld.pipeline.registry import Registry
from cld.pipeline.session import process_files

KEY = PseudonymKey(TEST_KEY.encode())


@pytest.fixture
def processed(area: DataArea, registry: Registry, synthetic: Path) -> DataArea:
    allow(registry, "CAM", "pan", "sufficiency", "equalities")
    allow(registry, "HAC", "pan")
    process_synthetic(area, registry, synthetic, ("CAM", "HAC"), (2023, 2024))
    return area


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.resolve().iterdir())}


def test_each_use_case_has_exactly_the_authorities_in_force(
    processed: DataArea, registry: Registry
) -> None:
    results = build_outputs(processed, registry)
    assert results["pan"].las == ("CAM", "HAC")
    assert results["sufficiency"].las == ("CAM",)
    assert results["equalities"].las == ("CAM",)
    pan = processed.outputs / "pan"
    episodes = pl.read_parquet(pan / "ssda903_episodes.parquet")
    assert set(episodes["LA"]) == {"CAM", "HAC"} and set(episodes["YEAR"]) == {
        2023,
        2024,
    }
    assert {"EPISODE_REPAIR", "EPISODE_SOURCE", "YEAR_LATEST"} <= set(episodes.columns)
    assert episodes.select("LA", "CHILD", "DECOM").is_unique().all()
    sufficiency = pl.read_parquet(
        processed.outputs / "sufficiency/ssda903_episodes.parquet"
    )
    assert set(sufficiency["LA"]) == {"CAM"}
    assert (
        "DOB"
        not in pl.read_parquet(
            processed.outputs / "sufficiency/ssda903_header.parquet"
        ).columns
    )
    manifest = json.loads((pan / "manifest.json").read_text())
    assert manifest["las"] == ["CAM", "HAC"] and manifest["years"] == [2023, 2024]
    assert manifest["policy"]["version"] == 1
    assert set(manifest["last_upload"]) == {"CAM", "HAC"}
    assert "[c]" in manifest["disclosure"]["description"]
    assert manifest["tables"]["ssda903_episodes"]["rows"] == episodes.height
    for name in ("pan_summary.xlsx", "pan_summary_summary.csv", "ssda903_header.csv"):
        assert (pan / name).is_file()
    book = load_workbook(processed.outputs / "sufficiency/sufficiency.xlsx")
    notes = [row[0] for row in book["Notes"].iter_rows(values_only=True)]
    assert notes[0] == "Placement sufficiency"
    assert notes[-1].startswith("Disclosure control: Counts of 1 to 5")
    assert not [n for n in notes if n and "``" in n]  # plain words, no markup
    assert "placement_type" in book.sheetnames
    assert (processed.outputs / "equalities/equalities.xlsx").is_file()


def test_a_withdrawn_authority_disappears_on_rebuild(
    processed: DataArea, registry: Registry
) -> None:
    build_outputs(processed, registry, use_case="pan")
    withdraw_agreement(processed, registry, "HAC", "pan", on=dt.date.today(), by="t")
    result = build_outputs(processed, registry, use_case="pan")["pan"]
    assert result.rebuilt and result.las == ("CAM",)
    for path in (processed.outputs / "pan").resolve().glob("*.parquet"):
        frame = pl.read_parquet(path)
        if "LA" in frame.columns:
            assert "HAC" not in set(frame["LA"]), path.name


def test_rebuilding_with_nothing_new_changes_nothing(
    processed: DataArea, registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    first = build_outputs(processed, registry)
    trees = {name: _tree(processed.outputs / name) for name in first}
    again = build_outputs(processed, registry)
    assert not any(r.rebuilt for r in again.values())
    assert {name: _tree(processed.outputs / name) for name in again} == trees
    capsys.readouterr()
    assert run(["outputs", "--data-dir", str(processed.root), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert set(payload) == {"equalities", "pan", "sufficiency"}
    assert payload["pan"]["tables"]["ssda903_episodes"]["las"] == ["CAM", "HAC"]
    assert {name: _tree(processed.outputs / name) for name in again} == trees
    assert run(["outputs", "--data-dir", str(processed.root), "--use-case", "pan"]) == 0
    assert "unchanged" in capsys.readouterr().out


def test_report_figures_match_the_pooled_table_and_are_protected(
    processed: DataArea, registry: Registry
) -> None:
    build_outputs(processed, registry)
    folder = processed.outputs / "sufficiency"
    episodes = pl.read_parquet(folder / "ssda903_episodes.parquet")
    report = pl.read_csv(folder / "sufficiency_placement_type.csv", infer_schema=False)
    end = dt.date(2024, 3, 31)
    in_force = (
        episodes.filter(
            (pl.col("YEAR") >= 2024)
            & (pl.col("DECOM") <= end)
            & (pl.col("DEC").is_null() | (pl.col("DEC") > end))
            & ~pl.col("LS").is_in(["V3", "V4"])
        )
        .sort("DECOM")
        .group_by("CHILD")
        .last()
    )
    expected = dict(in_force.group_by("PLACE").len().iter_rows())
    shown = report.filter(
        (pl.col("YEAR") == "2024")
        & (pl.col("measure") == "at_31_march")
        & (pl.col("LA") == "CAM")
        & (pl.col("category") != "Total")
    )
    assert shown.height
    for category, count in shown.select("category", "count").iter_rows():
        if count != "[c]":
            assert int(count) == expected.get(category, 0), category
    hidden = shown.filter(pl.col("count") == "[c]")
    primary = {c for c, n in expected.items() if 1 <= n <= 5}
    assert primary <= set(hidden["category"])  # every small count is hidden
    london = report.filter((pl.col("LA") == "London") & (pl.col("count") != "[c]"))
    assert london.height and all(int(v) % 10 == 0 for v in london["count"])


def test_a_policy_change_trims_the_outputs_at_the_next_build(
    processed: DataArea, registry: Registry
) -> None:
    from cld.governance.policy import policy_from_document

    build_outputs(processed, registry, use_case="pan")
    header = processed.outputs / "pan" / "ssda903_header.parquet"
    assert "MC_DOB" in pl.read_parquet(header).columns
    _, policy = registry.policy()
    document = policy.document()
    del document["use_cases"]["pan"]["datasets"]["ssda903"]["header"]["MC_DOB"]
    del document["use_cases"]["pan"]["datasets"]["ssda903"]["oc3"]
    registry.set_policy(policy_from_document(document), by="dpo", reason="less")
    result = build_outputs(processed, registry, use_case="pan")["pan"]
    assert result.rebuilt
    assert "MC_DOB" not in pl.read_parquet(header).columns
    assert "ssda903_oc3" not in result.tables
    assert not (processed.outputs / "pan" / "ssda903_oc3.parquet").exists()


def _cin_census(synthetic: Path, la: str, year: int) -> list[Path]:
    return [p for p in files_of(synthetic, la, year) if p.suffix == ".xml"]


@pytest.fixture
def before_cin_2024(area: DataArea, registry: Registry, synthetic: Path) -> DataArea:
    """Both authorities' returns, but for CAM's 2024 CIN census."""
    allow(registry, "CAM", "pan", "sufficiency", "equalities")
    allow(registry, "HAC", "pan")
    for la in ("CAM", "HAC"):
        for year in (2023, 2024):
            files = files_of(synthetic, la, year)
            if (la, year) == ("CAM", 2024):
                files = [p for p in files if p not in _cin_census(synthetic, la, year)]
            process_files(
                area, registry, registry.authority(la), files, by="t", key=KEY
            )
    return area


def _trees(area: DataArea) -> dict[str, dict[str, bytes]]:
    return {
        link.name: _tree(link)
        for link in sorted(area.outputs.iterdir())
        if not link.name.startswith(".")
    }


def test_a_new_cin_census_recomputes_only_the_tables_and_reports_that_read_it(
    before_cin_2024: DataArea,
    registry: Registry,
    synthetic: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from cld.pipeline.outputs import build as build_module

    area = before_cin_2024
    first = build_outputs(area, registry)
    assert all(set(r.recomputed) == set(r.tables) for r in first.values())
    process_files(
        area,
        registry,
        registry.authority("CAM"),
        _cin_census(synthetic, "CAM", 2024),
        by="t",
        key=KEY,
    )
    pooled: list[str] = []

    def counting(group: TableFiles) -> Iterator[pl.DataFrame]:
        pooled.append(f"{group.dataset}_{group.table}")
        return pool_by_authority(group)

    monkeypatch.setattr(build_module, "pool_by_authority", counting)
    capsys.readouterr()
    assert run(["outputs", "--data-dir", str(area.root), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    recomputed = {name: set(entry["recomputed"]) for name, entry in payload.items()}
    tables = {name: set(entry["tables"]) for name, entry in payload.items()}
    cin = {n for n in tables["pan"] if n.startswith("cin_census_")}
    assert cin and recomputed["pan"] == cin  # SSDA903 tables and pan_summary kept
    assert {"ssda903_episodes", "ssda903_header", "pan_summary_summary"} <= (
        tables["pan"] - recomputed["pan"]
    )
    assert {n.split("_")[0] for n in tables["equalities"]} == {"cin", "equalities"}
    assert recomputed["equalities"] == tables["equalities"]  # all read CIN census
    assert payload["sufficiency"]["rebuilt"] and recomputed["sufficiency"] == set()
    assert sorted(pooled) == sorted(
        n for r in recomputed.values() for n in r if n.startswith("cin_census_")
    )
    before = first["pan"].to_json()["tables"]
    assert isinstance(before, dict)
    assert payload["pan"]["tables"] == before | {
        n: payload["pan"]["tables"][n] for n in cin
    }
    incremental = _trees(area)
    manifest = json.loads(incremental["pan"]["manifest.json"])
    assert set(manifest["table_fingerprints"]) == {
        n for n in tables["pan"] if not n.startswith("pan_summary_")
    }
    assert manifest["reports"]["pan_summary"]["tables"] == ["pan_summary_summary"]
    shutil.rmtree(area.outputs)  # the same data built from scratch
    pooled.clear()
    full = build_outputs(area, registry)
    assert all(set(r.recomputed) == set(r.tables) for r in full.values())
    assert len(pooled) == sum(
        1 for r in full.values() for t in r.tables.values() if t.kind == "child-level"
    )
    assert _trees(area) == incremental  # byte for byte, manifests too


def test_a_policy_change_recomputes_every_table(
    processed: DataArea, registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    from cld.governance.policy import policy_from_document

    build_outputs(processed, registry)
    _, policy = registry.policy()
    document = policy.document()
    document["use_cases"]["equalities"]["title"] += " (revised)"
    registry.set_policy(policy_from_document(document), by="dpo", reason="title")
    capsys.readouterr()
    assert run(["outputs", "--data-dir", str(processed.root)]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    results = build_outputs(processed, registry)  # and nothing new since
    assert not any(r.rebuilt or r.recomputed for r in results.values())
    for name, result in results.items():
        count = len(result.tables)
        assert f"{name}: " in printed
        assert f"rebuilt: {count} of {count} tables recomputed" in printed


def test_a_report_reading_a_table_it_does_not_declare_fails_loudly() -> None:
    from cld.engine.disclosure import rule_named
    from cld.pipeline.outputs.reports import (
        REPORTS,
        Report,
        ReportTables,
        UndeclaredTableError,
        run_report,
    )

    tables = {"ssda903_episodes": pl.DataFrame(), "ssda903_header": pl.DataFrame()}
    sneaky = Report(
        "sneaky",
        ("ssda903_episodes",),
        (),
        lambda inputs: {"t": inputs.get("ssda903_header")},  # type: ignore[dict-item]
        lambda _, table: table,
        lambda counted, rule: ReportTables(dict(counted), []),
    )
    with pytest.raises(UndeclaredTableError, match="sneaky .* ssda903_header"):
        run_report(sneaky, tables, rule_named("dfe"))
    assert run_report(REPORTS["pan"][0], tables, rule_named("dfe")) is None
