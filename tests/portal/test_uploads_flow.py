"""An uploader's files, end to end through the portal: received and identified in
the request, processed on the worker thread, published, and their issues on the
session page, filtered, sorted and paged."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from platform_builders import ssda903_files

from cld.cli.app import run
from cld.portal.data_area import registry
from cld.portal.uploads import jobs
from cld.portal.uploads.models import Upload

YEAR = 2023
MESSY_YEAR = 2021
"""Years the test area's sessions are not for, and each table is uploaded once:
every session published stays current (the other tests count on it)."""


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synthetic-uploads")
    arguments = ["synth", "--out", str(out), "--la", "CAM", "--years", str(YEAR)]
    options = ["--datasets", "ssda903", "--children", "20", "--seed", "11"]
    assert run([*arguments, *options]) == 0
    return out


@pytest.fixture(scope="module")
def returns(synthetic: Path) -> list[Path]:
    """Camden's synthetic SSDA903 header and episodes for the year."""
    return ssda903_files(synthetic, "CAM", YEAR, "header", "episodes")


def as_uploads(paths: list[Path]) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(p.name, p.read_bytes()) for p in paths]


def messy_header(children: int) -> SimpleUploadedFile:
    """A header file whose every row has a bad sex code and a date that does not
    exist: two errors a row."""
    rows = [f"{n},7,31/02/2012,WBRI,A{n:012d},," for n in range(1, children + 1)]
    text = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n" + "\n".join(rows) + "\n"
    return SimpleUploadedFile(f"SSDA903_{MESSY_YEAR}_header.csv", text.encode())


def uploader(member: Any, la: str = "CAM") -> tuple[Client, Any]:
    user = member("la-uploader", la=la)
    client = Client()
    client.force_login(user)
    return client, user


def upload(client: Client, files: list[SimpleUploadedFile]) -> str:
    """Upload ``files``; the session id the portal answers with."""
    response = client.post(reverse("upload"), {"returns": files})
    assert response.status_code == 303, response.content.decode()[:2000]
    session_id = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert response["Location"] == reverse(
        "upload-progress", kwargs={"session_id": session_id}
    )
    return session_id


def test_the_upload_page_is_a_multiple_file_form(member: Any) -> None:
    client, _ = uploader(member)
    page = client.get(reverse("upload")).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file"' in page and "multiple" in page
    assert 'class="govuk-file-upload"' in page
    assert 'src="/static/portal/upload.js"' in page and 'type="module"' in page
    assert 'name="authority"' not in page  # an LA uploader uploads for their own


