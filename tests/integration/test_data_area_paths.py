"""Every command as a person types it, with the data area named relative to the
working folder, absolutely, or through ``..``: each change keeps what it does not
change (earlier years and tables of the authority, the last outputs build)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from platform_builders import allow, files_of

from cld.cli.app import run
from cld.pipeline.data_area import SNAPSHOTS, DataArea
from cld.pipeline.publish import current_files
from cld.pipeline.registry import open_registry


def _spell(spelling: str, tmp_path: Path) -> str:
    return {
        "relative": "data",
        "absolute": str(tmp_path / "data"),
        "dotdot": "work/../data",
    }[spelling]


def _snapshots(area: DataArea, la: str) -> list[Path]:
    """The snapshot folders kept of ``la`` (not lease files)."""
    folder = area.current / SNAPSHOTS / la
    return [p for p in sorted(folder.iterdir()) if not p.name.startswith(".")]


def _outputs(folder: Path) -> dict[str, bytes]:
    """The files of the build ``folder`` (outputs/<use case>) points to."""
    return {p.name: p.read_bytes() for p in sorted(folder.resolve().iterdir())}


@pytest.mark.parametrize("spelling", ["relative", "absolute", "dotdot"])
def test_every_command_keeps_what_it_does_not_change_whatever_the_path(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    synthetic: Path,
    database: str,
    pseudonym_key: str,
    capsys: pytest.CaptureFixture[str],
    spelling: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "work").mkdir()
    dd = ["--data-dir", _spell(spelling, tmp_path)]
    area = DataArea(tmp_path / "data")
    assert run(["init", *dd]) == 0
    registry = open_registry(area.registry_file)
    allow(registry, "CAM", "pan", "sufficiency")
    allow(registry, "HAC", "pan")

    def process(la: str, year: int) -> None:
        assert (
            run(["process", *dd, "--la", la, *map(str, files_of(synthetic, la, year))])
            == 0
        )

    process("CAM", 2023)
    first = set(current_files(area, "CAM"))
    assert any("/2023/" in rel for rel in first)
    process("CAM", 2024)
    second = set(current_files(area, "CAM"))
    assert first < second  # 2023's tables are still published beside 2024's
    assert any("/2024/" in rel for rel in second)
    assert _snapshots(area, "CAM") == [area.la_current("CAM").resolve()]

    assert run(["outputs", *dd]) == 0
    before = _outputs(area.outputs / "pan")
    process("HAC", 2023)  # a new authority: the next build differs
    assert run(["outputs", *dd]) == 0
    after = _outputs(area.outputs / "pan")
    assert after["manifest.json"] != before["manifest.json"]
    las = json.loads(after["manifest.json"])["las"]
    assert las == ["CAM", "HAC"]
    assert run(["outputs", *dd, "--use-case", "sufficiency"]) == 0
    assert _outputs(area.outputs / "pan") == after  # another use case's build

    capsys.readouterr()
    assert run(["sessions", "verify", *dd]) == 0
    assert "✗" not in capsys.readouterr().out

    # 2023's pan and sufficiency tables expire; 2024's stay
    assert run(["retention", "apply", *dd, "--on", "2030-06-01"]) == 0
    kept = set(current_files(area, "CAM"))
    assert kept == {rel for rel in second if "/2023/" not in rel}
    assert kept

    assert run(["governance", "withdraw", *dd, "--la", "CAM", "--use-case", "pan"]) == 0
    left = set(current_files(area, "CAM"))
    assert left == {rel for rel in kept if not rel.startswith("pan/")}
    assert left and all(rel.startswith("sufficiency/") for rel in left)
    assert run(["outputs", *dd]) == 0
    pan = json.loads(_outputs(area.outputs / "pan")["manifest.json"])
    assert pan["las"] == ["HAC"]
