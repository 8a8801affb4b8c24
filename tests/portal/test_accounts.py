"""Roles as data, the permission checks, API tokens (only a digest is stored) and
``cld users add`` / ``cld users token`` through their command functions."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from cld.cli import users_command
from cld.engine.errors import UsageError
from cld.portal.accounts import permissions as p
from cld.portal.accounts.models import Membership, Token
from cld.portal.accounts.roles import ROLES, Permission
from cld.portal.data_area import registry


def test_the_five_roles() -> None:
    assert list(ROLES) == [
        "la-uploader",
        "la-governance",
        "hub-analyst",
        "ig-reviewer",
        "admin",
    ]
    assert ROLES["admin"].permissions == frozenset(Permission)
    assert Permission.UPLOAD_FILES not in ROLES["hub-analyst"].permissions


def test_checks_and_cans_agree(member: Any) -> None:
    cam = member("la-uploader", la="CAM")
    analyst = member("hub-analyst", use_cases=("pan",))
    nobody = member(None)
    assert p.can_do(cam, Permission.UPLOAD_FILES)
    assert not p.can_do(cam, Permission.READ_AUDIT_LOG)
    assert p.can_see_authority(cam, "CAM") and not p.can_see_authority(cam, "HAC")
    assert not p.can_see_authority(analyst, "CAM")
    assert p.can_see_use_case(analyst, "pan")
    assert not p.can_see_use_case(analyst, "sufficiency")
    assert not p.can_see_use_case(cam, "pan")
    assert not p.can_do(nobody, Permission.VIEW_OWN_SESSIONS)
    p.check_see_authority(cam, "CAM")
    for check in (
        lambda: p.check_do(cam, Permission.ADMINISTER),
        lambda: p.check_see_authority(cam, "HAC"),
        lambda: p.check_see_use_case(analyst, "sufficiency"),
    ):
        with pytest.raises(PermissionDenied):
            check()
    cam.is_active = False
    assert not p.can_do(cam, Permission.UPLOAD_FILES)


def test_a_token_is_stored_only_as_its_digest(member: Any) -> None:
    user = member("la-uploader", la="CAM")
    token, secret = Token.issue(user)
    assert len(secret) >= 43
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(Token.objects.filter(pk=token.pk).values().get())
    assert Token.find(secret) == token
    assert Token.find(secret + "x") is None and Token.find("") is None
    _, second = Token.issue(user)
    assert Token.find(secret) is None and Token.find(second) is not None


def _add(data_dir: Path, username: str, role: str, **options: Any) -> int:
    return users_command.add(
        data_dir=str(data_dir),
        username=username,
        role=role,
        la=options.get("la"),
        use_case=options.get("use_case"),
        password_stdin=options.get("password_stdin", False),
        by="test",
    )


def test_users_add_prints_a_password_once(
    data_dir: Path, transactional_db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _add(data_dir, "ann", "la-uploader", la="Camden") == 0
    password = capsys.readouterr().out.strip().splitlines()[-1]
    user = authenticate(RequestFactory().post("/"), username="ann", password=password)
    assert user is not None
    assert Membership.objects.get(user=user).la == "CAM"
    event = registry().events("user_added")[-1]
    assert event.detail["username"] == "ann" and event.la == "CAM"
    assert password not in str(event.detail)


def test_users_add_reads_the_password_from_stdin(
    data_dir: Path,
    transactional_db: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough passphrase\n"))
    assert (
        _add(
            data_dir,
            "bob",
            "hub-analyst",
            use_case=["pan", "sufficiency"],
            password_stdin=True,
        )
        == 0
    )
    assert "a long enough passphrase" not in capsys.readouterr().out
    assert authenticate(
        RequestFactory().post("/"), username="bob", password="a long enough passphrase"
    )
    membership = Membership.objects.get(user__username="bob")
    assert membership.use_cases == ["pan", "sufficiency"]


@pytest.mark.parametrize(
    ("role", "options", "message"),
    [
        ("boss", {}, "unknown role 'boss'"),
        ("la-uploader", {}, "--la is needed"),
        ("la-uploader", {"la": "Atlantis"}, "unknown local authority"),
        ("admin", {"la": "CAM"}, "drop --la"),
        ("hub-analyst", {}, "--use-case is needed"),
        ("hub-analyst", {"use_case": ["nope"]}, "nope"),
        ("ig-reviewer", {"use_case": ["pan"]}, "drop it"),
    ],
)
def test_users_add_refuses_what_is_wrong(
    data_dir: Path,
    transactional_db: None,
    role: str,
    options: dict[str, Any],
    message: str,
) -> None:
    with pytest.raises(UsageError, match=message):
        _add(data_dir, "carol", role, **options)
    assert not get_user_model().objects.filter(username="carol").exists()


def test_users_add_refuses_a_weak_password_and_a_taken_name(
    data_dir: Path, transactional_db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    with pytest.raises(UsageError, match="too weak"):
        _add(data_dir, "dan", "admin", password_stdin=True)
    assert _add(data_dir, "dan", "admin") == 0
    with pytest.raises(UsageError, match="already a user"):
        _add(data_dir, "dan", "admin")


def test_users_token_prints_the_token_last(
    data_dir: Path, transactional_db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _add(data_dir, "eve", "la-uploader", la="HAC") == 0
    capsys.readouterr()
    assert users_command.token(data_dir=str(data_dir), username="eve", by="test") == 0
    printed = capsys.readouterr().out.strip().splitlines()
    secret = printed[-1]
    found = Token.find(secret)
    assert found is not None and found.user.username == "eve"
    assert found.expires_at - found.created_at == dt.timedelta(days=90)
    expires = f"{found.expires_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
    assert f"working until {expires} (90 days" in printed[0]
    assert registry().events("api_token_issued")[-1].detail == {
        "username": "eve",
        "expires": found.expires_at.isoformat(),
    }
    with pytest.raises(UsageError, match="no active user"):
        users_command.token(data_dir=str(data_dir), username="nobody", by="test")


def test_users_commands_parse_as_typed(data_dir: Path, transactional_db: None) -> None:
    from typer.testing import CliRunner

    dd = ["--data-dir", str(data_dir)]
    runner = CliRunner()
    added = runner.invoke(
        users_command.app,
        ["add", *dd, "zoe", "--role", "hub-analyst", "--use-case", "pan"],
    )
    assert added.exit_code == 0, added.output
    assert Membership.objects.get(user__username="zoe").use_cases == ["pan"]
    issued = runner.invoke(users_command.app, ["token", *dd, "zoe"])
    assert issued.exit_code == 0, issued.output
    assert Token.find(issued.output.strip().splitlines()[-1]) is not None
