"""The outputs manifest is read and written in one place, in the keys every build
so far has written; each fingerprint is worked out as builds before the records
did (so their builds are kept)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from cld.pipeline.outputs.fingerprints import (
    OUTPUTS_FORMAT,
    build_fingerprint,
    content_key,
    report_fingerprint,
    table_fingerprint,
)
from cld.pipeline.outputs.outputs_manifest import (
    MANIFEST,
    DisclosureStamp,
    OutputsManifest,
    PolicyStamp,
    ReportEntry,
    read_manifest_document,
    read_outputs_manifest,
    write_outputs_manifest,
)
from cld.pipeline.outputs.pooled import PublishedFile, TableFiles
from cld.pipeline.outputs.reports import reports_of
from cld.pipeline.outputs.summaries import TableSummary
from cld.pipeline.published_path import PublishedPath

MANIFEST_KEYS = {
    "use_case",
    "title",
    "policy",
    "disclosure",
    "last_upload",
    "snapshots",
    "fingerprint",
    "las",
    "years",
    "tables",
    "table_fingerprints",
    "reports",
}


def _manifest() -> OutputsManifest:
    return OutputsManifest(
        use_case="pan",
        title="Pan-London",
        policy=PolicyStamp(3, "ab" * 32),
        disclosure=DisclosureStamp("small-numbers", "Counts under 5 are hidden."),
        fingerprint="cd" * 32,
        las=("CAM", "HAC"),
        years=(2023, 2024),
        tables={
            "ssda903_episodes": TableSummary(10, ("CAM", "HAC"), (2023, 2024), "x"),
            "pan_summary_summary": TableSummary(4, ("CAM",), (2024,), "report"),
        },
        last_upload={"CAM": "2024-06-01T10:00:00+00:00", "HAC": None},
        snapshots={"CAM": "s-1", "HAC": None},
        table_fingerprints={"ssda903_episodes": "ef" * 32},
        reports={"pan_summary": ReportEntry("01" * 32, ("pan_summary_summary",))},
    )


def test_a_manifest_reads_back_as_written_in_its_keys(tmp_path: Path) -> None:
    manifest = _manifest()
    path = write_outputs_manifest(tmp_path, manifest)
    assert path == tmp_path / MANIFEST
    written = json.loads(path.read_text("utf-8"))
    assert set(written) == MANIFEST_KEYS
    assert written["policy"] == {"version": 3, "sha256": "ab" * 32}
    assert written["tables"]["ssda903_episodes"] == {
        "rows": 10,
        "las": ["CAM", "HAC"],
        "years": [2023, 2024],
        "kind": "x",
    }
    assert written["reports"] == {
        "pan_summary": {"fingerprint": "01" * 32, "tables": ["pan_summary_summary"]}
    }
    assert path.read_text("utf-8") == json.dumps(written, indent=2, sort_keys=True)
    assert read_outputs_manifest(tmp_path) == manifest
    assert read_manifest_document(tmp_path) == written


def test_a_manifest_from_before_snapshots_and_fingerprints_reads(
    tmp_path: Path,
) -> None:
    older = _manifest().to_json()
    for key in ("snapshots", "table_fingerprints", "reports"):
        del older[key]
    (tmp_path / MANIFEST).write_text(json.dumps(older), "utf-8")
    read = read_outputs_manifest(tmp_path)
    assert read is not None
    assert read.snapshots is None
    assert read.table_fingerprints == {} and read.reports == {}
    assert read.tables == _manifest().tables


@pytest.mark.parametrize(
    "text", ["", "not json", "[]", '{"use_case": "pan"}', '{"las": "CAM"}']
)
def test_what_is_not_a_manifest_reads_as_none(tmp_path: Path, text: str) -> None:
    assert read_outputs_manifest(tmp_path) is None  # no file at all
    (tmp_path / MANIFEST).write_text(text, "utf-8")
    assert read_outputs_manifest(tmp_path) is None


def _sha(state: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()


def test_the_fingerprints_are_those_earlier_builds_recorded(tmp_path: Path) -> None:
    """Each fingerprint is the sha256 of the JSON builds have always hashed: a
    change here would rebuild every use case's outputs for nothing."""
    cam, hac = tmp_path / "cam.parquet", tmp_path / "hac.parquet"
    group = TableFiles("ssda903", "episodes", {("HAC", 2024): hac, ("CAM", 2023): cam})
    digests = {cam: "c" * 64, hac: "h" * 64}
    kept = {"CHILD": 1, "DECOM": 2}
    assert table_fingerprint("pan", "p" * 64, group, kept, digests) == _sha(
        {
            "format": OUTPUTS_FORMAT,
            "use_case": "pan",
            "policy": "p" * 64,
            "table": "ssda903_episodes",
            "kept": ["CHILD", "DECOM"],
            "files": {
                "CAM/pan/ssda903/2023/episodes.parquet": "c" * 64,
                "HAC/pan/ssda903/2024/episodes.parquet": "h" * 64,
            },
        }
    )
    assert content_key(group, kept, digests) == _sha(
        {
            "format": OUTPUTS_FORMAT,
            "table": "ssda903_episodes",
            "kept": ["CHILD", "DECOM"],
            "files": {"CAM/2023": "c" * 64, "HAC/2024": "h" * 64},
        }
    )
    published = [
        PublishedFile("HAC", PublishedPath("pan", "ssda903", 2024, "episodes"), hac),
        PublishedFile("CAM", PublishedPath("pan", "ssda903", 2023, "episodes"), cam),
    ]
    snapshots = {"CAM": "s-1", "HAC": None}
    assert build_fingerprint("pan", "p" * 64, snapshots, published) == _sha(
        {
            "format": OUTPUTS_FORMAT,
            "use_case": "pan",
            "policy": "p" * 64,
            "snapshots": snapshots,
            "files": [
                "CAM/pan/ssda903/2023/episodes.parquet",
                "HAC/pan/ssda903/2024/episodes.parquet",
            ],
        }
    )
    report = reports_of("pan")[0]
    tables = {report.reads[0]: "t" * 64}
    assert report_fingerprint(report, tables, "rule", "words") == _sha(
        {
            "format": OUTPUTS_FORMAT,
            "report": report.name,
            "tables": {name: tables.get(name) for name in report.reads},
            "disclosure": {"rule": "rule", "description": "words"},
        }
    )
