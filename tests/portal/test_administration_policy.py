"""The policy pages: the version in force with its history and a summary of each
use case, the YAML download (recorded), and editing it with a reason (a policy the
rules refuse lists every problem and changes nothing). The data area is shared by
every portal test, so each test that changes the policy restores it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from cld.engine.errors import GovernanceError
from cld.governance.policy import Policy, policy_to_yaml
from cld.pipeline.registry import Registry
from cld.portal.administration.policy_form import MAX_POLICY_BYTES, parse_policy
from cld.portal.data_area import registry

CHILD_PSEUDONYMISED = "          CHILD:\n            treatment: pseudonymise"
CHILD_KEPT = "          CHILD:\n            treatment: keep"


@pytest.fixture
def original() -> Iterator[Policy]:
    """The policy in force, restored after the test."""
    _, policy = registry().policy()
    yield policy
    if registry().policy()[0].sha256 != policy.sha256:
        registry().set_policy(policy, by="test", reason="restore the shared policy")


@pytest.fixture
def admin(member: Any) -> tuple[Client, Any]:
    user = member("admin")
    client = Client()
    client.force_login(user)
    return client, user


def _edit(client: Client, **data: Any) -> Any:
    current = registry().policy()[0]
    return client.post(
        reverse("admin-policy-edit"), {"base_version": current.version, **data}
    )


def _summary(page: str) -> str:
    start = page.index('class="govuk-error-summary"')
    return page[start : page.index("</ul>", start)]


def _with_days(policy: Policy, days: int) -> str:
    document = policy.document()
    document["unshared_session_days"] = days
    return yaml.safe_dump(document, sort_keys=False)


def test_the_policy_page(admin: tuple[Client, Any]) -> None:
    client, _ = admin
    current, policy = registry().policy()
    page = client.get(reverse("admin-policy")).content.decode()
    assert f"In force: version {current.version}" in page
    assert current.sha256 in page and escape(current.reason) in page
    assert current.created_by in page
    history = page[page.index('id="policy-history"') :]
    for version in registry().policy_history():
        assert f">{version.version}</td>" in history
    for name, case in policy.use_cases.items():
        assert f'id="use-case-{name}"' in page and escape(case.title) in page
    pan = page[page.index('id="use-case-pan"') :].split("</details>")[0]
    assert "ssda903: header" in pan and "<code>CHILD</code>" in pan
    assert "replaced by a keyed pseudonym" in pan
    assert "national identifiers are kept as pseudonyms" in pan


def test_the_download_is_the_exported_yaml_and_is_recorded(
    admin: tuple[Client, Any],
) -> None:
    client, user = admin
    current, policy = registry().policy()
    response = client.get(reverse("admin-policy-download"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/yaml; charset=utf-8"
    name = f"policy-v{current.version}.yaml"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response.content.decode() == policy_to_yaml(policy)
    event = registry().events_page(action="download", limit=1)[0]
    assert event.actor == user.username and event.source == "127.0.0.1"
    assert event.detail == {
        "file": name,
        "policy_version": current.version,
        "sha256": current.sha256,
    }


def test_the_edit_page_starts_from_the_policy_in_force(
    admin: tuple[Client, Any],
) -> None:
    client, _ = admin
    current, policy = registry().policy()
    page = client.get(reverse("admin-policy-edit")).content.decode()
    assert 'enctype="multipart/form-data"' in page and "csrfmiddlewaretoken" in page
    assert f'name="base_version" value="{current.version}"' in page
    assert "unshared_session_days: " + str(policy.unshared_session_days) in page


def test_an_admin_edits_the_policy_with_a_reason(
    admin: tuple[Client, Any], original: Policy
) -> None:
    client, user = admin
    before = registry().policy()[0]
    response = _edit(
        client, document=_with_days(original, 45), reason="keep less for less long"
    )
    assert response.status_code == 302 and response["Location"] == reverse(
        "admin-policy"
    )
    current, policy = registry().policy()
    assert current.version == before.version + 1
    assert (current.created_by, current.reason) == (
        user.username,
        "keep less for less long",
    )
    assert policy.unshared_session_days == 45
    event = registry().events_page(action="policy_changed", limit=1)[0]
    assert (event.actor, event.source) == (user.username, "127.0.0.1")
    assert event.detail == {
        "version": current.version,
        "sha256": current.sha256,
        "reason": "keep less for less long",
    }
    page = client.get(response["Location"]).content.decode()
    assert f"Policy version {current.version} is in force" in page


def test_an_uploaded_policy_is_used_instead_of_the_text(
    admin: tuple[Client, Any], original: Policy
) -> None:
    client, _ = admin
    upload = SimpleUploadedFile(
        "policy.yaml", _with_days(original, 30).encode(), "application/yaml"
    )
    response = _edit(
        client, document="not: [the, policy", upload=upload, reason="from a file"
    )
    assert response.status_code == 302
    assert registry().policy()[1].unshared_session_days == 30


def test_a_policy_that_keeps_a_raw_identifier_is_refused(
    admin: tuple[Client, Any], original: Policy
) -> None:
    client, _ = admin
    text = policy_to_yaml(original)
    assert CHILD_PSEUDONYMISED in text
    before = registry().policy()[0]
    response = _edit(
        client,
        document=text.replace(CHILD_PSEUDONYMISED, CHILD_KEPT),
        reason="keep the child's id",
    )
    assert response.status_code == 400
    summary = _summary(response.content.decode())
    assert "The policy is not allowed:" in summary
    assert "ssda903.header.CHILD (identifier) cannot be keep" in summary
    assert summary.count("cannot be keep") == text.count(CHILD_PSEUDONYMISED)
    assert registry().policy()[0] == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"document": ""}, "Enter the policy, or upload a policy file"),
        ({"document": "use_cases: ["}, "The policy is not valid YAML: line 1"),
        ({"document": "- just a list"}, "must be a YAML mapping"),
        ({"document": "use_cases: {pan: 3}"}, "use_cases.pan: Input should be"),
        ({"base_version": ""}, "Open the page again"),
    ],
)
def test_a_bad_edit_is_explained_and_changes_nothing(
    admin: tuple[Client, Any], data: dict[str, str], message: str
) -> None:
    client, _ = admin
    before = registry().policy()[0]
    response = _edit(client, **{"reason": "try", **data})
    assert response.status_code == 400
    assert message in _summary(response.content.decode())
    assert registry().policy()[0] == before


def test_a_change_needs_a_reason(admin: tuple[Client, Any], original: Policy) -> None:
    client, _ = admin
    before = registry().policy()[0]
    response = _edit(client, document=_with_days(original, 20), reason="  ")
    assert response.status_code == 400
    assert "Enter why the policy changes" in _summary(response.content.decode())
    assert registry().policy()[0] == before


def test_an_unchanged_policy_says_nothing_changed(
    admin: tuple[Client, Any], original: Policy
) -> None:
    client, _ = admin
    before = registry().policy()[0]
    response = _edit(client, document=policy_to_yaml(original), reason="")
    assert response.status_code == 302
    assert registry().policy()[0] == before
    page = client.get(response["Location"]).content.decode()
    assert (
        f"Nothing changed: that is the policy in force (version {before.version})"
        in (page)
    )


def test_an_edit_over_a_newer_version_is_refused(
    admin: tuple[Client, Any], original: Policy
) -> None:
    client, _ = admin
    stale = registry().policy()[0].version
    registry().set_policy(
        Policy.model_validate({**original.document(), "unshared_session_days": 60}),
        by="someone-else",
        reason="meanwhile",
    )
    response = client.post(
        reverse("admin-policy-edit"),
        {
            "base_version": stale,
            "document": _with_days(original, 10),
            "reason": "mine",
        },
    )
    assert response.status_code == 400
    assert "The policy changed while you edited it" in response.content.decode()
    assert registry().policy()[1].unshared_session_days == 60


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe not utf-8", "must be UTF-8 text"),
        (b"#" * (MAX_POLICY_BYTES + 1), "must be UTF-8 text of at most 256 KB"),
    ],
)
def test_an_unreadable_upload_is_refused(
    admin: tuple[Client, Any], content: bytes, message: str
) -> None:
    client, _ = admin
    before = registry().policy()[0]
    upload = SimpleUploadedFile("policy.yaml", content, "application/yaml")
    response = _edit(client, upload=upload, reason="try")
    assert response.status_code == 400
    assert message in _summary(response.content.decode())
    assert registry().policy()[0] == before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: &x [1, 2]\nb: *x\n", "anchors or aliases"),
        ("use_cases: " + "[" * 40 + "]" * 40, "nested more than 16 levels"),
        ("x" * (MAX_POLICY_BYTES + 1), "the most read is 256 KB"),
        ("use_cases: [1, 2]\n", "each use case is a mapping"),
        ("a: \x00\n", "not valid YAML"),
        ("a: b: c\n", "line 1, column 5: mapping values are not allowed here"),
    ],
)
def test_hostile_documents_are_refused_before_they_cost_anything(
    text: str, message: str
) -> None:
    policy, problems = parse_policy(text)
    assert policy is None
    assert len(problems) == 1 and message in problems[0]


def test_a_list_where_tables_are_due_is_named() -> None:
    policy, problems = parse_policy(
        "use_cases:\n  pan:\n    datasets:\n      ssda903: [1]\n"
    )
    assert policy is None
    assert any(
        "use_cases.pan.datasets.ssda903: Input should be a valid dictionary" in p
        for p in problems
    )


def test_every_problem_is_listed_on_its_own() -> None:
    policy, problems = parse_policy("use_cases:\n  pan:\n    name: pan\n    title: 3\n")
    assert policy is None and len(problems) > 2
    assert all(
        p.startswith("The policy is not valid: use_cases.pan.") for p in problems
    )
    assert any("purpose: Field required" in p for p in problems)


def test_what_the_registry_says_at_the_last_moment_is_shown(
    admin: tuple[Client, Any], original: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone else stored the same policy just before, or the registry refused."""
    client, _ = admin
    edit = {"document": _with_days(original, 15), "reason": "shorter"}
    monkeypatch.setattr(Registry, "set_policy", lambda *_, **__: None)
    response = _edit(client, **edit)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Nothing changed: that is the policy in force" in page

    def refuse(*_: Any, **__: Any) -> None:
        raise GovernanceError("say why the policy changes (--reason)")

    monkeypatch.setattr(Registry, "set_policy", refuse)
    response = _edit(client, **edit)
    assert response.status_code == 400
    assert "say why the policy changes" in _summary(response.content.decode())
