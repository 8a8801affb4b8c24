"""The outputs pages and downloads: an analyst sees and downloads only the use
cases they are approved for (anything else reads as not found), every download is
in the audit log, and no name from a URL reaches a file outside the use case's
outputs folder."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from platform_builders import allow

from cld.pipeline.outputs.build import build_outputs
from cld.portal.accounts.permissions import can_do
from cld.portal.accounts.roles import Permission
from cld.portal.data_area import data_area, registry
from cld.portal.hub import files

CONTENT_TYPES = {
    "ssda903_header.csv": "text/csv; charset=utf-8",
    "ssda903_header.parquet": "application/vnd.apache.parquet",
    "pan_summary.xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
    "manifest.json": "application/json",
}


def client_of(member: Any, role: str, **spec: Any) -> tuple[Client, Any]:
    user = member(role, **spec)
    client = Client()
    client.force_login(user)
    return client, user


def file_url(use_case: str, name: str) -> str:
    return reverse("output-file", kwargs={"use_case": use_case, "filename": name})


def body(response: Any) -> bytes:
    if not response.streaming:
        return bytes(response.content)
    try:
        return b"".join(response.streaming_content)
    finally:
        response.close()


def test_an_analyst_sees_only_the_use_cases_they_are_approved_for(
    member: Any,
) -> None:
    client, _ = client_of(member, "hub-analyst", use_cases=("pan",))
    page = client.get(reverse("outputs"))
    assert page.status_code == 200
    assert [u["name"] for u in page.context["use_cases"]] == ["pan"]
    html = page.content.decode()
    assert reverse("output", kwargs={"use_case": "pan"}) in html
    assert "sufficiency" not in html and "equalities" not in html
    (pan,) = page.context["use_cases"]
    assert pan["built_at"] is not None and pan["las"] == 2 and pan["years"] == [2024]


def test_the_output_page_shows_the_manifest_and_every_file(
    member: Any, data_dir: Path
) -> None:
    client, _ = client_of(member, "hub-analyst", use_cases=("pan",))
    response = client.get(reverse("output", kwargs={"use_case": "pan"}))
    assert response.status_code == 200
    html = response.content.decode()
    manifest = json.loads((data_dir / "outputs" / "pan" / "manifest.json").read_text())
    assert "Camden (CAM)" in html and "Hackney (HAC)" in html
    assert manifest["policy"]["sha256"] in html
    assert f'<dd class="govuk-summary-list__value">{manifest["policy"]["version"]}' in (
        html
    )
    assert manifest["disclosure"]["rule"] in html
    for name, table in manifest["tables"].items():
        assert f'<th scope="row" class="govuk-table__header">{name}</th>' in html
        row = next(t for t in response.context["tables"] if t["name"] == name)
        assert row["rows"] == table["rows"] and row["las"] == table["las"]
    for path in sorted((data_dir / "outputs" / "pan").iterdir()):
        assert file_url("pan", path.name) in html, path.name
    uploads = response.context["last_uploads"]
    assert [u["code"] for u in uploads] == ["CAM", "HAC"]
    assert all(u["at"] is not None for u in uploads)
    assert "style=" not in html and "<script>" not in html


@pytest.mark.parametrize("name", sorted(CONTENT_TYPES))
def test_a_download_is_an_attachment_with_the_files_bytes(
    member: Any, data_dir: Path, name: str
) -> None:
    client, user = client_of(member, "hub-analyst", use_cases=("pan",))
    response = client.get(file_url("pan", name))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response["Content-Type"] == CONTENT_TYPES[name]
    on_disk = (data_dir / "outputs" / "pan" / name).read_bytes()
    if name == "manifest.json":  # handed out saying whether it is up to date
        manifest = json.loads(on_disk)
        assert json.loads(body(response)) == {
            **manifest,
            "freshness": files.freshness_of("pan", manifest).to_json(),
        }
    else:
        assert body(response) == on_disk
    event = registry().events("download")[-1]
    assert event.actor == user.username
    assert event.use_case == "pan"
    assert event.detail["file"] == name
    assert event.outcome == "done"
    assert event.source == "127.0.0.1"


def test_another_use_case_reads_as_not_found_and_is_recorded(member: Any) -> None:
    client, user = client_of(member, "hub-analyst", use_cases=("pan",))
    before = len(registry().events("download"))
    for url in (
        reverse("output", kwargs={"use_case": "sufficiency"}),
        file_url("sufficiency", "ssda903_episodes.csv"),
        file_url("sufficiency", "manifest.json"),
        reverse("output", kwargs={"use_case": "no-such-use-case"}),
        file_url("no-such-use-case", "manifest.json"),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"ssda903" not in response.content
        refusal = registry().events("access_refused")[-1]
        assert refusal.actor == user.username and refusal.detail["path"] == url
    assert len(registry().events("download")) == before


@pytest.mark.parametrize(
    "path",
    [
        "/outputs/pan/files/%2e%2e",
        "/outputs/pan/files/..",
        "/outputs/pan/files/..%2f..%2fregistry.sqlite",
        "/outputs/pan/files/%2e%2e%2f%2e%2e%2fregistry.sqlite",
        "/outputs/pan/files/%2fetc%2fpasswd",
        "/outputs/pan/files//etc/passwd",
        "/outputs/pan/files/.builds",
        "/outputs/pan/files/%5c..%5cregistry.sqlite",
        "/outputs/%2e%2e/files/registry.sqlite",
        "/outputs/.builds/files/pan",
        "/outputs/pan/files/no-such-file.csv",
    ],
)
def test_names_that_leave_the_folder_are_refused(member: Any, path: str) -> None:
    client, _ = client_of(member, "admin")
    response = client.get(path)
    assert response.status_code == 404
    assert not response.has_header("Content-Disposition")


def test_file_of_takes_only_plain_names_in_the_folder(data_dir: Path) -> None:
    folder = (data_dir / "outputs" / "pan").resolve()
    assert files.file_of("pan", "manifest.json") == folder / "manifest.json"
    for use_case, name in [
        ("pan", ".."),
        ("pan", "../pan/manifest.json"),
        ("pan", "..\\registry.sqlite"),
        ("pan", str(data_dir / "registry.sqlite")),
        ("pan", "/etc/passwd"),
        ("pan", ""),
        ("pan", ".hidden"),
        ("pan", "manifest.json\x00.csv"),
        ("..", "registry.sqlite"),
        ("", "registry.sqlite"),
        (".builds", "pan"),
        ("PAN", "manifest.json"),
        ("equalities/../pan", "manifest.json"),
    ]:
        assert files.file_of(use_case, name) is None, (use_case, name)
    assert files.manifest_of("..") is None
    assert files.manifest_of("no-such-use-case") is None
    assert files.manifest_of("pan") == json.loads(
        (folder / "manifest.json").read_text()
    )


def test_a_link_out_of_the_folder_is_not_a_file_of_it(
    tmp_path: Path, settings: Any
) -> None:
    """A file in the folder that is a link elsewhere resolves outside it, and an
    outputs link pointing out of the outputs area is not a build."""
    build = tmp_path / "outputs" / ".builds" / "pan" / "pan-1"
    build.mkdir(parents=True)
    (build / "manifest.json").write_text('{"use_case": "pan"}')
    secret = tmp_path / "secret.txt"
    secret.write_text("not an output")
    (build / "leak.txt").symlink_to(secret)
    os.symlink(
        os.path.relpath(build, tmp_path / "outputs"), tmp_path / "outputs" / "pan"
    )
    os.symlink(tmp_path, tmp_path / "outputs" / "outside")
    settings.CLD_DATA_DIR = str(tmp_path)
    assert files.manifest_of("pan") == {"use_case": "pan"}
    assert files.file_of("pan", "leak.txt") is None
    assert [f.name for f in files.output_files("pan")] == ["manifest.json"]
    assert files.file_of("outside", "secret.txt") is None
    assert files.folder_of("outside") is None
    assert files.manifest_of("sufficiency") is None


def test_platform_roles_see_every_use_case(member: Any) -> None:
    """Admins (and IG reviewers, when their role opens the outputs) see every use
    case's outputs."""
    for role in ("admin", "ig-reviewer"):
        client, user = client_of(member, role)
        page = client.get(reverse("outputs"))
        output = client.get(reverse("output", kwargs={"use_case": "sufficiency"}))
        download = client.get(file_url("sufficiency", "ssda903_episodes.csv"))
        if not can_do(user, Permission.VIEW_OUTPUTS):
            assert {page.status_code, output.status_code, download.status_code} == {403}
            continue
        names = [u["name"] for u in page.context["use_cases"]]
        assert names == ["equalities", "pan", "sufficiency"]
        assert output.status_code == 200
        assert download.status_code == 200
        assert body(download).startswith(b"LA,YEAR,")


