"""Users and roles through the admin pages: adding a person (every bad input a
specific message, nothing created), changing a role with a reason, deactivating
and reactivating, issuing an API token shown once; each change recorded in the
audit log with who did it, from where, and why."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from cld.engine.errors import UsageError
from cld.pipeline.registry.store import Event
from cld.portal.accounts import actions
from cld.portal.accounts.models import Membership, Token
from cld.portal.data_area import registry

PASSWORD = "a long enough passphrase"


def _admin(member: Any) -> tuple[Client, Any]:
    admin = member("admin")
    client = Client()
    client.force_login(admin)
    return client, admin


def _last(action: str) -> Event:
    return registry().events_page(action=action, limit=1)[0]


def error_summary(page: str) -> str:
    start = page.index('class="govuk-error-summary"')
    return page[start : page.index("</ul>", start)]


def _new_user(**fields: Any) -> dict[str, Any]:
    return {
        "username": f"new-{secrets.token_hex(3)}",
        "role": "la-uploader",
        "la": "CAM",
        "password": PASSWORD,
        "password_again": PASSWORD,
        **fields,
    }


def test_the_users_list(member: Any) -> None:
    client, admin = _admin(member)
    analyst = member("hub-analyst", use_cases=("pan", "sufficiency"))
    Token.issue(analyst)
    page = client.get(reverse("admin-users")).content.decode()
    assert reverse("admin-user", kwargs={"user_id": analyst.pk}) in page
    row = page[page.index(f">{analyst.username}</a>") :].split("</tr>")[0]
    assert "Hub analyst" in row and "pan, sufficiency" in row
    assert "Active" in row and "Never" in row and "Yes, issued" in row
    row = page[page.index(f">{admin.username}</a>") :].split("</tr>")[0]
    assert (
        "Platform administrator" in row and '<td class="govuk-table__cell">No<' in row
    )


def test_an_admin_adds_a_user(member: Any) -> None:
    client, admin = _admin(member)
    assert client.get(reverse("admin-user-add")).status_code == 200
    data = _new_user()
    response = client.post(reverse("admin-user-add"), data)
    user = get_user_model().objects.get(username=data["username"])
    assert response.status_code == 302
    assert response["Location"] == reverse("admin-user", kwargs={"user_id": user.pk})
    assert user.check_password(PASSWORD) and user.is_active
    assert Membership.objects.get(user=user).la == "CAM"
    event = _last("user_added")
    assert event.actor == admin.username and event.source == "127.0.0.1"
    assert event.detail["username"] == data["username"] and event.la == "CAM"
    assert PASSWORD not in str(event.detail)
    page = client.get(response["Location"]).content.decode()
    assert f"Added {data['username']} as Local authority uploader" in page


def test_an_admin_adds_a_hub_analyst_with_use_cases(member: Any) -> None:
    client, _ = _admin(member)
    data = _new_user(role="hub-analyst", la="", use_cases=["pan", "sufficiency"])
    assert client.post(reverse("admin-user-add"), data).status_code == 302
    membership = Membership.objects.get(user__username=data["username"])
    assert membership.use_cases == ["pan", "sufficiency"] and membership.la == ""


@pytest.mark.parametrize(
    ("fields", "messages"),
    [
        ({"username": ""}, ["Enter a username"]),
        ({"username": "x" * 151}, ["A username has at most 150 characters"]),
        ({"role": ""}, ["Select a role"]),
        ({"role": "boss"}, ["Select one of the roles"]),
        ({"la": ""}, ["Select the authority the local authority uploader works for"]),
        ({"la": "ZZZ"}, ["Select an authority from the list"]),
        (
            {"role": "admin"},
            ["A platform administrator is not tied to one authority"],
        ),
        (
            {"role": "hub-analyst", "la": ""},
            ["Select at least one use case the hub analyst may see"],
        ),
        (
            {"use_cases": ["pan"]},
            ["Only hub analysts are approved per use case"],
        ),
        (
            {"role": "hub-analyst", "la": "", "use_cases": ["nope"]},
            ["Select use cases from the list"],
        ),
        ({"password_again": PASSWORD + "!"}, ["Enter the same password twice"]),
        (
            {"password": "password", "password_again": "password"},
            ["This password is too short", "This password is too common"],
        ),
        ({"password": "", "password_again": ""}, ["Enter an initial password"]),
        (
            {"username": "", "role": "", "password_again": ""},
            ["Enter a username", "Select a role", "Enter the password again"],
        ),
    ],
)
def test_bad_inputs_are_each_explained_and_create_nothing(
    member: Any, fields: dict[str, Any], messages: list[str]
) -> None:
    client, _ = _admin(member)
    before = get_user_model().objects.count()
    added = len(registry().events("user_added"))
    response = client.post(reverse("admin-user-add"), _new_user(**fields))
    page = response.content.decode()
    assert response.status_code == 400
    for message in messages:
        assert message in error_summary(page)
    assert get_user_model().objects.count() == before
    assert len(registry().events("user_added")) == added


def test_a_taken_username_is_refused(member: Any) -> None:
    client, _ = _admin(member)
    taken = member("la-uploader", la="CAM")
    response = client.post(
        reverse("admin-user-add"), _new_user(username=taken.username)
    )
    assert response.status_code == 400
    assert (
        f"There is already a user called {taken.username}" in response.content.decode()
    )


def _user_page(client: Client, user: Any, **data: Any) -> Any:
    return client.post(reverse("admin-user", kwargs={"user_id": user.pk}), data)


def test_an_admin_changes_a_role_with_a_reason(member: Any) -> None:
    client, admin = _admin(member)
    person = member("la-uploader", la="CAM")
    change = {"change": "membership", "role": "ig-reviewer", "la": ""}
    refused = _user_page(client, person, **change)
    assert refused.status_code == 400
    assert "Enter why the role changes" in refused.content.decode()
    assert Membership.objects.get(user=person).role == "la-uploader"
    response = _user_page(client, person, **change, reason="moved to the IG team")
    assert response.status_code == 302
    membership = Membership.objects.get(user=person)
    assert (membership.role, membership.la) == ("ig-reviewer", "")
    event = _last("user_changed")
    assert event.actor == admin.username and event.source == "127.0.0.1"
    assert event.la == "CAM"
    assert event.detail == {
        "username": person.username,
        "role": "ig-reviewer",
        "previous_role": "la-uploader",
        "la": "",
        "previous_la": "CAM",
        "reason": "moved to the IG team",
    }
    page = client.get(response["Location"]).content.decode()
    assert f"Changed {person.username}&#x27;s role and authority" in page


def test_an_authority_change_needs_no_reason_and_no_change_says_so(
    member: Any,
) -> None:
    client, _ = _admin(member)
    person = member("la-governance", la="CAM")
    same = {"change": "membership", "role": "la-governance"}
    assert _user_page(client, person, **same, la="HAC").status_code == 302
    assert _last("user_changed").detail == {
        "username": person.username,
        "la": "HAC",
        "previous_la": "CAM",
    }
    last = registry().events_page(limit=1)[0].id
    response = _user_page(client, person, **same, la="HAC")
    assert response.status_code == 302
    assert registry().events_page(limit=1)[0].id == last
    page = client.get(response["Location"]).content.decode()
    assert f"Nothing changed for {person.username}" in page


def test_an_admin_cannot_demote_or_deactivate_themselves(member: Any) -> None:
    client, admin = _admin(member)
    demote = _user_page(
        client, admin, change="membership", role="ig-reviewer", la="", reason="oops"
    )
    assert demote.status_code == 400
    assert "cannot take the administrator role from yourself" in demote.content.decode()
    assert Membership.objects.get(user=admin).role == "admin"
    page = client.get(reverse("admin-user", kwargs={"user_id": admin.pk}))
    assert "You cannot deactivate your own account" in page.content.decode()
    assert 'value="deactivate"' not in page.content.decode()
    itself = _user_page(client, admin, change="deactivate", deactivate_reason="test")
    assert itself.status_code == 400
    assert "you cannot deactivate yourself" in itself.content.decode()
    admin.refresh_from_db()
    assert admin.is_active


def test_a_deactivated_user_can_no_longer_sign_in(member: Any) -> None:
    client, admin = _admin(member)
    person = member("la-uploader", la="HAC", password=PASSWORD)
    _, secret = Token.issue(person)
    theirs = Client()
    theirs.force_login(person)
    assert theirs.get(reverse("start")).status_code == 200
    no_reason = _user_page(client, person, change="deactivate", deactivate_reason="")
    assert no_reason.status_code == 400
    assert "Enter why the account is deactivated" in no_reason.content.decode()
    response = _user_page(
        client, person, change="deactivate", deactivate_reason="left the council"
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert not person.is_active
    assert Token.find(secret) is None and not Token.objects.filter(user=person)
    event = _last("user_deactivated")
    assert event.actor == admin.username and event.la == "HAC"
    assert event.detail == {
        "username": person.username,
        "reason": "left the council",
        "api_tokens_revoked": 1,
    }
    assert theirs.get(reverse("start")).status_code == 302  # their session ends
    fresh = Client()
    fresh.post(reverse("sign-in"), {"username": person.username, "password": PASSWORD})
    assert "_auth_user_id" not in fresh.session
    page = client.get(response["Location"]).content.decode()
    assert "Deactivated" in page and 'value="reactivate"' in page


def test_a_deactivated_user_is_reactivated(member: Any) -> None:
    client, admin = _admin(member)
    person = member("ig-reviewer", password=PASSWORD)
    _user_page(client, person, change="deactivate", deactivate_reason="on leave")
    again = _user_page(client, person, change="deactivate", deactivate_reason="twice")
    assert again.status_code == 400
    assert "is deactivated already" in again.content.decode()
    response = _user_page(
        client, person, change="reactivate", reactivate_reason="back from leave"
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.is_active
    event = _last("user_reactivated")
    assert event.actor == admin.username
    assert event.detail == {"username": person.username, "reason": "back from leave"}
    twice = _user_page(client, person, change="reactivate")
    assert twice.status_code == 400 and "is active already" in twice.content.decode()


def test_a_new_api_token_is_shown_once_and_only_its_digest_kept(member: Any) -> None:
    client, admin = _admin(member)
    person = member("la-uploader", la="CAM")
    response = _user_page(client, person, change="token")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    secret = page.split('<code id="new-token">')[1].split("</code>")[0]
    token = Token.find(secret)
    assert token is not None and token.user == person
    assert secret not in str(list(Token.objects.filter(user=person).values()))
    assert len(token.digest) == 64
    event = _last("api_token_issued")
    assert event.actor == admin.username and event.source == "127.0.0.1"
    assert event.detail == {
        "username": person.username,
        "expires": token.expires_at.isoformat(),
    }
    assert secret not in str(event.detail)
    later = client.get(reverse("admin-user", kwargs={"user_id": person.pk}))
    assert secret not in later.content.decode()
    assert "Issued" in later.content.decode()


def test_a_deactivated_user_gets_no_token(member: Any) -> None:
    client, _ = _admin(member)
    person = member("la-uploader", la="CAM")
    _user_page(client, person, change="deactivate", deactivate_reason="gone")
    response = _user_page(client, person, change="token")
    assert response.status_code == 400
    assert "no active user" in response.content.decode()
    assert not Token.objects.filter(user=person).exists()


def test_the_user_page_refuses_what_it_does_not_know(member: Any) -> None:
    client, _ = _admin(member)
    person = member("la-uploader", la="CAM")
    unknown = _user_page(client, person, change="promote")
    assert unknown.status_code == 400
    assert "Choose what to change" in unknown.content.decode()
    missing = client.get(reverse("admin-user", kwargs={"user_id": 10**9}))
    assert missing.status_code == 404


def test_a_user_without_a_role_is_given_one(member: Any) -> None:
    client, _ = _admin(member)
    person = member(None)
    page = client.get(reverse("admin-user", kwargs={"user_id": person.pk}))
    assert "No role" in page.content.decode()
    response = _user_page(
        client,
        person,
        change="membership",
        role="hub-analyst",
        use_cases=["pan"],
        reason="approved for pan",
    )
    assert response.status_code == 302
    assert Membership.objects.get(user=person).use_cases == ["pan"]
    assert _last("user_changed").detail["previous_role"] is None


def test_posts_need_the_csrf_token(member: Any) -> None:
    admin = member("admin")
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    person = member("la-uploader", la="CAM")
    assert _user_page(client, person, change="token").status_code == 403
    response = client.post(reverse("admin-user-add"), _new_user())
    assert response.status_code == 403
    assert not Token.objects.filter(user=person).exists()


def test_a_refusal_by_the_action_is_shown(
    member: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the account actions refuse after the form's own checks (a name taken
    a moment ago) is shown too, and nothing is created."""
    client, _ = _admin(member)

    def taken(*_: Any, **__: Any) -> None:
        raise UsageError("there is already a user 'x'")

    monkeypatch.setattr(actions, "add_user", taken)
    data = _new_user()
    response = client.post(reverse("admin-user-add"), data)
    assert response.status_code == 400
    assert "there is already a user" in error_summary(response.content.decode())
    assert not get_user_model().objects.filter(username=data["username"]).exists()


def test_the_actions_check_for_themselves(member: Any) -> None:
    """As the CLI or another caller would use them, without the forms."""
    found = registry()
    person = member("la-uploader", la="CAM")
    with pytest.raises(UsageError, match="say why the role changes"):
        actions.change_member(
            found,
            person.username,
            role="admin",
            la=None,
            use_cases=[],
            reason="",
            by="x",
        )
    with pytest.raises(UsageError, match="say why the account is deactivated"):
        actions.deactivate_user(found, person.username, reason=" ", by="x")
    with pytest.raises(UsageError, match="no user 'nobody-here'"):
        actions.deactivate_user(found, "nobody-here", reason="gone", by="x")
    actions.deactivate_user(found, person.username, reason="gone", by="x")
    actions.reactivate_user(found, person.username, by="x")
    event = _last("user_reactivated")
    assert event.detail == {"username": person.username} and event.source == "cli"
    assert event.la == "CAM"
