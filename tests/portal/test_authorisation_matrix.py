"""Every URL of the portal and every API call, as every role and as another
authority's user: allowed or denied, exactly as the roles say (docs/portal.md).

Denied is 403 (or, for something looked up by id, 404 exactly as for a thing that
does not exist); nothing of another authority leaks into a denied answer, a list
or a search; a denied change changes nothing; and a new URL fails
:func:`test_the_matrix_covers_every_url` until it is added here."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cld.portal.accounts.models import Token
from cld.portal.data_area import registry
from cld.portal.hub.files import output_files

PEOPLE: dict[str, dict[str, Any]] = {
    "cam-uploader": {"role": "la-uploader", "la": "CAM"},
    "cam-governance": {"role": "la-governance", "la": "CAM"},
    "hac-uploader": {"role": "la-uploader", "la": "HAC"},
    "hac-governance": {"role": "la-governance", "la": "HAC"},
    "analyst": {"role": "hub-analyst", "use_cases": ("pan",)},
    "ig-reviewer": {"role": "ig-reviewer"},
    "admin": {"role": "admin"},
}
EVERYONE = set(PEOPLE)
CAM_OWN = {"cam-uploader", "admin"}
"""CAM's sessions: its uploaders and the platform's administrators."""
UPLOADERS = {"cam-uploader", "hac-uploader", "admin"}
CAM_GOVERNANCE = {"cam-governance", "admin"}
PAN = {"analyst", "admin"}
IG = {"ig-reviewer", "admin"}

# Each page or call: (URL name, its arguments by kind, who may). Arguments name
# CAM's things: "la" CAM, "session" one of CAM's sessions, "table"/"file" one of
# the pan outputs. Everyone else must be refused.
PAGES: list[tuple[str, str, dict[str, str], set[str]]] = [
    ("start", "start", {}, EVERYONE),
    ("health", "health", {}, EVERYONE),
    ("shared-CAM", "shared", {"la": "CAM"}, {"cam-uploader", "cam-governance", *IG}),
    ("upload", "upload", {}, UPLOADERS),
    ("upload-progress", "upload-progress", {"session_id": "session"}, CAM_OWN),
    ("sessions", "sessions", {}, UPLOADERS),
    ("session", "session", {"session_id": "session"}, CAM_OWN),
    ("issues-csv", "session-issues-csv", {"session_id": "session"}, CAM_OWN),
    ("issues-xlsx", "session-issues-xlsx", {"session_id": "session"}, CAM_OWN),
    (
        "agreements-index",
        "agreements-index",
        {},
        {"cam-governance", "hac-governance", "admin"},
    ),
    ("agreements-CAM", "agreements", {"la": "CAM"}, CAM_GOVERNANCE),
    ("sign", "agreement-sign", {"la": "CAM", "use_case": "equalities"}, CAM_GOVERNANCE),
    (
        "withdraw",
        "agreement-withdraw",
        {"la": "CAM", "use_case": "pan"},
        CAM_GOVERNANCE,
    ),
    ("dpia", "dpia", {"la": "CAM"}, CAM_GOVERNANCE),
    ("dpia-draft", "dpia-draft", {"la": "CAM"}, {"cam-governance", *IG}),
    ("dpia-reviews", "dpia-reviews", {}, IG),
    ("dpia-review", "dpia-review", {"la": "CAM"}, IG),
    ("hub", "hub", {}, PAN),
    ("outputs", "outputs", {}, PAN),
    ("output-pan", "output", {"use_case": "pan"}, PAN),
    ("output-sufficiency", "output", {"use_case": "sufficiency"}, {"admin"}),
    ("output-file", "output-file", {"use_case": "pan", "filename": "file"}, PAN),
    ("audit-log", "audit-log", {}, IG),
    ("audit-export", "audit-log-export", {}, IG),
    ("admin-users", "admin-users", {}, {"admin"}),
    ("admin-user-add", "admin-user-add", {}, {"admin"}),
    ("admin-user", "admin-user", {"user_id": "user"}, {"admin"}),
    ("admin-policy", "admin-policy", {}, {"admin"}),
    ("admin-policy-download", "admin-policy-download", {}, {"admin"}),
    ("admin-policy-edit", "admin-policy-edit", {}, {"admin"}),
]
API: list[tuple[str, str, dict[str, str], set[str]]] = [
    ("api-openapi", "api-openapi", {}, EVERYONE),
    ("api-sessions", "api-sessions", {}, UPLOADERS),
    ("api-session", "api-session", {"session_id": "session"}, CAM_OWN),
    (
        "api-session-issues",
        "api-session-issues",
        {"session_id": "session"},
        CAM_OWN,
    ),
    ("api-output-pan", "api-output", {"use_case": "pan"}, PAN),
    ("api-output-sufficiency", "api-output", {"use_case": "sufficiency"}, {"admin"}),
    (
        "api-output-table",
        "api-output-table",
        {"use_case": "pan", "table": "table"},
        PAN,
    ),
]
NOT_IN_THE_MATRIX = {
    "sign-in": "public: the sign-in tests",
    "sign-out": "POST only, any signed-in person: the sign-in tests",
    "two-factor": "before the second factor: the sign-in tests",
    "two-factor-cancel": "before the second factor: the sign-in tests",
    "api-uploads": "POST: test_denied_changes_change_nothing and test_api",
}
CHANGES: list[tuple[str, dict[str, str], set[str]]] = [
    ("upload", {}, UPLOADERS),
    ("agreement-sign", {"la": "CAM", "use_case": "equalities"}, CAM_GOVERNANCE),
    ("agreement-withdraw", {"la": "CAM", "use_case": "pan"}, CAM_GOVERNANCE),
    ("dpia", {"la": "CAM"}, CAM_GOVERNANCE),
    ("dpia-review", {"la": "CAM"}, IG),
    ("admin-user-add", {}, {"admin"}),
    ("admin-user", {"user_id": "user"}, {"admin"}),
    ("admin-policy-edit", {}, {"admin"}),
    ("api-uploads", {}, UPLOADERS),
]


def _names(resolver: URLResolver | None = None) -> Iterator[str]:
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _names(entry)
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry.name


def test_the_matrix_covers_every_url() -> None:
    covered = {name for _, name, _, _ in PAGES + API} | set(NOT_IN_THE_MATRIX)
    assert set(_names()) == covered


@pytest.fixture
def cam() -> dict[str, str]:
    """The values of CAM's things the URLs name."""
    sessions = [s for s in registry().sessions("CAM") if s.status == "published"]
    files = {f.name for f in output_files("pan")}
    tables = sorted(n.removesuffix(".csv") for n in files if n.endswith(".csv"))
    return {
        "session": sessions[0].id,
        "file": tables[0] + ".csv",
        "table": tables[0],
        "CAM": "CAM",
    }


