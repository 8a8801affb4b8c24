"""The API: Bearer tokens (401 without a good one), the same roles as the pages,
another authority's session and a use case one is not approved for answer 404,
refusals and downloads are recorded."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from platform_builders import ssda903_files

from cld.portal.accounts.models import Token
from cld.portal.data_area import registry

ENDPOINTS = [
    ("post", "/api/v1/uploads"),
    ("get", "/api/v1/sessions"),
    ("get", "/api/v1/sessions/20240101T000000Z-CAM-abcdef"),
    ("get", "/api/v1/sessions/20240101T000000Z-CAM-abcdef/issues"),
    ("get", "/api/v1/outputs/pan"),
    ("get", "/api/v1/outputs/pan/episodes.csv"),
]


def bearer(user: Any) -> dict[str, str]:
    _, secret = Token.issue(user)
    return {"Authorization": f"Bearer {secret}"}


def finished(client: Client, auth: dict[str, str], session: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get(
            f"/api/v1/sessions/{session}", headers=auth
        ).json()
        if body["status"] not in ("queued", "running"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"session {session} did not finish")


def test_the_schema_is_public_and_names_every_endpoint(transactional_db: None) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert set(paths) == {
        "/api/v1/openapi.json",
        "/api/v1/uploads",
        "/api/v1/sessions",
        "/api/v1/sessions/{session_id}",
        "/api/v1/sessions/{session_id}/issues",
        "/api/v1/outputs/{use_case}",
        "/api/v1/outputs/{use_case}/{table}.csv",
    }


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Token x"]
)
def test_no_or_a_bad_token_answers_401(
    method: str, path: str, header: str | None, transactional_db: None
) -> None:
    extra = {"Authorization": header} if header else {}
    response = getattr(Client(), method)(path, headers=extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "error" in response.json()
    assert registry().events("api_refused")[-1].outcome == "refused"


def test_a_deactivated_persons_token_stops_working(member: Any) -> None:
    user = member("hub-analyst", use_cases=("pan",))
    auth = bearer(user)
    assert Client().get("/api/v1/outputs/pan", headers=auth).status_code == 200
    user.is_active = False
    user.save()
    assert Client().get("/api/v1/outputs/pan", headers=auth).status_code == 401


def test_a_session_cookie_is_not_a_token(member: Any) -> None:
    client = Client()
    client.force_login(member("hub-analyst", use_cases=("pan",)))
    assert client.get("/api/v1/outputs/pan").status_code == 401


def test_an_uploader_submits_and_follows_a_session(
    member: Any, synthetic_dir: Path
) -> None:
    uploader = member("la-uploader", la="CAM")
    auth = bearer(uploader)
    client = Client()
    paths = ssda903_files(synthetic_dir, "CAM", 2024, "header", "episodes")
    handles = [path.open("rb") for path in paths]
    try:
        response = client.post("/api/v1/uploads", {"files": handles}, headers=auth)
    finally:
        for handle in handles:
            handle.close()
    assert response.status_code == 202, response.content
    session = response.json()["session"]
    assert response.json()["url"] == f"/api/v1/sessions/{session}"
    body = finished(client, auth, session)
    assert body["status"] in ("published", "unchanged")  # conftest sent them too
    assert body["la"] == "CAM"
    assert [f["file"] for f in body["files"]] == [p.name for p in paths]
    for entry in body["files"]:
        assert set(entry) >= {"file", "dataset", "year", "tables", "error", "issues"}
        assert entry["dataset"] == "ssda903"
    # another authority's uploader, and an analyst, learn nothing of it
    other = bearer(member("la-uploader", la="HAC"))
    missing = client.get(f"/api/v1/sessions/{session}", headers=other)
    unknown = client.get("/api/v1/sessions/20240101T000000Z-HAC-000000", headers=other)
    assert missing.status_code == unknown.status_code == 404
    assert missing.json() == {"error": "no such session"}
    assert unknown.json() == {"error": "no such session"}
    analyst = bearer(member("hub-analyst", use_cases=("pan",)))
    assert client.get(f"/api/v1/sessions/{session}", headers=analyst).status_code == 403
    received = registry().events("upload_received")[-1]
    assert received.actor == uploader.username and received.la == "CAM"


def test_an_upload_without_files_is_refused(member: Any) -> None:
    auth = bearer(member("la-uploader", la="CAM"))
    response = Client().post("/api/v1/uploads", {}, headers=auth)
    assert response.status_code == 400
    assert response.json()["error"]


def test_an_administrator_names_the_authority(member: Any) -> None:
    auth = bearer(member("admin"))
    response = Client().post("/api/v1/uploads", {}, headers=auth)
    assert response.status_code == 400
    assert "la=CODE" in response.json()["error"]
    response = Client().post("/api/v1/uploads", {"la": "ZZZ"}, headers=auth)
    assert response.status_code == 400


def test_an_analyst_reaches_only_their_use_cases(member: Any) -> None:
    analyst = member("hub-analyst", use_cases=("pan",))
    auth = bearer(analyst)
    client = Client()
    manifest = client.get("/api/v1/outputs/pan", headers=auth)
    assert manifest.status_code == 200
    tables = manifest.json()["tables"]
    assert tables
    table = sorted(tables)[0]
    csv = client.get(f"/api/v1/outputs/pan/{table}.csv", headers=auth)
    assert csv.status_code == 200
    assert csv["Content-Type"].startswith("text/csv")
    assert csv["Content-Disposition"].startswith("attachment")
    assert b"".join(csv.streaming_content).count(b"\n") >= 1  # type: ignore[attr-defined]
    event = registry().events("download")[-1]
    assert (event.actor, event.use_case) == (analyst.username, "pan")
    for path in (
        "/api/v1/outputs/sufficiency",
        "/api/v1/outputs/sufficiency/episodes.csv",
        "/api/v1/outputs/nothing",
        "/api/v1/outputs/pan/no-such-table.csv",
        "/api/v1/outputs/pan/manifest.json.csv",
    ):
        response = client.get(path, headers=auth)
        assert response.status_code == 404, path
    assert registry().events("access_refused")[-1].outcome == "refused"


def test_an_uploader_cannot_fetch_outputs(member: Any) -> None:
    auth = bearer(member("la-uploader", la="CAM"))
    assert Client().get("/api/v1/outputs/pan", headers=auth).status_code == 403


def test_an_upload_over_the_cap_is_refused_as_it_streams(
    member: Any, monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    monkeypatch.setenv("CLD_MAX_UPLOAD_MB", str(4 / 1024))  # 4 KB
    auth = bearer(member("la-uploader", la="CAM"))
    big = SimpleUploadedFile("episodes.csv", b"CHILD,DECOM\n" + b"1,2024-04-01\n" * 800)
    before = {p for p in (data_dir / "incoming").rglob("*") if p.is_file()}
    response = Client().post("/api/v1/uploads", {"files": [big]}, headers=auth)
    assert response.status_code == 413
    assert (
        "episodes.csv" in response.json()["error"]
        or "large" in response.json()["error"]
    )
    assert {p for p in (data_dir / "incoming").rglob("*") if p.is_file()} == before


def test_a_binary_file_posing_as_csv_is_refused(member: Any) -> None:
    auth = bearer(member("la-uploader", la="CAM"))
    fake = SimpleUploadedFile("episodes.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    response = Client().post("/api/v1/uploads", {"files": [fake]}, headers=auth)
    assert response.status_code == 415
    assert "episodes.csv" in response.json()["error"]


def test_every_refused_api_upload_is_recorded(
    member: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    uploader = bearer(member("la-uploader", la="CAM"))
    admin = bearer(member("admin"))
    good = b"CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n1,1,01/01/2010,WBRI,A1,,\n"
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    refusals: list[tuple[dict[str, str], dict[str, Any], int]] = [
        (uploader, {}, 400),  # no files
        (admin, {}, 400),  # no authority named
        (admin, {"la": "ZZZ"}, 400),  # no such authority
        (uploader, {"files": [SimpleUploadedFile("x.csv", png)]}, 415),
        (uploader, {"files": [SimpleUploadedFile("notes.csv", b"a,b\n1,2\n")]}, 400),
        (
            uploader,
            {"files": [SimpleUploadedFile("SSDA903_2024_header.csv", b"")]},
            400,
        ),
        (
            uploader,
            {"files": [SimpleUploadedFile("SSDA903_2024_header.csv", good * 200)]},
            413,
        ),
    ]
    monkeypatch.setenv("CLD_MAX_UPLOAD_MB", str(4 / 1024))  # 4 KB
    before = len(registry().events("upload_refused"))
    for auth, body, status in refusals:
        response = Client().post("/api/v1/uploads", body, headers=auth)
        assert response.status_code == status, (body, response.content)
    events = registry().events("upload_refused")[before:]
    assert [e.detail["status"] for e in events] == [s for _, _, s in refusals]
    assert all(e.outcome == "refused" and e.detail["door"] == "api" for e in events)
    assert all(e.detail["reason"] for e in events)
    assert b"WBRI" not in repr([e.detail for e in events]).encode()


def test_a_session_with_thousands_of_issues_comes_a_page_at_a_time(
    member: Any,
) -> None:
    children = 2500  # two errors a row: 5,000 issues
    rows = [f"{n},7,31/02/2012,WBRI,A{n:012d},," for n in range(1, children + 1)]
    text = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n" + "\n".join(rows) + "\n"
    uploader = member("la-uploader", la="CAM")
    auth = bearer(uploader)
    client = Client()
    response = client.post(
        "/api/v1/uploads",
        {"files": [SimpleUploadedFile("SSDA903_2023_header.csv", text.encode())]},
        headers=auth,
    )
    assert response.status_code == 202, response.content
    session = response.json()["session"]
    body = finished(client, auth, session)
    (entry,) = body["files"]
    assert entry["issue_count"] >= 2 * children
    assert len(entry["issues"]) == 100  # the status stays small

    url = f"/api/v1/sessions/{session}/issues"
    first = client.get(url, {"limit": 1000}, headers=auth).json()
    assert first["count"] == entry["issue_count"] and first["limit"] == 1000
    assert len(first["issues"]) == 1000 and first["page"] == 1
    assert first["pages"] == -(-first["count"] // 1000)
    assert first["previous"] is None
    assert first["next"] == f"{url}?page=2&limit=1000"
    assert first["issues"][0]["file"] == "SSDA903_2023_header.csv"
    assert {"row", "column", "code", "severity", "message"} <= set(first["issues"][0])
    second = client.get(first["next"], headers=auth).json()
    assert second["page"] == 2 and second["issues"][0] != first["issues"][0]
    assert second["previous"] == f"{url}?page=1&limit=1000"
    last = client.get(url, {"page": first["pages"], "limit": 1000}, headers=auth)
    assert last.json()["next"] is None
    assert len(client.get(url, headers=auth).json()["issues"]) == 100  # default
    for bad in ({"limit": 1001}, {"limit": 0}, {"page": "x"}, {"sort": "row"}):
        assert client.get(url, bad, headers=auth).status_code == 400

    listing = client.get("/api/v1/sessions", {"limit": 1}, headers=auth).json()
    assert listing["count"] >= 2 and len(listing["sessions"]) == 1
    assert listing["sessions"][0]["session"] == session  # newest first
    assert listing["sessions"][0]["url"] == f"/api/v1/sessions/{session}"
    assert listing["next"] == "/api/v1/sessions?page=2&limit=1"
    assert {s["la"] for s in listing["sessions"]} == {"CAM"}

    page = Client()
    page.force_login(uploader)
    shown = page.get(f"/sessions/{session}/", {"page": 7})
    assert shown.status_code == 200
    issues = shown.context["issues"]
    assert issues.total == entry["issue_count"] and issues.pages >= 50
    assert len(issues.rows) == 100 and issues.page == 7 and issues.first == 601
    html = shown.content.decode()
    assert 'class="govuk-pagination"' in html and 'aria-current="page"' in html
    assert "page=8" in html and "page=6" in html
