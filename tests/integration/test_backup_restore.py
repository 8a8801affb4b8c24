"""Backing up and restoring a data area (docs/data-area.md): a copy that keeps
its links works as the original; a copy made by following the links (``cp -rL``,
some backups) has folders where ``current/<LA>`` and ``outputs/<use case>`` should
be links, and every command refuses it, saying so, instead of reading it as an
area where nothing is published."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from platform_builders import allow, files_of

from cld.cli.app import run
from cld.pipeline.data_area import DataArea
from cld.pipeline.publish import current_files
from cld.pipeline.registry import open_registry


@pytest.fixture
def original(
    tmp_path: Path, database: str, pseudonym_key: str, synthetic: Path
) -> DataArea:
    """An area where CAM has published two years and pan is built."""
    area = DataArea(tmp_path / "live" / "data")
    dd = ["--data-dir", str(area.root)]
    assert run(["init", *dd]) == 0
    allow(open_registry(area.registry_file), "CAM", "pan")
    for year in (2023, 2024):
        files = [str(p) for p in files_of(synthetic, "CAM", year)]
        assert run(["process", *dd, "--la", "CAM", *files]) == 0
    assert run(["outputs", *dd]) == 0
    return area


def _pan(area: DataArea) -> dict[str, object]:
    data: dict[str, object] = json.loads(
        (area.outputs / "pan" / "manifest.json").read_text("utf-8")
    )
    return data


@pytest.mark.parametrize(
    "copy",
    [
        ["cp", "-a"],
        ["tar"],
        ["shutil.copytree(symlinks=True)"],
    ],
    ids=["cp -a", "tar", "copytree keeping links"],
)
def test_a_copy_that_keeps_its_links_works_as_the_original(
    original: DataArea,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    copy: list[str],
) -> None:
    restored = tmp_path / "restored" / "data"
    restored.parent.mkdir()
    if copy[0] == "cp":
        subprocess.run([*copy, str(original.root), str(restored)], check=True)
    elif copy[0] == "tar":
        archive = tmp_path / "backup.tar"
        subprocess.run(
            ["tar", "-C", str(original.root.parent), "-cpf", str(archive), "data"],
            check=True,
        )
        subprocess.run(
            ["tar", "-C", str(restored.parent), "-xpf", str(archive)], check=True
        )
    else:
        shutil.copytree(original.root, restored, symlinks=True)
    area = DataArea(restored)
    assert area.la_current("CAM").is_symlink()
    assert set(current_files(area, "CAM")) == set(current_files(original, "CAM"))
    capsys.readouterr()
    dd = ["--data-dir", str(restored)]
    assert run(["sessions", "verify", *dd]) == 0
    assert "✗" not in capsys.readouterr().out
    assert run(["outputs", *dd]) == 0
    assert _pan(area)["las"] == ["CAM"] and _pan(area)["years"] == [2023, 2024]


def test_a_copy_that_followed_its_links_is_refused_saying_why(
    original: DataArea, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    restored = tmp_path / "restored" / "data"
    shutil.copytree(original.root, restored, symlinks=False)  # as cp -rL does
    assert not (restored / "current" / "CAM").is_symlink()
    dd = ["--data-dir", str(restored)]
    for command in (
        ["outputs", *dd],
        ["sessions", "verify", *dd],
        ["retention", "apply", *dd],
        ["process", *dd, "--la", "CAM", str(tmp_path / "nothing.csv")],
    ):
        capsys.readouterr()
        assert run(command) == 2, command
        err = capsys.readouterr().err
        message = " ".join(err.split())
        assert str(restored / "current" / "CAM") in "".join(err.split())
        assert "CAM is a folder, not a link" in message
        assert "current/<LA> should be a symbolic link to a snapshot" in message
        assert "cp -a" in message
    # nothing was built from the copy, and the original is untouched
    assert (restored / "outputs" / "pan").is_dir()
    assert set(current_files(original, "CAM"))


def test_a_build_link_copied_as_a_folder_or_pointing_nowhere_is_refused(
    original: DataArea, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    restored = DataArea(tmp_path / "restored" / "data")
    shutil.copytree(original.root, restored.root, symlinks=True)
    build = (restored.outputs / "pan").resolve()
    shutil.rmtree(build)  # a partial copy: the build the link names is missing
    capsys.readouterr()
    assert run(["outputs", "--data-dir", str(restored.root)]) == 2
    message = " ".join(capsys.readouterr().err.split())
    assert "is a link to a snapshot that is missing" in message
    assert "outputs/<use case> should be a symbolic link" in message
    (restored.outputs / "pan").unlink()
    shutil.copytree(original.outputs / "pan", restored.outputs / "pan")
    assert run(["outputs", "--data-dir", str(restored.root)]) == 2
    err = capsys.readouterr().err
    assert str(restored.outputs / "pan") in "".join(err.split())
    assert "pan is a folder, not a link" in " ".join(err.split())
