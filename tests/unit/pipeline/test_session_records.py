"""A session's records read back what they wrote, keep the keys archives and
registries have always held, and read those written by earlier versions."""

from __future__ import annotations

import datetime as dt

import pytest

from cld.engine.rules.run import RulesSummary
from cld.pipeline.published_path import PublishedPath
from cld.pipeline.registry import Registry
from cld.pipeline.session_records import (
    FileEntry,
    ProcessedUnder,
    PublishedTable,
    SessionManifest,
    SessionSummary,
)
from cld.pipeline.session_status import (
    ARCHIVED_STATUSES,
    FINISHED_STATUSES,
    SessionStatus,
)

UNDER = ProcessedUnder(3, "ab" * 32, "key-fingerprint", ("pan", "sufficiency"))
TABLE = PublishedTable(
    where=PublishedPath("pan", "ssda903", 2024, "header"),
    rows=12,
    children=11,
    columns=("child", "sex"),
    file="header.csv",
)
ENTRY = FileEntry(
    name="header.csv",
    dataset="ssda903",
    year=2024,
    tables={"header": 12},
    issues={"error": 1, "warning": 2},
    error=None,
    sha256="cd" * 32,
    published=(TABLE.path,),
    superseded=False,
    unchanged_since=None,
    stored_as="raw/header.csv",
    size=1234,
    year_reason="file name",
    term=None,
    dfe_rules=RulesSummary(("103", "143"), {"146": "needs the episodes table"}, 1, 2),
)

MANIFEST_KEYS = [
    "name",
    "stored_as",
    "size",
    "sha256",
    "dataset",
    "year",
    "year_reason",
    "term",
    "tables",
    "issues",
    "error",
    "dfe_rules",
    "published",
    "superseded",
    "unchanged_since",
]
REGISTRY_KEYS = [
    "file",
    "dataset",
    "year",
    "tables",
    "issues",
    "error",
    "sha256",
    "published",
    "superseded",
    "unchanged_since",
]


def test_a_file_entry_keeps_its_keys_in_both_forms() -> None:
    assert list(ENTRY.to_json()) == MANIFEST_KEYS
    assert list(ENTRY.to_json(brief=True)) == REGISTRY_KEYS
    assert ENTRY.to_json(brief=True)["published"] == ["pan/ssda903/2024/header.parquet"]


def test_a_file_entry_reads_back_what_it_wrote() -> None:
    assert FileEntry.from_json(ENTRY.to_json()) == ENTRY
    brief = FileEntry.from_json(ENTRY.to_json(brief=True))
    assert brief.name == ENTRY.name and brief.published == ENTRY.published
    assert (brief.stored_as, brief.size, brief.year_reason) == (None, None, None)


def test_an_old_entry_is_read_and_never_taken_as_unchanged() -> None:
    """A manifest's entry as the first version wrote it: no outcome kept."""
    old = {
        "name": "header.csv",
        "stored_as": "raw/header.csv",
        "size": 10,
        "sha256": "ef" * 32,
        "dataset": "ssda903",
        "year": 2023,
        "term": None,
        "tables": {"header": 3},
        "issues": {"error": 0, "warning": 0},
        "error": None,
    }
    entry = FileEntry.from_json(old)
    assert (entry.name, entry.year, entry.tables) == ("header.csv", 2023, {"header": 3})
    assert entry.published is None and entry.superseded is None
    assert entry.processed
    report = entry.as_report()
    assert (report.file, report.dataset, report.issues.height) == (
        "header.csv",
        "ssda903",
        0,
    )
    assert entry.dfe_rules is None and report.rules is None  # not kept then


def test_a_summary_reads_back_what_it_wrote() -> None:
    summary = SessionSummary(
        under=UNDER,
        files=(ENTRY,),
        published=(TABLE,),
        notes={"other.csv": "the file names another authority"},
    )
    data = summary.to_json()
    assert list(data) == [
        "policy",
        "pseudonym_key",
        "use_cases",
        "files",
        "published",
        "notes",
    ]
    assert data["policy"] == {"version": 3, "sha256": "ab" * 32}
    again = SessionSummary.from_json(data)
    assert again.under == UNDER
    assert again.published == (TABLE.__class__(TABLE.where, 12, 11, ("child", "sex")),)
    assert again.notes == summary.notes
    assert [f.to_json(brief=True) for f in again.files] == data["files"]


def test_old_and_failed_summaries_are_read() -> None:
    old = SessionSummary.from_json({"use_cases": ["pan"], "files": [], "notes": {}})
    assert old.under is None  # never matched for re-processing
    failed = SessionSummary.failed("ReaderStoppedError")
    assert failed.to_json() == {"error": "ReaderStoppedError"}
    assert SessionSummary.from_json(failed.to_json()).error == "ReaderStoppedError"
    for nothing in (None, {"tables": 3}, {"files": "not a list"}):
        assert SessionSummary.from_json(nothing).files == ()


def test_a_manifest_reads_back_what_it_wrote() -> None:
    at = dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC)
    manifest = SessionManifest(
        session="20260501T093000Z-CAM-abcdef",
        la="CAM",
        submitted_by="uploader",
        received_at=at,
        under=UNDER,
        notes={},
        finished_at=at,
        files=(ENTRY,),
        published=(TABLE,),
        contents={"raw/header.csv": "00" * 32},
    )
    data = manifest.to_json()
    assert data["use_cases_in_force"] == ["pan", "sufficiency"]
    assert data["received_at"] == "2026-05-01T09:30:00+00:00"
    again = SessionManifest.from_json(data)
    assert again.files == (ENTRY,) and again.under == UNDER
    assert again.contents == manifest.contents
    with pytest.raises(ValueError, match="no files"):
        SessionManifest.from_json({"session": "x"})


def test_the_registry_keeps_only_known_statuses(registry: Registry) -> None:
    at = dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC)
    registry.start_session("s1", "CAM", by="t", received_at=at, policy_version=1)
    with pytest.raises(ValueError, match="'done'"):
        registry.finish_session(
            "s1",
            status="done",  # type: ignore[arg-type]  # what a wrong caller passes
            summary={},
            by="t",
        )
    summary = SessionSummary(under=UNDER, files=(ENTRY,), published=(TABLE,))
    registry.finish_session(
        "s1", status=SessionStatus.PUBLISHED, summary=summary, by="t"
    )
    (record,) = registry.sessions("CAM")
    assert record.status is SessionStatus.PUBLISHED
    assert record.summary == summary.to_json()
    assert record.outcome.files == (
        ENTRY.__class__.from_json(ENTRY.to_json(brief=True)),
    )
    assert SessionStatus.UNCHANGED not in ARCHIVED_STATUSES
    assert set(ARCHIVED_STATUSES) < set(FINISHED_STATUSES)
