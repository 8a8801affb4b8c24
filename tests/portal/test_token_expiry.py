"""API tokens expire: 90 days unless `cld users token --days N` (1 to 365) says
otherwise; the expiry is printed when the token is made and shown on the person's
page; an expired token is refused with 401 saying when it expired, and the refusal
is recorded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cld.cli import users_command
from cld.engine.errors import UsageError
from cld.portal.accounts.models import Token
from cld.portal.data_area import registry

OUTPUTS = "/api/v1/outputs/pan"


def test_a_token_works_until_it_expires(member: Any) -> None:
    analyst = member("hub-analyst", use_cases=("pan",))
    token, secret = Token.issue(analyst, days=3)
    assert token.expires_at - token.created_at == dt.timedelta(days=3)
    auth = {"Authorization": f"Bearer {secret}"}
    assert Client().get(OUTPUTS, headers=auth).status_code == 200
    expired_at = timezone.now() - dt.timedelta(minutes=1)
    Token.objects.filter(pk=token.pk).update(expires_at=expired_at)
    refused = Client().get(OUTPUTS, headers=auth)
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"] == 'Bearer realm="cld"'
    when = f"{expired_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
    assert refused.json()["error"] == (
        f"this API token expired on {when}; ask an administrator for a new one "
        "(cld users token, or the person's page)"
    )
    event = registry().events("api_refused")[-1]
    assert event.detail["reason"] == "expired token"
    assert Token.objects.get(pk=token.pk).last_used_at is not None  # the 200 only


def test_a_token_lasts_one_to_365_days(member: Any) -> None:
    user = member("la-uploader", la="CAM")
    for days in (0, 366):
        with pytest.raises(ValueError, match="1 to 365 days"):
            Token.issue(user, days=days)
    token, _ = Token.issue(user, days=365)
    assert token.expires_at - token.created_at == dt.timedelta(days=365)


def test_users_token_days_sets_and_prints_the_expiry(
    data_dir: Path, transactional_db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from typer.testing import CliRunner

    assert (
        users_command.add(
            data_dir=str(data_dir),
            username="tia",
            role="la-uploader",
            la="CAM",
            use_case=None,
            password_stdin=False,
            by="test",
        )
        == 0
    )
    result = CliRunner().invoke(
        users_command.app,
        ["token", "--data-dir", str(data_dir), "tia", "--days", "7", "--by", "test"],
    )
    assert result.exit_code == 0, result.output
    printed = result.output.strip().splitlines()
    token = Token.find(printed[-1])
    assert token is not None
    assert token.expires_at - token.created_at == dt.timedelta(days=7)
    expires = f"{token.expires_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
    assert f"working until {expires} (7 days" in printed[0]
    too_long = CliRunner().invoke(
        users_command.app,
        ["token", "--data-dir", str(data_dir), "tia", "--days", "400"],
    )
    assert too_long.exit_code == 2
    assert Token.find(printed[-1]) is not None  # the refused one replaced nothing
    with pytest.raises(UsageError, match="1 to 365 days, not 0"):
        from cld.portal.accounts.actions import issue_token

        issue_token(registry(), "tia", by="test", days=0)


def test_the_persons_page_shows_when_the_token_expires(member: Any) -> None:
    admin, person = member("admin"), member("la-uploader", la="CAM")
    client = Client()
    client.force_login(admin)
    page = client.post(f"/admin/users/{person.pk}/", {"change": "token"})
    assert page.status_code == 200
    token = Token.objects.get(user=person)
    shown = timezone.localtime(token.expires_at).strftime("%-d %b %Y %H:%M")
    text = page.content.decode()
    assert "It works until <time" in text and shown in text
    assert "expires <time" in client.get(f"/admin/users/{person.pk}/").content.decode()
