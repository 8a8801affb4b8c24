"""The same file uploaded again, with nothing changed since, is not processed
again: the upload is "Unchanged", its pages say which session processed the file
(with a link), and the API gives that session as ``unchanged_since``.

The file is another authority's CIN census, so nothing of it is ever published
and the data area the other tests share is left as it was."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cld.cli.app import run
from cld.portal.data_area import registry
from cld.portal.uploads import jobs
from cld.portal.uploads.models import Upload


@pytest.fixture(scope="module")
def other_authoritys_returns(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Hackney's CIN census of 2021 and 2022."""
    out = tmp_path_factory.mktemp("synthetic-unchanged")
    arguments = ["synth", "--out", str(out), "--la", "HAC", "--years", "2021,2022"]
    options = ["--datasets", "cin_census", "--children", "10", "--seed", "5"]
    assert run([*arguments, *options]) == 0
    return sorted((out / "HAC").glob("*.xml"))


def _upload(client: Client, *paths: Path) -> str:
    files = [SimpleUploadedFile(path.name, path.read_bytes()) for path in paths]
    response = client.post(reverse("upload"), {"returns": files})
    assert response.status_code == 303, response.content.decode()[:2000]
    session_id = str(response["Location"]).rstrip("/").rsplit("/", 1)[-1]
    status = jobs.wait(session_id)
    assert status is not None
    return session_id


def test_an_upload_of_the_same_file_again_is_unchanged(
    member: Any, other_authoritys_returns: list[Path]
) -> None:
    older, other_authoritys_return = other_authoritys_returns
    user = member("la-uploader", la="CAM")
    client = Client()
    client.force_login(user)
    first = _upload(client, other_authoritys_return)
    assert Upload.objects.get(session_id=first).status == "archived"
    again = _upload(client, other_authoritys_return)
    assert Upload.objects.get(session_id=again).status == "unchanged"
    (event,) = [
        e
        for e in registry().events("session_unchanged")
        if e.detail["session"] == again
    ]
    assert event.la == "CAM"

    progress = client.get(reverse("upload-progress", kwargs={"session_id": again}))
    page = progress.content.decode()
    assert progress.status_code == 200 and "Already processed" in page
    assert 'govuk-tag--blue">Unchanged</strong>' in page
    assert reverse("session", kwargs={"session_id": first}) in page

    response = client.get(reverse("session", kwargs={"session_id": again}))
    page = response.content.decode()
    assert response.status_code == 200
    assert ">Unchanged</strong>" in page
    assert f"was processed in session {first}; nothing was done" in page
    assert other_authoritys_return.name in page
    assert reverse("session", kwargs={"session_id": first}) in page
    assert "no issue report of its own" in page
    assert '<h2 class="govuk-heading-m">Files</h2>' in page
    earlier = client.get(reverse("session", kwargs={"session_id": first}))
    assert earlier.status_code == 200 and "Checked, not shared" in earlier.text
    download = reverse("session-issues-csv", kwargs={"session_id": again})
    assert client.get(download).status_code == 404

    listing = client.get(reverse("sessions"))
    rows = {row.session: row for row in listing.context["page"].object_list}
    assert rows[again].status == "unchanged" and rows[again].finished
    assert (rows[again].errors, rows[again].warnings) == (
        rows[first].errors,
        rows[first].warnings,
    )
    assert rows[again].files == [other_authoritys_return.name]
    assert reverse("session", kwargs={"session_id": again}) in listing.text

    status = jobs.session_status(again)
    assert status is not None and status["status"] == "unchanged"
    (entry,) = status["files"]
    assert entry["file"] == other_authoritys_return.name
    assert entry["unchanged_since"] == first
    first_status = jobs.session_status(first)
    assert first_status is not None
    assert "unchanged_since" not in first_status["files"][0]
    assert {**entry, "unchanged_since": None} == {
        **first_status["files"][0],
        "unchanged_since": None,
    }  # what the first session found, issues and all
    assert any(i["code"] == "la_mismatch" for i in entry["issues"])

    mixed = _upload(client, other_authoritys_return, older)
    assert Upload.objects.get(session_id=mixed).status == "archived"
    response = client.get(reverse("session", kwargs={"session_id": mixed}))
    page = response.content.decode()
    assert response.status_code == 200 and "Checked, not shared" in page
    assert "Some files of this upload are the same" in page
    assert reverse("session", kwargs={"session_id": first}) in page
    assert older.name in page and "Issues" in page
    status = jobs.session_status(mixed)
    assert status is not None
    assert [f.get("unchanged_since") for f in status["files"]] == [first, None]
