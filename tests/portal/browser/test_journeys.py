"""The portal's main journeys in a real browser (Chromium through Playwright),
each as a person does it: signing in with a password and an authenticator code,
finding pages from the menu, filling GOV.UK forms by their labels and taking the
downloads the browser is given. Every journey saves screenshots of its key steps
under ``test-artifacts/browser/`` (``conftest.py``).

The data area is shared by the session's portal tests: the uploader's messy files
are for a collection year no other test uploads (2020), so every session published
before stays current, and the agreement is signed for an authority no other test
uses (Enfield)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from platform_builders import ssda903_files
from playwright.sync_api import Download, Locator, Page, expect

from cld.engine.years import find_year
from cld.portal.data_area import registry

pytestmark = pytest.mark.functional

MESSY_YEAR = "1920"
"""The collection year 2019-20, as SSDA903 file names write it."""
BAD_DATE = "2024-13-45"
BAD_PLACEMENT = "ZZ9"
BAD_LEGAL_STATUS = "Q7"
PROCESSING = 90_000
"""Milliseconds an upload of two small files may take on the worker."""
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SIGNER = "ENF"
"""Enfield: no other portal test touches its agreements."""

Member = Callable[..., Any]


class Journey(Protocol):
    """The ``journey`` fixture of ``conftest.py``."""

    page: Page

    def shot(self, step: str) -> Path: ...

    def sign_in(self, user: Any) -> None: ...


def menu(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Menu")


def menu_items(page: Page) -> list[str]:
    return [text.strip() for text in menu(page).get_by_role("link").all_inner_texts()]


def downloaded(download: Download) -> bytes:
    path = download.path()
    assert path is not None, download.failure()
    return Path(path).read_bytes()


def column_texts(table: Locator, index: int) -> list[str]:
    """The text of one column of a table's body rows (0 is the first)."""
    body = table.locator("tbody").get_by_role("row")
    return [
        row.get_by_role("cell").nth(index).inner_text().strip() for row in body.all()
    ]


# -- 1. an uploader's messy files, their issues and the Excel report ----------------


def messy_returns(synthetic: Path, folder: Path) -> list[Path]:
    """Camden's synthetic header and episodes, renamed for ``MESSY_YEAR``; in the
    episodes an impossible date, two unknown codes and a blank row (a warning)."""
    found = {
        p.name: p for p in ssda903_files(synthetic, "CAM", 2024, "header", "episodes")
    }
    assert len(found) == 2, found
    made = []
    for name, path in sorted(found.items()):
        year = find_year(name)
        assert year is not None
        target = folder / name.replace(year.written, MESSY_YEAR)
        text = path.read_text(encoding="utf-8-sig")
        if "episodes" in name.lower():
            rows = list(csv.reader(io.StringIO(text)))
            header = rows[0]
            rows[1][header.index("DECOM")] = BAD_DATE
            rows[3][header.index("PLACE")] = BAD_PLACEMENT
            rows[5][header.index("LS")] = BAD_LEGAL_STATUS
            rows.insert(10, [""] * len(header))
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows(rows)
            text = out.getvalue()
        target.write_text(text, encoding="utf-8")
        made.append(target)
    return made


