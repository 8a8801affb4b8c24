"""Uploads are identified and processed in child processes: a reader that dies
(a hostile workbook can make calamine abort) refuses the upload or fails its
session, recorded, with its raw files removed, and the server goes on. What dead
processes leave is cleared when the worker starts."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import upload_children
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cld.pipeline.registry.store import now
from cld.portal.accounts.models import Token
from cld.portal.data_area import data_area, registry
from cld.portal.uploads import jobs, receive
from cld.portal.uploads.jobs import start_worker, stop_worker, submit, upload_folder
from cld.portal.uploads.models import Upload

HEADER = b"CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
GOOD = HEADER + b"1,1,01/01/2010,WBRI,A123456789012,,\n"
MARKED = HEADER + b"1,1,01/01/2010,WBRI," + upload_children.MARK + b",,\n"
GONE = 2**22 + 1
"""A process id no process has (above Linux's largest)."""


def portal_files(data_dir: Path) -> list[Path]:
    folder = data_dir / "incoming" / receive.PORTAL_INCOMING
    return [p for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []


def test_a_reader_that_aborts_while_identifying_refuses_the_upload(
    member: Any, monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    monkeypatch.setattr(receive, "IDENTIFY", upload_children.identify_or_abort)
    _, secret = Token.issue(member("la-uploader", la="CAM"))
    before = len(registry().events("upload_refused"))
    response = Client().post(
        "/api/v1/uploads",
        {
            "files": [
                SimpleUploadedFile("SSDA903_2024_header.csv", GOOD),
                SimpleUploadedFile("SSDA903_2024_episodes.xlsx", MARKED),
            ]
        },
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 415
    assert response.json()["error"] == (
        "SSDA903_2024_episodes.xlsx: the file could not be read: the reader "
        "stopped unexpectedly"
    )
    (event,) = registry().events("upload_refused")[before:]
    assert event.outcome == "refused" and event.la == "CAM"
    assert "reader stopped unexpectedly" in str(event.detail["reason"])
    assert not Upload.objects.exists()
    assert portal_files(data_dir) == []
    # the server (this process) is still here and still takes uploads
    monkeypatch.undo()
    ok = Client().post(
        "/api/v1/uploads",
        {"files": [SimpleUploadedFile("SSDA903_2024_header.csv", GOOD)]},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert ok.status_code == 202
    jobs.wait(ok.json()["session"])


def test_a_reader_killed_while_processing_fails_the_session(
    member: Any, monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    monkeypatch.setattr(jobs, "RUN_SESSION", upload_children.session_or_kill)
    upload = submit(
        [SimpleUploadedFile("SSDA903_2024_header.csv", MARKED)],
        authority=registry().authority("CAM"),
        by=member("la-uploader", la="CAM").username,
        source=None,
    )
    status = jobs.wait(upload.session_id)
    assert status is not None and status["status"] == "failed"
    assert status["stage"] == "parse"
    assert (
        "the file could not be read: the reader stopped unexpectedly"
        in (status["error"])
    )
    event = registry().events("upload_failed")[-1]
    assert event.detail == {
        "session": upload.session_id,
        "stage": "parse",
        "error": "ReaderStoppedError",
    }
    (record,) = [s for s in registry().sessions("CAM") if s.id == upload.session_id]
    assert record.status == "failed"
    assert not upload_folder(data_area(), upload.session_id).exists()
    assert not (data_dir / "incoming" / "CAM" / upload.session_id).exists()
    assert not list((data_dir / "sessions" / "CAM").glob(f".{upload.session_id}*"))
    assert os.getpid()  # still here


def test_start_up_clears_what_dead_processes_left(member: Any, data_dir: Path) -> None:
    area = data_area()
    portal = data_dir / "incoming" / receive.PORTAL_INCOMING

    def leave(path: Path, *names: str) -> Path:
        path.mkdir(parents=True, exist_ok=True)
        for name in names:
            (path / name).write_bytes(GOOD)
        return path

    dead = [
        leave(portal / f".receiving-{GONE}-abc", "1.part", "2.part"),
        leave(portal / f".accepting-{GONE}-20250101T000000Z-CAM-0a0a0a" / "1", "a.csv"),
        leave(portal / f".download-{GONE}-xyz", "r.csv"),
        leave(portal / ".receiving-old", "1.part"),  # named before ids were
        leave(portal / "20250101T000000Z-CAM-0b0b0b" / "1", "a.csv"),  # no job
        leave(data_dir / "incoming" / "CAM" / "20250101T000000Z-CAM-0c0c0c", "a.csv"),
    ]
    alive = leave(portal / f".receiving-{os.getpid()}-live", "1.part")
    drop_zone = leave(data_dir / "incoming" / "new" / "CAM", "waiting.csv")
    queued = Upload.objects.create(
        session_id="20250101T000000Z-CAM-0d0d0d", la="CAM", submitted_by="x"
    )
    kept = leave(upload_folder(area, queued.session_id) / "1", "a.csv")
    interrupted = "20250101T000000Z-CAM-0e0e0e"
    registry().start_session(
        interrupted, "CAM", by="x", received_at=now(), policy_version=1
    )
    before = len(registry().events("leftovers_removed"))
    stop_worker()
    try:
        jobs.start_up()  # the worker's start, without taking jobs
        assert not any(path.exists() for path in dead)
        assert alive.exists() and drop_zone.exists() and kept.exists()
        events = registry().events("leftovers_removed")[before:]
        counts = {e.detail["kind"]: e.detail["files"] for e in events}
        assert counts == {
            "receiving": 3,
            "accepting": 1,
            "download": 1,
            "upload": 1,
            "session": 1,
        }
        assert all(set(e.detail) == {"kind", "folders", "files"} for e in events)
        (record,) = [s for s in registry().sessions("CAM") if s.id == interrupted]
        assert record.status == "interrupted"
    finally:
        Upload.objects.filter(pk=queued.pk).delete()
        shutil.rmtree(alive, ignore_errors=True)
        shutil.rmtree(upload_folder(area, queued.session_id), ignore_errors=True)
        (drop_zone / "waiting.csv").unlink()
        start_worker()