def test_an_upload_is_processed_on_the_worker_and_published(
    member: Any, returns: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, user = uploader(member)
    session_id = upload(client, as_uploads(returns))

    queued = Upload.objects.get(session_id=session_id)
    assert queued.la == "CAM" and queued.submitted_by == user.username
    assert [f["name"] for f in queued.files] == [p.name for p in returns]
    assert {f["dataset"] for f in queued.files} == {"ssda903"}
    assert {tuple(f["tables"]) for f in queued.files} == {("header",), ("episodes",)}
    assert {f["year"] for f in queued.files} == {YEAR}

    status = jobs.wait(session_id)
    assert status is not None
    assert status["status"] == "published", status
    assert [f["file"] for f in status["files"]] == [p.name for p in returns]
    assert all(f["error"] is None for f in status["files"])

    done = Upload.objects.get(session_id=session_id)
    assert done.status == "published" and done.finished_at is not None
    assert done.stage == "publish" and done.error == ""
    assert done.worker == jobs.WORKER_ID  # this process's worker, in a child

    received = registry().events("upload_received")[-1]
    assert received.actor == user.username and received.la == "CAM"
    assert received.source == "127.0.0.1"
    assert received.detail["session"] == session_id
    files = cast("list[dict[str, str | int]]", received.detail["files"])
    assert [f["name"] for f in files] == [p.name for p in returns]
    assert [f["size"] for f in files] == [p.stat().st_size for p in returns]
    assert all(len(str(f["sha256"])) == 64 for f in files)

    progress = client.get(reverse("upload-progress", kwargs={"session_id": session_id}))
    page = progress.content.decode()
    assert progress.status_code == 200
    assert 'http-equiv="refresh"' not in page
    assert "Checked and shared" in page
    assert reverse("session", kwargs={"session_id": session_id}) in page

    listing = client.get(reverse("sessions"))
    rows = listing.context["page"].object_list
    assert rows[0].session == session_id and rows[0].status == "published"
    assert rows[0].files == [p.name for p in returns]
    assert rows[0].errors is not None and rows[0].warnings is not None
    assert {row.la for row in rows} == {"CAM"}
    assert [r.received_at for r in rows] == sorted(
        (r.received_at for r in rows), reverse=True
    )


def test_a_queued_upload_refreshes_its_progress_page(member: Any) -> None:
    client, user = uploader(member)
    jobs.start_worker()  # already started: this upload is not a dead one
    session_id = "20250101T000000Z-CAM-abc123"
    Upload.objects.create(
        session_id=session_id,
        la="CAM",
        submitted_by=user.username,
        files=[
            {
                "name": "ssda903 2223 header.csv",
                "size": 10,
                "sha256": "0" * 64,
                "stored_as": "1/ssda903 2223 header.csv",
                "format": "csv",
                "dataset": "ssda903",
                "title": "SSDA903 children looked after return",
                "year": YEAR,
                "year_reason": "from the name",
                "tables": ["header"],
            }
        ],
    )
    response = client.get(reverse("upload-progress", kwargs={"session_id": session_id}))
    page = response.content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "ssda903 2223 header.csv" in page and "SSDA903 children looked after" in page
    assert "style=" not in page and "<script>" not in page
    Upload.objects.filter(session_id=session_id).delete()


def test_the_issue_table_filters_sorts_and_pages(member: Any, synthetic: Path) -> None:
    client, _ = uploader(member)
    reviews = ssda903_files(synthetic, "CAM", YEAR, "reviews")
    assert reviews
    session_id = upload(client, [messy_header(130), *as_uploads(reviews)])
    status = jobs.wait(session_id)
    assert status is not None and status["status"] in ("published", "archived")
    path = reverse("session", kwargs={"session_id": session_id})

    first = client.get(path)
    assert first.status_code == 200
    issues = first.context["issues"]
    assert issues.total >= 260 and issues.pages >= 3
    assert len(issues.rows) == 100 and issues.first == 1
    page = first.content.decode()
    assert 'class="govuk-pagination"' in page and 'aria-current="page"' in page
    assert "is not a valid" in page  # plain-English messages
    assert reverse("session-issues-xlsx", kwargs={"session_id": session_id}) in page

    last = client.get(path, {"page": 999}).context["issues"]
    assert last.page == issues.pages and last.last == issues.total

    dates = client.get(path, {"code": "invalid_date"}).context["issues"]
    assert dates.total == 130
    assert {r["code"] for r in dates.rows} == {"invalid_date"}
    assert all(r["column"] == "DOB" for r in dates.rows)

    header_file = next(f for f in status["files"] if "header" in f["file"])
    assert header_file["file"] == f"SSDA903_{MESSY_YEAR}_header.csv"
    by_column = client.get(path, {"column": "SEX", "severity": "error"})
    # each bad code twice: the platform's issue, and the DfE's rule 101
    assert by_column.context["issues"].total == 260
    by_rule = client.get(path, {"column": "SEX", "code": "dfe_rule"})
    assert by_rule.context["issues"].total == 130
    assert {r["rule"] for r in by_rule.context["issues"].rows} == {"101"}
    assert {r["file"] for r in by_column.context["issues"].rows} == {
        header_file["file"]
    }

    text = client.get(path, {"q": "NOT A valid"}).context["issues"]
    assert 0 < text.total <= issues.total
    nothing = client.get(path, {"q": "no message says this"})
    assert nothing.context["issues"].total == 0
    assert "No issue matches these filters" in nothing.content.decode()

    descending = client.get(path, {"sort": "row", "order": "desc"})
    rows = [r["row"] for r in descending.context["issues"].rows]
    assert rows == sorted(rows, reverse=True) and rows[0] == 131
    assert 'aria-sort="descending"' in descending.content.decode()
    ascending = client.get(
        path, {"sort": "row", "order": "asc", "code": "invalid_date"}
    )
    rows = [r["row"] for r in ascending.context["issues"].rows]
    assert rows == sorted(rows) and rows[0] == 2
    assert 'aria-sort="ascending"' in ascending.content.decode()

    wrong = client.get(path, {"code": "not-a-code"})
    assert wrong.status_code == 200
    assert "govuk-error-summary" in wrong.content.decode()