def test_an_uploader_checks_messy_files_and_downloads_the_report(
    journey: Journey, member: Member, synthetic_dir: Path, tmp_path: Path
) -> None:
    page = journey.page
    files = messy_returns(synthetic_dir, tmp_path)
    episodes = next(p.name for p in files if "episodes" in p.name.lower())
    journey.sign_in(member("la-uploader", la="CAM"))
    assert menu_items(page) == ["Upload", "Uploads and issues", "What left us"]
    journey.shot("start")

    menu(page).get_by_role("link", name="Upload", exact=True).click()
    expect(page.get_by_role("heading", name="Upload returns")).to_be_visible()
    page.get_by_label("Files", exact=True).set_input_files(files)
    chosen = page.locator("[data-cld-chosen]")  # upload.js lists what was chosen
    for path in files:
        expect(chosen).to_contain_text(path.name)
    journey.shot("files-chosen")

    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url(re.compile(r"/uploads/[^/]+/$"))
    session_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert "-CAM-" in session_id
    journey.shot("progress")
    # the page refreshes itself every 2 seconds until the worker is done
    expect(
        page.get_by_role("heading", name="Upload checked", exact=True)
    ).to_be_visible(timeout=PROCESSING)
    expect(page.get_by_role("heading", name="Checked and shared")).to_be_visible()
    files_table = page.get_by_role("table", name="What each file is")
    episodes_row = files_table.get_by_role("row").filter(has_text=episodes)
    # at least the three bad cells, and the blank row (the synthetic returns may
    # have faults of their own: their generator plants a few)
    errors = int(episodes_row.get_by_role("cell").nth(4).inner_text())
    warnings = int(episodes_row.get_by_role("cell").nth(5).inner_text())
    assert errors >= 3 and warnings >= 1, (errors, warnings)
    header_row = files_table.get_by_role("row").filter(has_text="header.csv")
    expect(header_row.get_by_role("cell").nth(4)).to_have_text("0")
    journey.shot("checked")

    page.get_by_role("link", name="See the issues found in each file").click()
    page.wait_for_url(f"**/sessions/{session_id}/")
    issues = page.get_by_role("table", name=re.compile(r"^\d+ issues?"))
    expect(issues).to_have_accessible_name(f"{errors + warnings} issues")
    messages = column_texts(issues, 6)
    assert any(
        f"DECOM '{BAD_DATE}' is not a valid episode start date" in m for m in messages
    ), messages
    assert any(
        f"PLACE '{BAD_PLACEMENT}' is not a placement type code" in m for m in messages
    ), messages
    assert any(
        f"LS '{BAD_LEGAL_STATUS}' is not a legal status code" in m for m in messages
    ), messages
    assert "The row is blank and was skipped" in messages
    bad_date = issues.get_by_role("row").filter(has_text=BAD_DATE)
    expect(bad_date.get_by_role("cell").nth(2)).to_have_text("2")  # the file's row
    expect(bad_date.get_by_role("cell").nth(3)).to_have_text("DECOM")
    expect(bad_date.get_by_role("cell").nth(5)).to_have_text("Error")
    journey.shot("issues")

    page.get_by_label("Severity").select_option("error")
    page.get_by_role("button", name="Filter issues").click()
    page.wait_for_url(re.compile(r"severity=error"))
    expect(issues).to_have_accessible_name(f"{errors} issues matching the filters")
    assert set(column_texts(issues, 5)) == {"Error"}
    assert "The row is blank and was skipped" not in column_texts(issues, 6)
    expect(page.get_by_label("Severity")).to_have_value("error")
    journey.shot("errors-only")

    unsorted = column_texts(issues, 3)  # in the file's order: DECOM, PLACE, LS
    column = issues.get_by_role("columnheader", name=re.compile(r"^Column"))
    expect(column).to_have_attribute("aria-sort", "none")
    column.get_by_role("link").click()
    page.wait_for_url(re.compile(r"sort=column"))
    expect(column).to_have_attribute("aria-sort", "ascending")
    expect(issues).to_have_accessible_name(f"{errors} issues matching the filters")
    columns = column_texts(issues, 3)
    assert columns == sorted(unsorted) != unsorted, (unsorted, columns)
    assert "severity=error" in page.url  # sorting keeps the filter
    journey.shot("sorted-by-column")

    with page.expect_download() as taken:
        page.get_by_role("link", name="as an Excel workbook").click()
    report = taken.value
    assert report.suggested_filename.endswith(".xlsx"), report.suggested_filename
    body = downloaded(report)
    assert body.startswith(b"PK") and zipfile.is_zipfile(io.BytesIO(body))
    book = load_workbook(io.BytesIO(body), read_only=True)
    try:
        cells = {
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        }
    finally:
        book.close()
    assert any(BAD_DATE in value for value in cells)
    event = registry().events("download")[-1]
    assert event.la == "CAM" and event.detail["session"] == session_id


