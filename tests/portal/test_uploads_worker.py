"""The background worker: a failure ends an upload as failed with a plain
message (never left running, its files removed), uploads a stopped process left
are marked interrupted when the worker starts, and session_status reads
sessions ``cld process`` made too."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cld.engine.errors import UsageError
from cld.portal.audit import data_area, registry
from cld.portal.uploads import jobs
from cld.portal.uploads.jobs import (
    session_status,
    start_worker,
    stop_worker,
    submit,
    upload_folder,
    wait,
)
from cld.portal.uploads.models import Upload

GOOD = b"CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n1,1,01/01/2010,WBRI,A123456789012,,\n"


def header() -> SimpleUploadedFile:
    return SimpleUploadedFile("SSDA903_2022_header.csv", GOOD)


def queue(member: Any) -> Upload:
    user = member("la-uploader", la="CAM")
    return submit(
        [header()],
        authority=registry().authority("CAM"),
        by=user.username,
        source="192.0.2.1",
    )


def test_a_fault_fails_the_upload_with_a_plain_message(
    member: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, on_stage: Any, **kwargs: Any) -> Any:
        on_stage("receive")
        on_stage("identify")
        raise RuntimeError("a value from row 7 that must not be shown")

    monkeypatch.setattr(jobs, "process_files", broken)
    upload = queue(member)
    status = wait(upload.session_id)
    assert status is not None and status["status"] == "failed"
    assert status["stage"] == "identify"
    assert "row 7" not in status["error"]
    assert "stopped at the identify stage" in status["error"]
    assert "Nothing was published" in status["error"]
    failed = Upload.objects.get(pk=upload.pk)
    assert failed.finished_at is not None
    assert not upload_folder(data_area(), upload.session_id).exists()
    event = registry().events("upload_failed")[-1]
    assert event.detail == {
        "session": upload.session_id,
        "stage": "identify",
        "error": "RuntimeError",
    }


def test_without_the_pseudonym_key_nothing_is_processed(
    member: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLD_PSEUDONYM_KEY")
    upload = queue(member)
    status = wait(upload.session_id)
    assert status is not None and status["status"] == "failed"
    assert "CLD_PSEUDONYM_KEY is not set" in status["error"]
    assert not any(s.id == upload.session_id for s in registry().sessions("CAM"))


def test_an_upload_a_stopped_process_left_is_marked_interrupted(
    member: Any,
) -> None:
    area = data_area()
    left = []
    for number, state in enumerate((Upload.Status.QUEUED, Upload.Status.RUNNING)):
        session_id = f"20250101T000000Z-CAM-a0000{number}"
        Upload.objects.create(
            session_id=session_id, la="CAM", submitted_by="x", status=state
        )
        folder = upload_folder(area, session_id) / "1"
        folder.mkdir(parents=True)
        (folder / "SSDA903_2024_header.csv").write_bytes(GOOD)
        left.append(session_id)
    done = Upload.objects.create(
        session_id="20250101T000000Z-CAM-d0000e",
        la="CAM",
        submitted_by="x",
        status=Upload.Status.PUBLISHED,
    )

    stop_worker()  # as if the process had stopped; the next start finds them
    start_worker()

    for session_id in left:
        upload = Upload.objects.get(session_id=session_id)
        assert upload.status == "failed"
        assert "interrupted" in upload.error
        assert upload.finished_at is not None
        assert not upload_folder(area, session_id).exists()
        status = session_status(session_id)
        assert status is not None and status["status"] == "failed"
    assert Upload.objects.get(pk=done.pk).status == "published"


def test_the_status_of_a_session_cld_process_made(member: Any) -> None:
    record = next(s for s in registry().sessions("HAC") if s.status == "published")
    status = session_status(record.id)
    assert status is not None
    assert status["la"] == "HAC" and status["status"] == "published"
    assert status["submitted_by"] == record.submitted_by
    assert dt.datetime.fromisoformat(status["received_at"]) == record.received_at
    assert status["stage"] is None and status["error"] is None
    files = status["files"]
    assert files and all(set(f) >= {"file", "dataset", "year", "issues"} for f in files)
    assert all("/" not in f["file"] for f in files)
    assert session_status("20250101T000000Z-HAC-ffffff") is None
    assert session_status("../../etc") is None


def test_a_queued_upload_says_what_identification_found(
    member: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[dict[str, Any] | None] = []

    def look(*args: Any, session_id: str, **kwargs: Any) -> Any:
        seen.append(session_status(session_id))
        raise UsageError("stopped for the test")

    monkeypatch.setattr(jobs, "process_files", look)
    upload = queue(member)
    wait(upload.session_id)
    assert seen and seen[0] is not None
    assert seen[0]["status"] == "queued"
    (file,) = seen[0]["files"]
    assert file["file"] == "SSDA903_2022_header.csv" and "stored_as" not in file
    assert file["dataset"] == "ssda903" and file["year"] == 2022
    assert file["tables"] == ["header"] and file["size"] == len(GOOD)
    final = session_status(upload.session_id)
    assert final is not None and "stopped for the test" in final["error"]


def test_the_private_folder_is_private(member: Any, tmp_path: Path) -> None:
    upload = queue(member)
    folder = upload_folder(data_area(), upload.session_id)
    if folder.exists():  # the worker may have finished already
        assert folder.stat().st_mode & 0o077 == 0
    wait(upload.session_id)
    assert not folder.exists()
