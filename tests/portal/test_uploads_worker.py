"""The background worker: a failure ends an upload as failed with a plain
message (never left running, its files removed), uploads a stopped process was
running are marked interrupted when the worker starts while accepted ones it
never started run then (once), sessions of different authorities run at the
same time, and session_status reads sessions ``cld process`` made too."""

from __future__ import annotations

import datetime as dt
import socket
from pathlib import Path
from typing import Any

import pytest
import upload_children
from django.core.files.uploadedfile import SimpleUploadedFile

from cld.engine.errors import UsageError
from cld.portal.data_area import data_area, registry
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
    monkeypatch.setattr(jobs, "RUN_SESSION", upload_children.broken_session)
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


def test_an_upload_a_stopped_process_was_running_runs_again_once(
    member: Any,
) -> None:
    """The process running an accepted upload died (its server killed): the
    next start takes the upload up again, with the files it kept, under the same
    session id; one with nothing left to run is failed, saying why."""
    area = data_area()
    left = []
    for number, worker in enumerate(("", f"{socket.gethostname()}:{2**22 + 1}")):
        session_id = f"20250101T000000Z-CAM-a0000{number}"
        Upload.objects.create(
            session_id=session_id,
            la="CAM",
            submitted_by="x",
            status=Upload.Status.RUNNING,
            worker=worker,  # none, or a process that is not running
        )
        folder = upload_folder(area, session_id) / "1"
        folder.mkdir(parents=True)
        (folder / "SSDA903_2024_header.csv").write_bytes(GOOD)
        left.append(session_id)
    registry().start_session(  # the dead process had started the first's session
        left[0], "CAM", by="x", received_at=dt.datetime.now(dt.UTC), policy_version=1
    )
    emptied = Upload.objects.create(
        session_id="20250101T000000Z-CAM-f0000f",
        la="CAM",
        submitted_by="x",
        status=Upload.Status.RUNNING,
        worker="",  # and its files are gone
    )
    elsewhere = Upload.objects.create(
        session_id="20250101T000000Z-CAM-e0000e",
        la="CAM",
        submitted_by="x",
        status=Upload.Status.RUNNING,
        worker="another-machine:1",  # that machine's to judge
    )
    done = Upload.objects.create(
        session_id="20250101T000000Z-CAM-d0000e",
        la="CAM",
        submitted_by="x",
        status=Upload.Status.PUBLISHED,
    )

    stop_worker()  # as if the process had stopped; the next start finds them
    start_worker()

    for session_id in left:
        status = wait(session_id)
        assert status is not None
        assert status["status"] in ("published", "archived", "unchanged"), status
        assert not upload_folder(area, session_id).exists()
        started = [
            e
            for e in registry().events("session_started")
            if e.detail["session"] == session_id
        ]
        assert len(started) == (2 if session_id == left[0] else 1)
    again = registry().events("session_started")
    assert [e.detail.get("again") for e in again if e.detail["session"] == left[0]] == [
        None,
        "after an interruption",
    ]
    upload = Upload.objects.get(pk=emptied.pk)
    assert upload.status == "failed" and "interrupted" in upload.error
    assert Upload.objects.get(pk=done.pk).status == "published"
    assert Upload.objects.get(pk=elsewhere.pk).status == "running"
    Upload.objects.filter(pk=elsewhere.pk).delete()


def test_an_accepted_upload_runs_after_a_restart_once(
    member: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    stop_worker()
    wake = jobs.wake
    monkeypatch.setattr(jobs, "wake", lambda: None)  # the process dies after 202
    upload = queue(member)
    assert Upload.objects.get(pk=upload.pk).status == "queued"
    assert upload_folder(data_area(), upload.session_id).is_dir()
    monkeypatch.setattr(jobs, "wake", wake)

    start_worker()  # a new process starts
    status = wait(upload.session_id)
    assert status is not None and status["status"] in (
        "published",
        "archived",
        "unchanged",
    )
    stop_worker()  # and again: nothing runs twice
    start_worker()
    assert Upload.objects.get(pk=upload.pk).status == status["status"]
    assert [s.id for s in registry().sessions("CAM")].count(upload.session_id) == 1
    recorded = [
        e.action
        for e in registry().events()
        if e.action.startswith("session_")
        and (e.detail or {}).get("session") == upload.session_id
    ]
    assert recorded == ["session_started", f"session_{status['status']}"]
    assert not upload_folder(data_area(), upload.session_id).exists()


def test_sessions_of_two_authorities_run_at_the_same_time(
    member: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(upload_children.MEET, str(tmp_path))
    monkeypatch.setenv(jobs.WORKERS_ENV, "2")
    monkeypatch.setattr(jobs, "RUN_SESSION", upload_children.session_meeting_another)
    stop_worker()
    wake = jobs.wake
    monkeypatch.setattr(jobs, "wake", lambda: None)
    uploads = [
        submit(
            [header()],
            authority=registry().authority(la),
            by=member("la-uploader", la=la).username,
            source=None,
        )
        for la in ("CAM", "HAC")
    ]
    monkeypatch.setattr(jobs, "wake", wake)
    start_worker()
    for upload in uploads:
        status = wait(upload.session_id, timeout=120)
        assert status is not None and status["status"] in jobs.FINISHED, status


def test_the_number_of_workers_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(jobs.WORKERS_ENV, raising=False)
    assert jobs.upload_workers() == 2
    monkeypatch.setenv(jobs.WORKERS_ENV, "5")
    assert jobs.upload_workers() == 5
    for bad in ("0", "two", "-1", "1000"):
        monkeypatch.setenv(jobs.WORKERS_ENV, bad)
        with pytest.raises(UsageError, match=jobs.WORKERS_ENV):
            jobs.upload_workers()


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
    stop_worker()
    monkeypatch.setattr(jobs, "wake", lambda: None)  # it waits in the queue
    upload = queue(member)
    seen = session_status(upload.session_id)
    assert seen is not None
    assert seen["status"] == "queued"
    (file,) = seen["files"]
    assert file["file"] == "SSDA903_2022_header.csv" and "stored_as" not in file
    assert file["dataset"] == "ssda903" and file["year"] == 2022
    assert file["tables"] == ["header"] and file["size"] == len(GOOD)
    monkeypatch.undo()
    start_worker()
    final = wait(upload.session_id)
    assert final is not None and final["status"] != "queued"


def test_the_private_folder_is_private(member: Any, tmp_path: Path) -> None:
    upload = queue(member)
    folder = upload_folder(data_area(), upload.session_id)
    if folder.exists():  # the worker may have finished already
        assert folder.stat().st_mode & 0o077 == 0
    wait(upload.session_id)
    assert not folder.exists()