# -- 2. a governance officer signs an agreement and takes the DPIA draft -------------


def test_a_governance_officer_signs_an_agreement_and_downloads_the_dpia_draft(
    journey: Journey, member: Member, tmp_path: Path
) -> None:
    page = journey.page
    _, policy = registry().policy()
    title = policy.use_case("pan").title
    document = tmp_path / "signed agreement.pdf"
    document.write_bytes(PDF)
    journey.sign_in(member("la-governance", la=SIGNER))
    journey.shot("start")

    menu(page).get_by_role("link", name="Agreements", exact=True).click()
    page.wait_for_url(f"**/authorities/{SIGNER}/agreements/")
    expect(page.get_by_role("heading", name="Agreements of Enfield")).to_be_visible()
    journey.shot("agreements")

    page.get_by_role("link", name=f"Record the signed agreement for {title}").click()
    expect(
        page.get_by_role("heading", name=f"Record the signed {title} agreement")
    ).to_be_visible()
    signed = timezone.localdate() - dt.timedelta(days=3)
    page.get_by_label("Name of the person who signed").fill("Ada Officer")
    page.get_by_label("Their role").fill("Data Protection Officer")
    date = page.get_by_role("group", name="Date signed")
    date.get_by_label("Day").fill(str(signed.day))
    date.get_by_label("Month").fill(str(signed.month))
    date.get_by_label("Year").fill(str(signed.year))
    page.get_by_label("The signed agreement").set_input_files(document)
    journey.shot("filled")

    page.get_by_role("button", name="Record the signed agreement").click()
    page.wait_for_url(f"**/authorities/{SIGNER}/agreements/")
    banner = page.get_by_role("alert", name="Success")
    expect(banner).to_contain_text(f"The {title} agreement is signed, from ")
    expect(banner).to_contain_text(f"{signed.day} {signed:%B %Y}")
    card = page.locator(".govuk-summary-card").filter(
        has=page.get_by_role("heading", name=f"{title} (pan)")
    )
    expect(card).to_contain_text("Signed")
    expect(card).to_contain_text("Ada Officer, Data Protection Officer")
    checksum = hashlib.sha256(PDF).hexdigest()
    expect(card.locator("code")).to_have_text(checksum)
    agreement = registry().agreement(SIGNER, "pan")
    assert agreement.document_sha256 == checksum and agreement.signed_on == signed
    journey.shot("signed")

    with page.expect_download() as taken:
        page.get_by_role("link", name="Download the DPIA draft (Word)").click()
    draft = taken.value
    assert draft.suggested_filename.endswith(".docx"), draft.suggested_filename
    assert SIGNER in draft.suggested_filename
    body = downloaded(draft)
    assert body.startswith(b"PK")
    with zipfile.ZipFile(io.BytesIO(body)) as docx:
        assert "word/document.xml" in docx.namelist()


# -- 3. a hub analyst downloads an output and reads the dashboard --------------------


