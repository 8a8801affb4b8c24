"""Who may upload and see sessions: an authority's people see only its sessions,
and another authority's session (or an id that does not exist) is not found,
whichever page or download is asked for; roles without the permission are
refused. Downloads are attachments and recorded."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from cld.portal.data_area import data_area, registry
from cld.portal.uploads.models import Upload

SESSION_PAGES = ("session", "session-issues-csv", "session-issues-xlsx")


def signed_in(member: Any, role: str, **membership: Any) -> tuple[Client, Any]:
    user = member(role, **membership)
    client = Client()
    client.force_login(user)
    return client, user


def camden_session() -> str:
    """The test area's Camden session (made by ``cld process``, no upload row)."""
    return next(s.id for s in registry().sessions("CAM") if s.status == "published")


@pytest.mark.parametrize("name", [*SESSION_PAGES, "upload-progress"])
def test_another_authoritys_session_is_not_found(member: Any, name: str) -> None:
    session_id = camden_session()
    path = reverse(name, kwargs={"session_id": session_id})
    camden, _ = signed_in(member, "la-uploader", la="CAM")
    allowed = camden.get(path)
    allowed.close()  # a download's file
    assert allowed.status_code == 200
    hackney, user = signed_in(member, "la-uploader", la="HAC")
    response = hackney.get(path)
    assert response.status_code == 404
    assert session_id not in response.content.decode()
    refusal = registry().events("access_refused")[-1]
    assert refusal.actor == user.username and refusal.outcome == "refused"
    assert refusal.detail["what"] == "session"


@pytest.mark.parametrize("name", [*SESSION_PAGES, "upload-progress"])
@pytest.mark.parametrize(
    "session_id",
    ["20250101T000000Z-CAM-000000", "20250101T000000Z-HAC-000000", "nonsense"],
)
def test_an_unknown_session_is_not_found(
    member: Any, name: str, session_id: str
) -> None:
    client, _ = signed_in(member, "admin")
    assert client.get(reverse(name, kwargs={"session_id": session_id})).status_code == (
        404
    )


def test_a_queued_upload_of_another_authority_is_not_found(member: Any) -> None:
    Upload.objects.create(
        session_id="20250101T000000Z-CAM-aaaaaa", la="CAM", submitted_by="x"
    )
    path = reverse(
        "upload-progress", kwargs={"session_id": "20250101T000000Z-CAM-aaaaaa"}
    )
    hackney, _ = signed_in(member, "la-uploader", la="HAC")
    assert hackney.get(path).status_code == 404
    camden, _ = signed_in(member, "la-uploader", la="CAM")
    assert camden.get(path).status_code == 200
    Upload.objects.all().delete()


def test_the_list_shows_only_the_authoritys_sessions(member: Any) -> None:
    hackney, _ = signed_in(member, "la-uploader", la="HAC")
    rows = hackney.get(reverse("sessions")).context["page"].object_list
    assert rows and {row.la for row in rows} == {"HAC"}
    page = hackney.get(reverse("sessions")).content.decode()
    assert camden_session() not in page
    admin, _ = signed_in(member, "admin")
    everyone = admin.get(reverse("sessions")).context["page"].object_list
    assert {row.la for row in everyone} >= {"CAM", "HAC"}


@pytest.mark.parametrize(
    ("role", "membership"),
    [
        ("hub-analyst", {"use_cases": ("pan",)}),
        ("ig-reviewer", {}),
        ("la-governance", {"la": "CAM"}),
    ],
)
def test_roles_without_the_permission_are_refused(
    member: Any, role: str, membership: dict[str, Any]
) -> None:
    client, _ = signed_in(member, role, **membership)
    session_id = camden_session()
    assert client.get(reverse("upload")).status_code == 403
    assert client.post(reverse("upload")).status_code == 403
    assert client.get(reverse("sessions")).status_code == 403
    for name in [*SESSION_PAGES, "upload-progress"]:
        path = reverse(name, kwargs={"session_id": session_id})
        assert client.get(path).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(transactional_db: None) -> None:
    client = Client()
    for path in (reverse("upload"), reverse("sessions")):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("sign-in"))


def test_downloads_are_attachments_and_recorded(member: Any) -> None:
    from cld.pipeline.session_report import scan_issues

    session_id = camden_session()
    client, user = signed_in(member, "la-uploader", la="CAM")
    stored = scan_issues(data_area(), "CAM", session_id).collect()

    csv = client.get(reverse("session-issues-csv", kwargs={"session_id": session_id}))
    assert csv.status_code == 200
    assert csv["Content-Disposition"].startswith("attachment;")
    assert f"{session_id}-issues.csv" in csv["Content-Disposition"]
    assert csv["Content-Type"].startswith("text/csv")
    body = b"".join(csv.streaming_content)  # type: ignore[attr-defined]
    csv.close()
    frame = pl.read_csv(io.BytesIO(body), infer_schema=False)
    assert frame.columns == stored.columns
    assert frame.height == stored.height
    assert all("/" not in name for name in frame.get_column("file").to_list())
    event = registry().events("download")[-1]
    assert event.actor == user.username and event.la == "CAM"
    assert event.detail == {"session": session_id, "file": f"{session_id}-issues.csv"}
    assert event.source == "127.0.0.1"

    xlsx = client.get(reverse("session-issues-xlsx", kwargs={"session_id": session_id}))
    assert xlsx.status_code == 200
    assert xlsx["Content-Disposition"].startswith("attachment;")
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))  # type: ignore[attr-defined]
    xlsx.close()
    assert book.sheetnames[0] == "Summary"
    assert str(registry().events("download")[-1].detail["file"]).endswith(".xlsx")


def test_an_admin_sees_any_authoritys_session(member: Any) -> None:
    client, _ = signed_in(member, "admin")
    session_id = camden_session()
    page = client.get(reverse("session", kwargs={"session_id": session_id}))
    assert page.status_code == 200
    assert "issues.xlsx" in page.content.decode()


def test_the_downloads_are_written_from_the_archive_a_batch_at_a_time(
    member: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from cld.pipeline.issue_report import write_issue_report
    from cld.pipeline.session_report import stored_reports
    from cld.portal.uploads import session_views

    session_id = camden_session()
    reports = stored_reports(data_area(), "CAM", session_id)
    for report in reports:
        report.file = Path(report.file).name
    write_issue_report(reports, tmp_path / "expected.csv")
    write_issue_report(reports, tmp_path / "expected.xlsx")

    def every_issue_at_once(*args: Any) -> Any:
        raise AssertionError("the download read every issue into memory")

    monkeypatch.setattr(
        session_views, "stored_reports", every_issue_at_once, raising=False
    )
    client, _ = signed_in(member, "la-uploader", la="CAM")
    bodies = {}
    for suffix in ("csv", "xlsx"):
        response = client.get(
            reverse(f"session-issues-{suffix}", kwargs={"session_id": session_id})
        )
        assert response.status_code == 200
        bodies[suffix] = b"".join(response.streaming_content)  # type: ignore[attr-defined]
        response.close()
    assert bodies["csv"] == (tmp_path / "expected.csv").read_bytes()
    got = load_workbook(io.BytesIO(bodies["xlsx"]))
    expected = load_workbook(tmp_path / "expected.xlsx")
    assert got.sheetnames == expected.sheetnames
    for name in expected.sheetnames:
        assert list(got[name].values) == list(expected[name].values), name
        assert got[name].auto_filter.ref == expected[name].auto_filter.ref
