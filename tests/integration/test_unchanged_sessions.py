"""Re-processing the same file is a no-op, by its checksum, while nothing it
depends on has changed: the policy, the pseudonym key, the use cases in force and
what it published. A later upload of the same table and year, a withdrawal or a
policy change makes it new again."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import cast

import polars as pl
import pytest
from platform_builders import TEST_KEY, allow, ssda903_files

from cld.cli.app import run
from cld.engine.transforms.pseudonymise import PseudonymKey
from cld.governance.policy import policy_from_document
from cld.pipeline.data_area import DataArea
from cld.pipeline.governance_actions import withdraw_agreement
from cld.pipeline.manifest import read_session_manifest, verify_session
from cld.pipeline.publish import current_files
from cld.pipeline.registry import Registry
from cld.pipeline.session import SessionResult, process_files

KEY = PseudonymKey(TEST_KEY.encode())


def process(
    area: DataArea, registry: Registry, paths: list[Path], la: str = "CAM"
) -> SessionResult:
    return process_files(
        area, registry, registry.authority(la), paths, by="test", key=KEY
    )


def _snapshot(area: DataArea, la: str = "CAM") -> str:
    return os.readlink(area.la_current(la))


def _published(area: DataArea, la: str = "CAM") -> dict[str, bytes]:
    return {rel: path.read_bytes() for rel, path in current_files(area, la).items()}


def _archives(area: DataArea, la: str = "CAM") -> list[str]:
    return sorted(p.name for p in (area.sessions / la).iterdir())


def _other_header(synthetic: Path, folder: Path) -> Path:
    """The 2024 header with its last child left out: another return of the same
    table and year."""
    (original,) = ssda903_files(synthetic, "CAM", 2024, "header")
    lines = original.read_bytes().splitlines(keepends=True)
    folder.mkdir(parents=True, exist_ok=True)
    other = folder / original.name
    other.write_bytes(b"".join(lines[:-1]))
    return other


def test_the_same_file_again_is_unchanged_and_nothing_is_done(
    area: DataArea, registry: Registry, synthetic: Path
) -> None:
    allow(registry, "CAM", "pan", "sufficiency")
    files = ssda903_files(synthetic, "CAM", 2024, "header", "episodes")
    first = process(area, registry, files)
    assert first.status == "published" and not first.unchanged
    snapshot, published, archives = _snapshot(area), _published(area), _archives(area)
    again = process(area, registry, files)
    assert again.status == "unchanged"
    assert again.unchanged == {str(p): first.session for p in files}
    assert not again.published
    for path in files:
        note = again.notes[str(path)]
        assert note.startswith("unchanged: the same file (sha256 ")
        assert note.endswith(f"in session {first.session}; nothing was done")
    assert _snapshot(area) == snapshot  # current/<LA> was not switched
    assert _published(area) == published
    assert _archives(area) == archives  # nothing archived
    assert not any((area.incoming / "CAM").iterdir())
    for before, after in zip(first.reports, again.reports, strict=True):
        assert after.to_json() == before.to_json()  # what that session found
    entries = again.to_json()
    assert entries["status"] == "unchanged"
    found = cast("list[dict[str, object]]", entries["files"])
    assert {f["unchanged_since"] for f in found} == {first.session}
    record = registry.sessions("CAM")[-1]
    assert (record.id, record.status) == (again.session, "unchanged")
    assert {f.unchanged_since for f in record.outcome.files} == {first.session}
    (event,) = registry.events("session_unchanged")
    assert event.detail["session"] == again.session
    third = process(area, registry, files)  # still the first session's files
    assert third.status == "unchanged"
    assert set(third.unchanged.values()) == {first.session}


def test_in_a_mixed_upload_only_the_new_files_are_processed(
    area: DataArea, registry: Registry, synthetic: Path
) -> None:
    allow(registry, "CAM", "pan")
    header = ssda903_files(synthetic, "CAM", 2024, "header")
    episodes = ssda903_files(synthetic, "CAM", 2024, "episodes")
    first = process(area, registry, header)
    mixed = process(area, registry, [*header, *episodes])
    assert mixed.status == "published"
    assert mixed.unchanged == {str(header[0]): first.session}
    assert [p.path for p in mixed.published] == ["pan/ssda903/2024/episodes.parquet"]
    assert str(episodes[0]) not in mixed.notes
    folder = area.session_dir("CAM", mixed.session)
    assert verify_session(folder) == []
    manifest = read_session_manifest(folder)
    by_name = {f.name: f for f in manifest.files}
    kept = by_name[str(header[0])]
    assert (kept.unchanged_since, kept.stored_as) == (first.session, None)
    earlier = read_session_manifest(area.session_dir("CAM", first.session))
    assert kept.sha256 is not None and kept.sha256 == earlier.files[0].sha256
    new = by_name[str(episodes[0])]
    assert new.unchanged_since is None
    assert new.published == ("pan/ssda903/2024/episodes.parquet",)
    assert sorted(p.name for p in (folder / "raw").iterdir()) == [episodes[0].name]
    assert sorted(current_files(area, "CAM")) == [
        "pan/ssda903/2024/episodes.parquet",
        "pan/ssda903/2024/header.parquet",
    ]


def test_a_file_sent_again_after_another_replaced_it_is_processed(
    area: DataArea, registry: Registry, synthetic: Path, tmp_path: Path
) -> None:
    allow(registry, "CAM", "pan")
    header = ssda903_files(synthetic, "CAM", 2024, "header")
    other = [_other_header(synthetic, tmp_path / "other")]
    process(area, registry, header)
    original = _published(area)
    replaced = process(area, registry, other)
    assert replaced.status == "published" and _published(area) != original
    revert = process(area, registry, header)  # the first file again: a revert
    assert revert.status == "published" and not revert.unchanged
    assert _published(area) == original
    assert process(area, registry, header).unchanged == {str(header[0]): revert.session}


def test_a_file_after_another_of_the_same_table_in_one_upload_is_read_again(
    area: DataArea, registry: Registry, synthetic: Path, tmp_path: Path
) -> None:
    allow(registry, "CAM", "pan")
    header = ssda903_files(synthetic, "CAM", 2024, "header")
    other = [_other_header(synthetic, tmp_path / "other")]
    process(area, registry, header)
    original = _published(area)
    both = process(area, registry, [*other, *header])  # the later file wins
    assert both.status == "published" and not both.unchanged
    assert _published(area) == original
    entries = registry.sessions("CAM")[-1].outcome
    assert [f.superseded for f in entries.files] == [True, False]
    again = process(area, registry, other)  # it never stood: it is new
    assert again.status == "published" and _published(area) != original


def test_a_policy_change_or_a_new_use_case_makes_the_file_new_again(
    area: DataArea, registry: Registry, synthetic: Path
) -> None:
    allow(registry, "CAM", "pan")
    header = ssda903_files(synthetic, "CAM", 2024, "header")
    process(area, registry, header)
    _, policy = registry.policy()
    document = policy.document()
    del document["use_cases"]["pan"]["datasets"]["ssda903"]["header"]["MC_DOB"]
    registry.set_policy(policy_from_document(document), by="dpo", reason="less")
    trimmed = process(area, registry, header)
    assert trimmed.status == "published" and not trimmed.unchanged
    path = current_files(area, "CAM")["pan/ssda903/2024/header.parquet"]
    assert "MC_DOB" not in pl.read_parquet(path).columns
    assert process(area, registry, header).status == "unchanged"
    allow(registry, "CAM", "pan", "sufficiency")
    wider = process(area, registry, header)
    assert wider.status == "published" and wider.use_cases == {"pan", "sufficiency"}
    assert "sufficiency/ssda903/2024/header.parquet" in current_files(area, "CAM")
    other_key = process_files(
        area,
        registry,
        registry.authority("CAM"),
        header,
        by="test",
        key=PseudonymKey(b"another key of at least thirty-two bytes"),
    )
    assert other_key.status == "published"


def test_after_a_withdrawal_the_same_file_is_processed(
    area: DataArea, registry: Registry, synthetic: Path
) -> None:
    allow(registry, "CAM", "pan", "sufficiency")
    header = ssda903_files(synthetic, "CAM", 2024, "header")
    process(area, registry, header)
    withdraw_agreement(area, registry, "CAM", "pan", on=dt.date.today(), by="test")
    again = process(area, registry, header)
    assert again.status == "published" and again.use_cases == {"sufficiency"}
    allow(registry, "CAM", "pan", "sufficiency")  # signed again: pan is empty
    back = process(area, registry, header)
    assert back.status == "published" and not back.unchanged
    assert "pan/ssda903/2024/header.parquet" in current_files(area, "CAM")


def test_a_file_only_archived_is_unchanged_while_nothing_else_changes(
    area: DataArea, registry: Registry, synthetic: Path, tmp_path: Path
) -> None:
    header = ssda903_files(synthetic, "CAM", 2024, "header")
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\x00\x01\x02 not a table")
    first = process(area, registry, [*header, junk])  # no use case in force
    assert first.status == "archived"
    again = process(area, registry, [*header, junk])
    assert again.status == "unchanged"
    assert again.unchanged == {str(header[0]): first.session, str(junk): first.session}
    assert again.reports[1].error == first.reports[1].error is not None
    allow(registry, "CAM", "pan")
    shared = process(area, registry, [*header, junk])
    assert shared.status == "published"
    assert shared.unchanged == {}  # the use cases in force changed


def test_cld_process_twice_says_unchanged_and_exits_0(
    area: DataArea,
    registry: Registry,
    synthetic: Path,
    pseudonym_key: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    allow(registry, "CAM", "pan")
    files = [str(p) for p in ssda903_files(synthetic, "CAM", 2024, "header")]
    command = ["process", "--data-dir", str(area.root), "--la", "CAM", *files]
    capsys.readouterr()
    assert run([*command, "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["status"] == "published"
    assert "unchanged_since" not in first["files"][0]
    assert run(command) == 0
    screen = " ".join(capsys.readouterr().out.split())
    assert f"was processed in session {first['session']}; nothing was done" in screen
    assert "found then: " in screen
    assert ": unchanged." in screen
    assert run([*command, "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["status"] == "unchanged"
    assert again["files"][0]["unchanged_since"] == first["session"]
    assert {**again["files"][0], "unchanged_since": None} == {
        **first["files"][0],
        "unchanged_since": None,
    }