def test_a_hub_analyst_downloads_an_output_and_sees_the_returns_matrix(
    journey: Journey, member: Member, data_dir: Path
) -> None:
    page = journey.page
    journey.sign_in(member("hub-analyst", use_cases=("pan",)))
    assert menu_items(page) == ["Hub dashboard", "Outputs"]

    menu(page).get_by_role("link", name="Outputs", exact=True).click()
    outputs = page.get_by_role("table", name="Use cases and their outputs")
    expect(outputs.get_by_role("rowheader")).to_have_text(["pan"])  # only theirs
    journey.shot("outputs")

    outputs.get_by_role("link", name="pan", exact=True).click()
    page.wait_for_url("**/outputs/pan/")
    expect(
        page.get_by_role("definition").filter(has_text="Camden (CAM)")
    ).to_have_count(1)
    journey.shot("pan")

    with page.expect_download() as taken:
        page.get_by_role("link", name="CSV of ssda903_header", exact=True).click()
    table = taken.value
    assert table.suggested_filename == "ssda903_header.csv"
    body = downloaded(table)
    assert body == (data_dir / "outputs" / "pan" / "ssda903_header.csv").read_bytes()
    lines = body.decode("utf-8").splitlines()
    header = next(csv.reader(lines[:1]))
    assert len(lines) > 1 and len(header) > 1 and all(header), header

    menu(page).get_by_role("link", name="Hub dashboard", exact=True).click()
    matrix = page.get_by_role(
        "table", name="Latest return received, per authority and dataset"
    )
    expect(matrix).to_be_visible()
    expect(matrix.locator("tbody").get_by_role("row")).to_have_count(
        len(registry().authorities())
    )
    expect(matrix.get_by_role("rowheader", name="Camden", exact=True)).to_be_visible()
    expect(page.locator("#returns-CAM-ssda903")).to_contain_text("2024")
    expect(page.locator("#returns-CAM-ssda903")).to_contain_text("received")
    expect(page.locator("#returns-ENF-ssda903")).to_have_text("Nothing received")
    journey.shot("dashboard")


# -- 4. another authority's user is refused ------------------------------------------


def test_another_authoritys_uploader_is_refused_and_recorded(
    journey: Journey, member: Member
) -> None:
    page = journey.page
    session_id = next(s.id for s in registry().sessions("CAM"))
    user = member("la-uploader", la="HAC")
    journey.sign_in(user)

    response = page.goto(f"/sessions/{session_id}/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    content = page.content()
    assert session_id not in content and "Camden" not in content
    journey.shot("session-not-found")

    response = page.goto("/authorities/CAM/shared/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="You cannot see this page")).to_be_visible()
    assert "Camden" not in page.content()
    journey.shot("shared-refused")

    refused = [
        e for e in registry().events("access_refused") if e.actor == user.username
    ]
    assert [e.detail["path"] for e in refused] == [
        f"/sessions/{session_id}/",
        "/authorities/CAM/shared/",
    ]
    assert all(e.outcome == "refused" and e.la == "HAC" for e in refused)
    assert refused[0].detail["what"] == "session"


# -- 5. keyboard and accessibility ---------------------------------------------------


def test_the_first_tab_on_the_sign_in_page_focuses_the_skip_link(
    journey: Journey,
) -> None:
    page = journey.page
    page.goto("/sign-in/")
    journey.shot("sign-in")
    page.keyboard.press("Tab")
    journey.shot("first-tab")
    # XFAIL until the portal bug above is fixed: focus is on Password here
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused(
        timeout=2_000
    )


def test_the_sign_in_page_works_from_the_keyboard_and_explains_errors(
    journey: Journey, member: Member
) -> None:
    page = journey.page
    user = member("la-uploader", la="CAM")
    page.goto("/sign-in/")
    skip = page.get_by_role("link", name="Skip to main content")
    skip.focus()
    expect(skip).to_be_focused()
    journey.shot("skip-link")
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()

    username = page.get_by_label("Username")
    username.fill(user.username)
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title(re.compile(r"^Error: Sign in"))
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary).to_be_focused()  # GOV.UK's script moves focus to it
    problem = summary.get_by_role("link")
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text("correct username and password")
    expect(problem).to_have_attribute("href", f"#{username.get_attribute('id')}")
    journey.shot("error-summary")
    problem.click()
    expect(username).to_be_focused()
    expect(username).to_have_value(user.username)
    journey.shot("error-field-focused")
    failed = registry().events("login_failed")
    assert failed and failed[-1].actor == user.username, failed[-1:]
