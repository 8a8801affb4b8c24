"""A file with no rows never empties what an authority has shared: its tables are
not published (a warning says the shared rows stay), and taking a year's data out
is done on purpose with ``cld data withdraw``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from platform_builders import allow, files_of, process_as

from cld.cli.app import run
from cld.pipeline.atomic import sha256_of
from cld.pipeline.data_area import DataArea
from cld.pipeline.publish import current_files
from cld.pipeline.registry import Registry
from cld.pipeline.session import EMPTY_FILE_NOTE, SessionResult


def _process(area: DataArea, registry: Registry, paths: list[Path]) -> SessionResult:
    return process_as(area, registry, "CAM", paths)


def _shared(area: DataArea) -> dict[str, str]:
    return {rel: sha256_of(path) for rel, path in current_files(area, "CAM").items()}


@pytest.fixture
def published(area: DataArea, registry: Registry, synthetic: Path) -> dict[str, str]:
    allow(registry, "CAM", "pan")
    for year in (2023, 2024):
        assert _process(area, registry, files_of(synthetic, "CAM", year)).status == (
            "published"
        )
    shared = _shared(area)
    assert any(rel.startswith("pan/cin_census/2024/") for rel in shared)
    return shared


def _childless_cin(synthetic: Path, folder: Path) -> Path:
    """CAM's 2024 CIN census with its header and no children."""
    (xml,) = [p for p in files_of(synthetic, "CAM", 2024) if p.suffix == ".xml"]
    text = xml.read_text(encoding="utf-8")
    empty = re.sub(r"<Child>.*</Child>", "", text, flags=re.DOTALL)
    assert "<Child>" not in empty and "<Header>" in empty
    target = folder / xml.name
    target.write_text(empty, encoding="utf-8")
    return target


def test_a_file_with_no_rows_never_empties_the_shared_tables(
    area: DataArea,
    registry: Registry,
    synthetic: Path,
    tmp_path: Path,
    published: dict[str, str],
) -> None:
    childless = _childless_cin(synthetic, tmp_path)
    header_only = tmp_path / "SSDA903_2024_uasc.csv"
    header_only.write_text("CHILD,SEX,DOB,DUC\n")
    result = _process(area, registry, [childless, header_only])
    assert _shared(area) == published  # every table, byte for byte
    assert result.status == "archived"
    assert result.notes == {
        str(childless): EMPTY_FILE_NOTE,
        str(header_only): EMPTY_FILE_NOTE,
    }
    report = {r.file: r for r in result.reports}[str(childless)]
    kept = report.issues.filter(code="empty_table_kept")
    assert "children" in kept["table"].to_list()
    assert kept.height == len({r.split("/")[3] for r in published if "/cin_" in r})
    assert "stay as they were" in kept["message"][0]
    assert "2023-24" in kept["message"][0]


def test_an_empty_table_beside_full_ones_keeps_its_shared_rows(
    area: DataArea,
    registry: Registry,
    synthetic: Path,
    tmp_path: Path,
    published: dict[str, str],
) -> None:
    """One file of an upload full, another empty: the full one is shared, the
    empty one changes nothing."""
    (episodes,) = [
        p for p in files_of(synthetic, "CAM", 2024) if "episodes" in p.name.lower()
    ]
    header_only = tmp_path / "SSDA903_2024_uasc.csv"
    header_only.write_text("CHILD,SEX,DOB,DUC\n")
    changed = tmp_path / episodes.name
    changed.write_bytes(episodes.read_bytes() + b"\n")  # a new file, same rows
    result = _process(area, registry, [changed, header_only])
    assert result.status == "published"
    assert _shared(area).keys() == published.keys()


def test_a_year_is_withdrawn_on_purpose(
    area: DataArea, registry: Registry, published: dict[str, str], capsys
) -> None:
    args = ["data", "withdraw", "--data-dir", str(area.root), "--la", "CAM"]
    code = run([*args, "--dataset", "cin_census", "--year", "2024", "--by", "dpo"])
    assert code == 0
    assert "cin_census tables for 2023-24 deleted" in capsys.readouterr().out
    left = _shared(area)
    assert not any(rel.startswith("pan/cin_census/2024/") for rel in left)
    assert left == {
        rel: digest
        for rel, digest in published.items()
        if not rel.startswith("pan/cin_census/2024/")
    }
    (event,) = registry.events("published_tables_deleted", la="CAM")
    assert event.actor == "dpo"
    assert event.detail["tables"] == sorted(set(published) - set(left))
    assert run([*args, "--dataset", "cin_census", "--year", "2024"]) == 0
    assert "nothing was deleted" in capsys.readouterr().out
    assert run([*args, "--dataset", "nonsense", "--year", "2024"]) == 2
