"""Hostile and mistaken uploads are refused in the request, each with a message
naming the file and the right status, before anything is kept or queued."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cld.portal.data_area import registry
from cld.portal.uploads.jobs import submit
from cld.portal.uploads.models import Upload
from cld.portal.uploads.receive import PORTAL_INCOMING, UploadRefused, safe_name

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
GOOD = (HEADER + "1,1,01/01/2010,WBRI,A123456789012,,\n").encode()


def padded(name: str, size: int) -> SimpleUploadedFile:
    """A real header file of about ``size`` bytes."""
    row = "1,1,01/01/2010,WBRI,A123456789012,,\n"
    body = HEADER + row * max(1, (size - len(HEADER)) // len(row))
    return SimpleUploadedFile(name, body.encode())


def uploader(member: Any, role: str = "la-uploader", la: str = "CAM") -> Client:
    client = Client()
    client.force_login(member(role, la=la))
    return client


def post(client: Client, *files: SimpleUploadedFile, **fields: str) -> Any:
    return client.post(reverse("upload"), {"returns": list(files), **fields})


def left_behind(data_dir: Path) -> list[Path]:
    folder = data_dir / "incoming" / PORTAL_INCOMING
    return [p for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []


@pytest.mark.parametrize(
    ("name", "content", "status", "says"),
    [
        ("notes.csv", b"shopping,list\nmilk,2\n", 400, "could not tell which return"),
        (
            "SSDA903_2024_header.csv",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
            415,
            "not a text (CSV) file",
        ),
        ("SSDA903_2024_header.csv", b"", 400, "is empty"),
        ("minutes.pdf", b"%PDF-1.7\n binary", 415, "is a PDF"),
        ("SSDA903_header.csv", GOOD, 400, "collection year could not be told"),
        ("CIN_Census_2024.csv", GOOD, 400, "the file name says"),
        ("return.xml", b"<Message><Header/></Message>", 400, "not a return we know"),
    ],
)
def test_a_file_that_is_not_a_return_is_refused_by_name(
    member: Any, data_dir: Path, name: str, content: bytes, status: int, says: str
) -> None:
    client = uploader(member)
    response = post(client, SimpleUploadedFile(name, content))
    page = response.content.decode()
    assert response.status_code == status
    assert "govuk-error-summary" in page and 'href="#id_returns"' in page
    assert name in page and says in page
    assert "govuk-file-upload--error" in page
    assert not Upload.objects.exists()
    assert left_behind(data_dir) == []
    refusal = registry().events("upload_refused")[-1]
    assert refusal.outcome == "refused" and refusal.la == "CAM"
    assert name in str(refusal.detail["reason"])


def test_one_bad_file_refuses_the_whole_upload(member: Any, data_dir: Path) -> None:
    client = uploader(member)
    response = post(
        client,
        SimpleUploadedFile("SSDA903_2024_header.csv", GOOD),
        SimpleUploadedFile("notes.csv", b"a,b\n1,2\n"),
        SimpleUploadedFile("blank.csv", b""),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "2 files were not accepted" in page
    assert "notes.csv" in page and "blank.csv is empty" in page
    assert "Nothing was uploaded" in page
    assert not Upload.objects.exists() and left_behind(data_dir) == []


def test_no_files_is_refused(member: Any) -> None:
    response = post(uploader(member))
    assert response.status_code == 400
    assert "Choose one or more files to upload" in response.content.decode()


def test_a_file_over_the_cap_is_refused_as_it_streams(
    member: Any, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLD_MAX_UPLOAD_MB", str(4 / 1024))  # 4 KB
    client = uploader(member)
    response = post(client, padded("SSDA903_2024_header.csv", 6000))
    page = response.content.decode()
    assert response.status_code == 413
    assert "SSDA903_2024_header.csv is larger than 4 KB" in page
    assert not Upload.objects.exists() and left_behind(data_dir) == []


def test_files_over_the_cap_together_are_refused(
    member: Any, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLD_MAX_UPLOAD_MB", str(4 / 1024))
    client = uploader(member)
    response = post(
        client,
        padded("SSDA903_2024_header.csv", 3000),
        padded("SSDA903_2024_header_again.csv", 3000),
    )
    assert response.status_code == 413
    assert "The files together are larger than 4 KB" in response.content.decode()
    assert not Upload.objects.exists() and left_behind(data_dir) == []


def test_a_body_far_over_the_cap_is_refused_before_it_is_read(
    member: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cld.portal.uploads.receive.FORM_ALLOWANCE", 1024)
    monkeypatch.setenv("CLD_MAX_UPLOAD_MB", str(1 / 1024))
    response = post(uploader(member), padded("SSDA903_2024_header.csv", 8000))
    assert response.status_code == 413
    assert "The files together are larger than" in response.content.decode()


def test_files_received_another_way_are_capped_too(
    member: Any, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """submit() takes any Django UploadedFile (the API's), under the same cap."""
    monkeypatch.setenv("CLD_MAX_UPLOAD_MB", str(4 / 1024))
    authority = registry().authority("CAM")
    with pytest.raises(UploadRefused) as refused:
        submit(
            [padded("SSDA903_2024_header.csv", 6000)],
            authority=authority,
            by="someone",
            source=None,
        )
    assert refused.value.status == 413
    assert "SSDA903_2024_header.csv is larger than" in refused.value.message
    with pytest.raises(UploadRefused) as none:
        submit([], authority=authority, by="someone", source=None)
    assert none.value.status == 400
    assert not Upload.objects.exists() and left_behind(data_dir) == []


def test_an_admin_chooses_the_authority(member: Any) -> None:
    client = uploader(member, role="admin", la="")
    page = client.get(reverse("upload")).content.decode()
    assert 'name="authority"' in page and "Camden (CAM)" in page
    missing = post(client, SimpleUploadedFile("SSDA903_2024_header.csv", GOOD))
    assert missing.status_code == 400
    assert "Choose the authority these files are for" in missing.content.decode()
    assert not Upload.objects.exists()


def test_an_unknown_authority_cannot_be_chosen(member: Any) -> None:
    client = uploader(member, role="admin", la="")
    response = post(
        client, SimpleUploadedFile("SSDA903_2024_header.csv", GOOD), authority="XXX"
    )
    assert response.status_code == 400
    assert not Upload.objects.exists()


def test_a_file_name_cannot_reach_outside_its_folder() -> None:
    assert safe_name("../../etc/SSDA903_2024_header.csv") == "SSDA903_2024_header.csv"
    assert safe_name("..\\..\\x.csv") == "x.csv"
    assert safe_name("..") == "upload"
    assert safe_name("a\x00b\nc.csv") == "a_b_c.csv"
    long = safe_name("x" * 500 + ".csv")
    assert len(long) <= 120 and long.endswith(".csv")


def test_more_files_than_a_form_takes_are_refused(member: Any, data_dir: Path) -> None:
    files = [
        SimpleUploadedFile(f"SSDA903_2024_header_{n}.csv", GOOD) for n in range(21)
    ]
    response = post(uploader(member), *files)
    assert response.status_code == 400
    assert "at most 20 files" in response.content.decode()
    assert not Upload.objects.exists() and left_behind(data_dir) == []


def test_an_upload_without_the_form_token_is_refused(
    member: Any, data_dir: Path
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(member("la-uploader", la="CAM"))
    response = post(client, SimpleUploadedFile("SSDA903_2024_header.csv", GOOD))
    assert response.status_code == 403
    assert not Upload.objects.exists() and left_behind(data_dir) == []


def test_every_refusal_of_the_form_is_recorded(member: Any) -> None:
    before = len(registry().events("upload_refused"))
    assert post(uploader(member)).status_code == 400  # no files
    admin = Client()
    admin.force_login(member("admin"))
    unknown = admin.post(
        "/uploads/",
        {"authority": "ZZZ", "returns": [SimpleUploadedFile("a.csv", GOOD)]},
    )
    assert unknown.status_code == 400
    events = registry().events("upload_refused")[before:]
    assert [(e.detail["status"], e.detail["door"]) for e in events] == [
        (400, "form"),
        (400, "form"),
    ]
    assert all(e.outcome == "refused" for e in events)