@pytest.mark.parametrize("role", ["la-uploader", "la-governance"])
def test_authority_roles_are_refused_the_hub_and_outputs(
    member: Any, role: str
) -> None:
    client, _ = client_of(member, role, la="CAM")
    for url in (
        reverse("hub"),
        reverse("outputs"),
        reverse("output", kwargs={"use_case": "pan"}),
        file_url("pan", "ssda903_header.csv"),
    ):
        assert client.get(url).status_code == 403, url


def test_pages_answer_get_only(member: Any) -> None:
    client, _ = client_of(member, "admin")
    assert client.post(reverse("outputs")).status_code == 405
    assert client.post(file_url("pan", "manifest.json")).status_code == 405


@pytest.fixture
def lewisham_in_force_for_pan() -> Any:
    """Lewisham (no data, in no other test) comes into force for pan after the
    outputs were built; withdrawn again afterwards."""
    found = registry()
    allow(found, "LEW", "pan")
    yield
    found.withdraw("LEW", "pan", on=dt.date.today(), by="test")


def test_outputs_say_they_are_out_of_date_until_the_next_build(
    member: Any, lewisham_in_force_for_pan: None
) -> None:
    client, _ = client_of(member, "hub-analyst", use_cases=("pan",))
    reason = "Lewisham may now share data for this use case"
    html = client.get(reverse("output", kwargs={"use_case": "pan"})).content.decode()
    assert "These outputs are out of date until the next build:" in html
    assert reason in html
    listing = client.get(reverse("outputs")).content.decode()
    assert "Out of date" in listing and reason in listing
    manifest = json.loads(body(client.get(file_url("pan", "manifest.json"))))
    assert manifest["freshness"]["up_to_date"] is False
    assert any(r.startswith(reason) for r in manifest["freshness"]["reasons"])
    admin, _ = client_of(member, "admin")
    dashboard = admin.get(reverse("hub")).content.decode()
    assert (
        'id="outputs-pan"><strong class="govuk-tag govuk-tag--yellow">Out of date'
        in (dashboard)
    )


def test_up_to_date_outputs_say_nothing_of_it(member: Any) -> None:
    build_outputs(data_area(), registry(), use_case="pan")  # after other tests' uploads
    client, _ = client_of(member, "hub-analyst", use_cases=("pan",))
    html = client.get(reverse("output", kwargs={"use_case": "pan"})).content.decode()
    assert 'id="freshness"' not in html
    assert 'id="freshness-pan">Yes' in client.get(reverse("outputs")).content.decode()
