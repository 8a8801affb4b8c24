"""Agreements through the portal: each authority's standing, recording a signed
agreement with its PDF (a hostile upload until checked), and withdrawing one.

The data area is shared by the session's portal tests: the tests that change
agreements use authorities of their own (never CAM or HAC)."""

from __future__ import annotations

import datetime as dt
import hashlib
import stat
from pathlib import Path
from typing import Any, cast

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cld.pipeline.signed_documents import MAX_BYTES, PARTIAL, document_path
from cld.portal.data_area import data_area, registry

PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)


def client_of(member: Any, role: str, **membership: Any) -> tuple[Client, Any]:
    user = member(role, **membership)
    client = Client()
    client.force_login(user)
    return client, user


def pdf(body: bytes = PDF, name: str = "signed.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def form(**changes: Any) -> dict[str, Any]:
    signed = timezone.localdate() - dt.timedelta(days=2)
    data: dict[str, Any] = {
        "signatory": "Ada Officer",
        "role": "Data Protection Officer",
        "signed_on_day": str(signed.day),
        "signed_on_month": str(signed.month),
        "signed_on_year": str(signed.year),
        "ends_on_day": "",
        "ends_on_month": "",
        "ends_on_year": "",
        "isg_reference": "ISG-0042",
        "document": pdf(),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def sign_url(la: str, use_case: str = "pan") -> str:
    return reverse("agreement-sign", kwargs={"la": la, "use_case": use_case})


def partials() -> list[Path]:
    folder = data_area().root / "agreements" / PARTIAL
    return list(folder.iterdir()) if folder.is_dir() else []


def stored_documents(la: str) -> list[Path]:
    folder = data_area().root / "agreements" / la
    return sorted(p for p in folder.rglob("*.pdf")) if folder.is_dir() else []


# -- every authority, and one -------------------------------------------------------


def test_an_authority_officer_goes_to_their_own_authority(member: Any) -> None:
    client, _ = client_of(member, "la-governance", la="CAM")
    response = client.get(reverse("agreements-index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("agreements", kwargs={"la": "CAM"})


def test_an_administrator_sees_every_authority(member: Any) -> None:
    client, _ = client_of(member, "admin")
    response = client.get(reverse("agreements-index"))
    assert response.status_code == 200
    page = response.content.decode()
    authorities = registry().authorities()
    assert len(authorities) == 33
    for authority in authorities:
        assert reverse("agreements", kwargs={"la": authority.code}) in page
        assert reverse("dpia", kwargs={"la": authority.code}) in page
    assert "Pan-London benchmarking" in page
    # CAM pan and sufficiency, HAC pan, and whatever other tests of the session
    # have put in force: one "data flows" per authority and use case in force
    in_force = registry().all_permissions(timezone.localdate())
    flowing = sum(len(p.use_cases) for p in in_force.values())
    assert flowing >= 3
    assert page.count("data flows</span>") == flowing


def test_the_authority_page_shows_each_use_case_and_whether_data_flows(
    member: Any,
) -> None:
    client, _ = client_of(member, "la-governance", la="CAM")
    response = client.get(reverse("agreements", kwargs={"la": "CAM"}))
    assert response.status_code == 200
    page = response.content.decode()
    _, policy = registry().policy()
    for name, use_case in policy.use_cases.items():
        assert f'id="use-case-{name}"' in page
        assert escape(use_case.title) in page
    assert "A. Officer" in page and "DPO" in page  # who signed CAM's (conftest)
    assert "ssda903: " in page and "episodes (" in page  # what it receives
    assert page.count('govuk-tag--green">Yes') == 2  # pan and sufficiency flow
    assert "No agreement is signed." in page  # equalities
    assert (
        reverse("agreement-withdraw", kwargs={"la": "CAM", "use_case": "pan"}) in page
    )
    assert (
        reverse("agreement-withdraw", kwargs={"la": "CAM", "use_case": "equalities"})
        not in page
    )
    assert reverse("dpia-draft", kwargs={"la": "CAM"}) in page


def test_an_unknown_authority_or_use_case_is_not_found(member: Any) -> None:
    client, _ = client_of(member, "admin")
    assert client.get(reverse("agreements", kwargs={"la": "XXX"})).status_code == 404
    assert client.get(sign_url("CAM", "nothing")).status_code == 404
    withdraw = reverse("agreement-withdraw", kwargs={"la": "CAM", "use_case": "x"})
    assert client.post(withdraw).status_code == 404


# -- signing --------------------------------------------------------------------------


def test_a_governance_officer_records_a_signed_agreement(member: Any) -> None:
    client, user = client_of(member, "la-governance", la="KUT")
    page = client.get(sign_url("KUT"))
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()
    response = client.post(sign_url("KUT"), form(), follow=True)
    assert response.redirect_chain == [
        (reverse("agreements", kwargs={"la": "KUT"}), 302)
    ]
    assert "agreement is signed" in response.content.decode()
    assert "once a DPIA covering it is approved" in response.content.decode()

    digest = hashlib.sha256(PDF).hexdigest()
    agreement = registry().agreement("KUT", "pan")
    signed = timezone.localdate() - dt.timedelta(days=2)
    assert agreement.status == "signed"
    assert agreement.signed_on == signed
    assert (
        agreement.expires_on is not None
        and agreement.expires_on.year == signed.year + 3
    )
    assert (agreement.signatory, agreement.role) == (
        "Ada Officer",
        "Data Protection Officer",
    )
    assert agreement.document_sha256 == digest
    assert agreement.isg_reference == "ISG-0042"

    stored = document_path(data_area(), "KUT", "pan", digest)
    assert stored.read_bytes() == PDF
    mode = stat.S_IMODE(stored.stat().st_mode)
    assert mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) == 0
    assert partials() == []

    event = registry().events("agreement_signed", la="KUT")[-1]
    assert (event.actor, event.source) == (user.username, "127.0.0.1")
    assert event.detail["document_sha256"] == digest
    assert digest in response.content.decode()


def test_an_end_date_given_is_kept(member: Any) -> None:
    client, _ = client_of(member, "la-governance", la="SUT")
    ends = timezone.localdate() + dt.timedelta(days=400)
    response = client.post(
        sign_url("SUT", "sufficiency"),
        form(
            ends_on_day=str(ends.day),
            ends_on_month=str(ends.month),
            ends_on_year=str(ends.year),
            isg_reference="",
        ),
    )
    assert response.status_code == 302
    agreement = registry().agreement("SUT", "sufficiency")
    assert agreement.expires_on == ends and agreement.isg_reference is None


REFUSALS: dict[str, tuple[dict[str, Any], str]] = {
    "not-a-pdf": (
        {"document": pdf(b"PK\x03\x04 a zip archive %%EOF", "signed.pdf")},
        "The selected file must be a PDF",
    ),
    "html-named-pdf": (
        {"document": pdf(b"<html><body>%PDF-1.4</body></html>", "agreement.pdf")},
        "The selected file must be a PDF",
    ),
    "truncated": (
        {"document": pdf(PDF[:40])},
        "The selected file is not a complete PDF",
    ),
    "oversized": (
        {"document": pdf(b"%PDF-1.4\n" + b"0" * MAX_BYTES + b"\n%%EOF\n")},
        "The selected file must be smaller than 20 MB",
    ),
    "empty-file": (
        {"document": pdf(b"")},
        "The selected file is empty",
    ),
    "no-file": ({"document": None}, "Select the signed agreement (a PDF file)"),
    "no-signatory": ({"signatory": "  "}, "Enter the name of the person who signed"),
    "no-role": ({"role": ""}, "Enter the role of the person who signed"),
    "no-date": (
        {"signed_on_day": "", "signed_on_month": "", "signed_on_year": ""},
        "Enter the date the agreement was signed",
    ),
    "no-month": ({"signed_on_month": ""}, "Date signed must include a month"),
    "not-a-date": (
        {"signed_on_day": "31", "signed_on_month": "2"},
        "Date signed must be a real date",
    ),
    "letters": ({"signed_on_day": "1st"}, "Date signed must be a real date"),
    "short-year": ({"signed_on_year": "25"}, "Year of the date signed must include 4"),
    "ancient": ({"signed_on_year": "1999"}, "Date signed must be in 2000 or later"),
    "future": (
        {"signed_on_year": str(timezone.localdate().year + 1)},
        "Date signed must be today or in the past",
    ),
    "ends-in-the-past": (
        {"ends_on_day": "1", "ends_on_month": "1", "ends_on_year": "2001"},
        "End date must be today or in the future",
    ),
    "ends-incomplete": (
        {"ends_on_day": "1", "ends_on_year": "2030"},
        "End date must include a month",
    ),
    "long-name": ({"signatory": "x" * 201}, "Name must be 200 characters or fewer"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_a_bad_form_is_refused_with_a_specific_message_and_nothing_recorded(
    member: Any, case: str
) -> None:
    client, _ = client_of(member, "la-governance", la="MER")
    changes, message = REFUSALS[case]
    before = registry().events()
    response = client.post(sign_url("MER"), form(**changes))
    assert response.status_code == 400
    page = response.content.decode()
    assert "govuk-error-summary" in page and "There is a problem" in page
    assert message in page
    assert page.count(message) == 2  # in the summary and by the field
    assert registry().agreement("MER", "pan").status == "none"
    assert registry().events()[len(before) :] == []
    assert stored_documents("MER") == []
    assert partials() == []


def test_a_date_error_marks_the_parts_at_fault(member: Any) -> None:
    client, _ = client_of(member, "la-governance", la="MER")
    response = client.post(sign_url("MER"), form(signed_on_month=""))
    page = response.content.decode()
    assert 'href="#id_signed_on_month"' in page
    assert 'aria-describedby="signed_on-hint signed_on-error"' in page
    month = page.split('id="id_signed_on_month"')[0].rsplit("<input", 1)[1]
    day = page.split('id="id_signed_on_day"')[0].rsplit("<input", 1)[1]
    assert "govuk-input--error" in month and "govuk-input--error" not in day
    assert 'aria-invalid="true"' in month and "aria-invalid" not in day
    assert 'aria-describedby="signed_on-error"' in month + day
    assert "_error" not in month + day  # no id of Django's that is not on the page


def test_a_body_declaring_more_than_a_pdf_is_refused_unread(member: Any) -> None:
    client, _ = client_of(member, "la-governance", la="MER")
    body = form(document=pdf(b"%PDF-1.4\n" + b"0" * (MAX_BYTES + 2 * 1024 * 1024)))
    response = client.post(sign_url("MER"), body)
    assert response.status_code == 400
    page = response.content.decode()
    assert page.count("The selected file must be smaller than 20 MB") == 2
    assert 'value="Ada Officer"' not in page  # the body was not read
    assert registry().agreement("MER", "pan").status == "none"
    assert partials() == []


def test_a_second_file_and_other_file_fields_are_ignored(member: Any) -> None:
    client, _ = client_of(member, "la-governance", la="BEX")
    response = client.post(
        sign_url("BEX"),
        {**form(), "extra": pdf(b"%PDF-1.4 other %%EOF", "other.pdf")},
    )
    assert response.status_code == 302
    digest = hashlib.sha256(PDF).hexdigest()
    assert [p.name for p in stored_documents("BEX")] == [f"{digest}.pdf"]
    assert partials() == []


def test_signing_needs_the_csrf_token_and_keeps_nothing_without_it(
    member: Any,
) -> None:
    user = member("la-governance", la="BAR")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(sign_url("BAR"), form())
    assert response.status_code == 403
    assert registry().agreement("BAR", "pan").status == "none"
    assert stored_documents("BAR") == []
    assert partials() == []
    page = client.get(sign_url("BAR")).content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = client.post(sign_url("BAR"), {**form(), "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert registry().agreement("BAR", "pan").status == "signed"


# -- withdrawing ----------------------------------------------------------------------


@pytest.fixture
def published_red(data_dir: Path, tmp_path: Path) -> list[str]:
    """RED (Redbridge) signed for pan with an approved DPIA, one session of its
    synthetic SSDA903 returns published; its published pan tables."""
    from platform_builders import TEST_KEY, allow, ssda903_files

    from cld.cli.app import run
    from cld.engine.transforms.pseudonymise import PseudonymKey
    from cld.pipeline.publish import current_files
    from cld.pipeline.session import process_files

    synthetic = tmp_path / "synthetic"
    assert (
        run(
            [
                "synth",
                "--out",
                str(synthetic),
                "--la",
                "RED",
                "--years",
                "2024",
                "--datasets",
                "ssda903",
                "--children",
                "10",
                "--seed",
                "5",
            ]
        )
        == 0
    )
    found = registry()
    allow(found, "RED", "pan")
    process_files(
        data_area(),
        found,
        found.authority("RED"),
        ssda903_files(synthetic, "RED", 2024, "header", "episodes"),
        by="test",
        key=PseudonymKey(TEST_KEY.encode()),
        today=dt.date.today(),
    )
    tables = [p for p in current_files(data_area(), "RED") if p.startswith("pan/")]
    assert tables
    return tables


def test_withdrawing_deletes_the_published_tables_and_is_recorded(
    member: Any, published_red: list[str]
) -> None:
    from cld.pipeline.publish import current_files

    client, user = client_of(member, "la-governance", la="RED")
    url = reverse("agreement-withdraw", kwargs={"la": "RED", "use_case": "pan"})
    confirm = client.get(url)
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "govuk-button--warning" in page and "govuk-warning-text" in page
    assert "deleted now" in page and f"{len(published_red)} table" in page
    assert all(path in page for path in published_red)
    assert registry().agreement("RED", "pan").status == "signed"  # GET changes nothing

    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("agreements", kwargs={"la": "RED"})
    assert f"{len(published_red)} published tables deleted" in response.content.decode()
    assert registry().agreement("RED", "pan").status == "withdrawn"
    assert not [p for p in current_files(data_area(), "RED") if p.startswith("pan/")]
    assert not (data_area().la_current("RED") / "pan").exists()
    withdrawn = registry().events("agreement_withdrawn", la="RED")[-1]
    deleted = registry().events("published_tables_deleted", la="RED")[-1]
    assert withdrawn.actor == deleted.actor == user.username
    assert withdrawn.source == deleted.source == "127.0.0.1"
    assert sorted(cast("list[str]", deleted.detail["tables"])) == sorted(published_red)
    assert not registry().permissions("RED", timezone.localdate()).allows("pan")

    again = client.get(url).content.decode()
    assert "no Pan-London benchmarking agreement to withdraw" in again
    assert "govuk-button--warning" not in again
    response = client.post(url, follow=True)
    assert "nothing changed" in response.content.decode()
    assert len(registry().events("agreement_withdrawn", la="RED")) == 1


def test_an_upload_cut_off_inside_the_file_leaves_nothing(data_dir: Path) -> None:
    from django.test import RequestFactory

    from cld.portal.governance.upload import SignedPdfUploadHandler

    handler = SignedPdfUploadHandler(
        RequestFactory().post("/"), area=data_area(), field="document"
    )
    handler.new_file("document", "signed.pdf", "application/pdf", None)
    handler.receive_data_chunk(b"%PDF-1.4\n", 0)
    assert len(partials()) == 1
    handler.upload_interrupted()
    assert partials() == []
    handler.cleanup()  # and again, harmlessly, when the request ends
