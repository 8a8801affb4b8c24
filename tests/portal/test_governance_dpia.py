"""DPIAs through the portal: an authority submits its DPIA naming the use cases it
covers, downloads the draft the platform generates, and an IG reviewer approves it
or returns it with a reason the authority then sees.

Tests that change a DPIA use authorities of their own (never CAM or HAC)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cld.governance.agreements import DpiaStatus
from cld.portal.data_area import registry

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def client_of(member: Any, role: str, **membership: Any) -> tuple[Client, Any]:
    user = member(role, **membership)
    client = Client()
    client.force_login(user)
    return client, user


def submit(la: str, *covers: str) -> None:
    registry().set_dpia(
        la,
        status=DpiaStatus.SUBMITTED,
        covers=frozenset(covers),
        on=timezone.localdate(),
        by="test",
    )


def test_an_officer_submits_the_dpia_for_review(member: Any) -> None:
    client, user = client_of(member, "la-governance", la="HAV")
    url = reverse("dpia", kwargs={"la": "HAV"})
    page = client.get(url).content.decode()
    assert "Not started" in page and 'name="covers"' in page
    response = client.post(url, {"covers": ["pan", "sufficiency"]}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert (
        "submitted for review, covering pan, sufficiency" in response.content.decode()
    )
    dpia = registry().dpia("HAV")
    assert dpia.status == DpiaStatus.SUBMITTED
    assert dpia.covers == {"pan", "sufficiency"}
    assert dpia.submitted_on == timezone.localdate()
    event = registry().events("dpia_changed", la="HAV")[-1]
    assert event.actor == user.username and event.detail["status"] == "submitted"
    assert event.source == "127.0.0.1"


def test_a_dpia_must_name_what_it_covers(member: Any) -> None:
    client, _ = client_of(member, "la-governance", la="HAV")
    url = reverse("dpia", kwargs={"la": "HAV"})
    before = len(registry().events())
    for data in ({}, {"covers": ["nothing"]}):
        response = client.post(url, data)
        assert response.status_code == 400
        page = response.content.decode()
        assert "There is a problem" in page
        assert 'href="#id_covers_0"' in page and 'id="id_covers_0"' in page
    assert (
        "Select the use cases the DPIA covers" in client.post(url, {}).content.decode()
    )
    assert "Select only use cases of the policy" in page
    assert len(registry().events()) == before


def test_an_approved_dpia_warns_that_submitting_again_stops_the_flow(
    member: Any,
) -> None:
    client, _ = client_of(member, "la-governance", la="CAM")
    page = client.get(reverse("dpia", kwargs={"la": "CAM"})).content.decode()
    assert "Approved" in page and "IG reviewer" in page
    assert "govuk-warning-text" in page and "back under review" in page
    checked = {
        tag.split('value="')[1].split('"')[0]
        for tag in page.split("<input")[1:]
        if 'name="covers"' in tag and "checked" in tag.split(">")[0]
    }
    assert checked == {"pan", "sufficiency"}  # what the approved DPIA covers


def test_the_dpia_draft_downloads_as_word_and_is_recorded(member: Any) -> None:
    for who in (
        {"role": "la-governance", "la": "CAM"},
        {"role": "ig-reviewer"},
        {"role": "admin"},
    ):
        spec = dict(who)
        client, user = client_of(member, spec.pop("role"), **spec)
        response = client.get(reverse("dpia-draft", kwargs={"la": "CAM"}))
        assert response.status_code == 200
        assert response["Content-Type"] == DOCX
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;") and ".docx" in disposition
        body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
        response.close()
        with zipfile.ZipFile(io.BytesIO(body)) as docx:
            text = docx.read("word/document.xml").decode()
        assert "Camden" in text
        event = registry().events("download", la="CAM")[-1]
        assert event.actor == user.username
        assert event.detail["what"] == "dpia_draft"
        assert event.detail["policy_version"] == registry().policy()[0].version
        assert event.source == "127.0.0.1"


def test_the_reviewer_sees_what_awaits_review_first(member: Any) -> None:
    submit("WAL", "pan")
    client, _ = client_of(member, "ig-reviewer")
    response = client.get(reverse("dpia-reviews"))
    assert response.status_code == 200
    page = response.content.decode()
    waiting, everyone = page.split("Every authority", 1)
    assert "Review the DPIA of Waltham Forest" in waiting
    assert "Camden" not in waiting  # approved, not waiting
    for authority in registry().authorities():
        assert reverse("dpia-review", kwargs={"la": authority.code}) in everyone


def test_the_reviewer_approves_for_the_use_cases_chosen(member: Any) -> None:
    submit("LEW", "pan", "sufficiency")
    registry().sign("LEW", "pan", on=timezone.localdate(), by="test")
    client, user = client_of(member, "ig-reviewer")
    url = reverse("dpia-review", kwargs={"la": "LEW"})
    page = client.get(url).content.decode()
    assert "Approve the DPIA" in page and "Return the DPIA" in page
    assert 'govuk-tag--yellow">Submitted for review' in page
    response = client.post(url, {"action": "approve", "covers": ["pan"]}, follow=True)
    assert response.redirect_chain == [(reverse("dpia-reviews"), 302)]
    assert "approved, covering pan" in response.content.decode()
    dpia = registry().dpia("LEW")
    assert dpia.status == DpiaStatus.APPROVED and dpia.covers == {"pan"}
    assert dpia.reviewer == user.username and dpia.approved_on == timezone.localdate()
    event = registry().events("dpia_changed", la="LEW")[-1]
    assert event.actor == user.username and event.detail["status"] == "approved"
    assert event.source == "127.0.0.1"
    assert registry().permissions("LEW", timezone.localdate()).allows("pan")

    # Other tests on this worker's registry may have recorded LEW's DPIA too
    # (test_hub_outputs): count what this approval adds, not what is there.
    recorded = len(registry().events("dpia_changed", la="LEW"))
    again = client.post(url, {"action": "approve", "covers": ["pan"]}, follow=True)
    assert "nothing changed" in again.content.decode()
    assert len(registry().events("dpia_changed", la="LEW")) == recorded


def test_the_reviewer_returns_it_with_a_reason_the_authority_sees(
    member: Any,
) -> None:
    submit("NEW", "pan")
    client, user = client_of(member, "ig-reviewer")
    url = reverse("dpia-review", kwargs={"la": "NEW"})
    empty = client.post(url, {"action": "return", "reason": "   "})
    assert empty.status_code == 400
    assert "Enter why the DPIA is returned" in empty.content.decode()
    assert registry().dpia("NEW").status == DpiaStatus.SUBMITTED

    reason = "Section 5: say how long the sufficiency tables are kept."
    response = client.post(url, {"action": "return", "reason": reason}, follow=True)
    assert response.redirect_chain == [(reverse("dpia-reviews"), 302)]
    assert registry().dpia("NEW").status == DpiaStatus.DRAFT
    assert registry().dpia("NEW").covers == {"pan"}
    returned = registry().events("dpia_returned", la="NEW")[-1]
    assert returned.actor == user.username and returned.detail["reason"] == reason
    changed = registry().events("dpia_changed", la="NEW")[-1]
    assert changed.actor == user.username and changed.detail["status"] == "draft"

    officer, _ = client_of(member, "la-governance", la="NEW")
    page = officer.get(reverse("dpia", kwargs={"la": "NEW"})).content.decode()
    assert "Returned for changes" in page and reason in page
    assert user.username in page
    officer.post(reverse("dpia", kwargs={"la": "NEW"}), {"covers": ["pan"]})
    page = officer.get(reverse("dpia", kwargs={"la": "NEW"})).content.decode()
    assert reason not in page  # submitted again: the return is behind it


def test_the_reviewer_must_choose_an_action_and_what_it_covers(member: Any) -> None:
    submit("TOW", "pan")
    client, _ = client_of(member, "ig-reviewer")
    url = reverse("dpia-review", kwargs={"la": "TOW"})
    response = client.post(url, {"action": "approve"})
    assert response.status_code == 400
    assert "Select the use cases the DPIA covers" in response.content.decode()
    response = client.post(url, {"action": "shrug"}, follow=True)
    assert "Choose to approve or to return" in response.content.decode()
    assert registry().dpia("TOW").status == DpiaStatus.SUBMITTED