def _url(name: str, arguments: dict[str, str], values: dict[str, str]) -> str:
    return reverse(
        name, kwargs={key: values.get(value, value) for key, value in arguments.items()}
    )


def _person(member: Any, who: str) -> Any:
    spec = dict(PEOPLE[who])
    return member(spec.pop("role"), **spec)


def _leaks(body: bytes, values: dict[str, str]) -> bool:
    return values["session"].encode() in body


@pytest.mark.parametrize("who", PEOPLE)
def test_each_page_as_each_role(member: Any, who: str, cam: dict[str, str]) -> None:
    user = _person(member, who)
    cam["user"] = str(user.pk)
    client = Client()
    client.force_login(user)
    for label, name, arguments, allowed in PAGES:
        url = _url(name, arguments, cam)
        response = client.get(url)
        response.close()  # a download is streamed: let go of its file
        if who in allowed:
            assert response.status_code in (200, 302), (label, response.status_code)
            if response.status_code == 302:
                assert not response["Location"].startswith(
                    (reverse("sign-in"), reverse("two-factor"))
                ), label
        else:
            expected = (
                (403, 404)
                if "session" in arguments.values()
                or (arguments.get("use_case") and name.startswith("output"))
                else (403,)
            )
            assert response.status_code in expected, (label, response.status_code)
            assert not _leaks(response.content, cam), label


@pytest.mark.parametrize("who", PEOPLE)
def test_each_api_call_as_each_role(member: Any, who: str, cam: dict[str, str]) -> None:
    _, secret = Token.issue(_person(member, who))
    headers = {"Authorization": f"Bearer {secret}"}
    client = Client()
    for label, name, arguments, allowed in API:
        response = client.get(_url(name, arguments, cam), headers=headers)
        response.close()
        if who in allowed:
            assert response.status_code == 200, (label, response.status_code)
        else:
            assert response.status_code in (403, 404), (label, response.status_code)
            assert not _leaks(response.content, cam), label


def test_another_authoritys_things_answer_as_missing(
    member: Any, cam: dict[str, str]
) -> None:
    """HAC's uploader asking for CAM's session gets what a made-up id gets."""
    client = Client()
    client.force_login(_person(member, "hac-uploader"))
    made_up = "20240101T000000Z-CAM-000000"
    for name in ("session", "session-issues-csv", "session-issues-xlsx"):
        real = client.get(reverse(name, kwargs={"session_id": cam["session"]}))
        fake = client.get(reverse(name, kwargs={"session_id": made_up}))
        assert real.status_code == fake.status_code == 404
        assert _page(real.content, cam["session"]) == _page(fake.content, made_up)


CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def _page(body: bytes, asked: str) -> bytes:
    """The page without what differs on every answer: the CSRF token (masked
    afresh each time) and the id asked for."""
    return CSRF.sub(b"", body).replace(asked.encode(), b"")


def test_lists_show_only_what_one_may_see(member: Any, cam: dict[str, str]) -> None:
    hac = Client()
    hac.force_login(_person(member, "hac-uploader"))
    listing = hac.get(reverse("sessions")).content
    assert not _leaks(listing, cam)
    assert all(
        s.id.encode() in listing
        for s in registry().sessions("HAC")
        if s.status == "published"
    )
    analyst = Client()
    analyst.force_login(_person(member, "analyst"))
    outputs = analyst.get(reverse("outputs")).content.decode()
    assert reverse("output", kwargs={"use_case": "pan"}) in outputs
    assert reverse("output", kwargs={"use_case": "sufficiency"}) not in outputs


def _state() -> tuple[Any, ...]:
    from django.contrib.auth import get_user_model

    found = registry()
    return (
        sorted((a.la, a.use_case, a.status.value) for a in found.agreements()),
        sorted((d.la, d.status.value) for d in found.dpias()),
        found.policy()[0].version,
        len(found.sessions()),
        get_user_model().objects.count(),
    )


@pytest.mark.parametrize("who", PEOPLE)
def test_denied_changes_change_nothing(
    member: Any, who: str, cam: dict[str, str]
) -> None:
    user = _person(member, who)
    other = _person(member, "cam-uploader")
    cam["user"] = str(other.pk)
    _, secret = Token.issue(user)
    client = Client()
    client.force_login(user)
    before = _state()
    for name, arguments, allowed in CHANGES:
        if who in allowed:
            continue
        url = _url(name, arguments, cam)
        if name.startswith("api-"):
            response = client.post(
                url, {"la": "CAM"}, headers={"Authorization": f"Bearer {secret}"}
            )
        else:
            response = client.post(url, {"reason": "try", "la": "CAM", "role": "admin"})
        assert response.status_code in (403, 404), (name, response.status_code)
    assert _state() == before
