"""Settings fail closed in production (missing, short, committed or guessable
secrets); the proxy set-up comes from the environment; the database comes from
DATABASE_URL or the data area's SQLite file."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from cld.engine.errors import KeyMissingError
from cld.pipeline.pseudonym_key import DEMO_KEY_TEXT, key_from_environment
from cld.pipeline.registry.audit_key import DEVELOPMENT_AUDIT_KEY
from cld.portal import environment

PRODUCTION = {
    "CLD_ENV": "production",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),  # made here, never committed
    "CLD_PSEUDONYM_KEY": secrets.token_urlsafe(32),
    "CLD_AUDIT_KEY": secrets.token_urlsafe(32),
    "DATABASE_URL": "postgresql://cld@db.example/cld",
}
PROXY_VARIABLES = (
    "CLD_ALLOWED_HOSTS",
    "DJANGO_ALLOWED_HOSTS",
    "CLD_PUBLIC_URL",
    "CLD_TRUSTED_ORIGINS",
    "CLD_BEHIND_TLS_PROXY",
    "CLD_HSTS_SECONDS",
)


def _start(
    env: dict[str, str], show: str = "s.DEBUG"
) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION and k not in PROXY_VARIABLES
    }
    return subprocess.run(
        [sys.executable, "-c", f"import cld.portal.settings as s; print({show})"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("missing", environment.PRODUCTION_NEEDS)
def test_production_refuses_to_start_without_a_secret(missing: str) -> None:
    result = _start({k: v for k, v in PRODUCTION.items() if k != missing})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"CLD_ENV=production needs {missing} set" in result.stderr


def test_production_starts_with_everything_set() -> None:
    result = _start(PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_an_unknown_environment_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="CLD_ENV='prod'"):
        environment.environment({"CLD_ENV": "prod"})


def test_missing_settings_are_all_named() -> None:
    with pytest.raises(ImproperlyConfigured) as raised:
        environment.require_production_settings({"CLD_ENV": "production"})
    assert all(name in str(raised.value) for name in environment.PRODUCTION_NEEDS)


def test_development_uses_a_fake_key_that_says_so() -> None:
    from django.conf import settings

    assert settings.SECRET_KEY == environment.DEVELOPMENT_ONLY_KEY
    assert "never-use-in-production" in settings.SECRET_KEY
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_the_database_comes_from_database_url(tmp_path: Path) -> None:
    db = environment.database(
        "postgresql://cld:pw@db.example:5433/cld?options=-csearch_path%3Dportal",
        tmp_path,
    )
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "cld",
        "cld",
        "pw",
        "db.example",
        "5433",
    )
    assert db["OPTIONS"] == {"options": "-csearch_path=portal"}


def test_without_database_url_the_registry_file_is_used(tmp_path: Path) -> None:
    db = environment.database("", tmp_path)
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(tmp_path / "registry.sqlite")


def test_other_databases_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match="not mysql"):
        environment.database("mysql://db.example/cld", tmp_path)


def test_an_object_store_data_area_needs_database_url() -> None:
    assert environment.data_dir({"CLD_DATA_DIR": "s3://bucket/area"}) == (
        "s3://bucket/area"
    )
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        environment.database("", "s3://bucket/area")


WEAK = {
    "the committed development key": environment.DEVELOPMENT_ONLY_KEY,
    "the development audit key": DEVELOPMENT_AUDIT_KEY,
    "the demo's pseudonym key": DEMO_KEY_TEXT,
    "the tests' pseudonym key": "test-only-pseudonym-key-not-a-secret-0123456789",
    "Django's generated insecure key": "django-insecure-" + secrets.token_urlsafe(40),
    "a short key": "abcde",
    "one character over and over": "a" * 64,
    "a counting run": "0123456789" * 6,
    "a short pattern repeated": "Tr0ub4dor&3x" * 5,
}
WHAT_IS_WRONG = {
    "the committed development key": "is a value written in the repository",
    "the development audit key": "is a value written in the repository",
    "the demo's pseudonym key": "is a value written in the repository",
    "the tests' pseudonym key": "is a value written in the repository",
    "Django's generated insecure key": "is a key Django made for development",
    "a short key": "is 5 characters long; it needs at least",
    "one character over and over": "uses only 1 different characters",
    "a counting run": "has a run of 8 or more repeated or consecutive characters",
    "a short pattern repeated": "repeats a short pattern",
}
MINIMUM = {"DJANGO_SECRET_KEY": 50, "CLD_PSEUDONYM_KEY": 32, "CLD_AUDIT_KEY": 32}


@pytest.mark.parametrize("variable", list(MINIMUM))
@pytest.mark.parametrize("kind", list(WEAK))
def test_production_refuses_a_weak_secret_without_showing_it(
    variable: str, kind: str
) -> None:
    weak = WEAK[kind]
    wrong = WHAT_IS_WRONG[kind]
    if len(weak) < MINIMUM[variable]:  # the demo's and tests' keys (47)
        wrong = f"is {len(weak)} characters long; it needs at least {MINIMUM[variable]}"
    with pytest.raises(ImproperlyConfigured) as raised:
        environment.require_production_settings({**PRODUCTION, variable: weak})
    message = str(raised.value)
    assert f"{variable} {wrong}" in message
    assert weak not in message
    assert "will not start" in message


def test_a_secret_key_needs_fifty_characters() -> None:
    short = secrets.token_urlsafe(60)[:49]
    with pytest.raises(ImproperlyConfigured, match="49 characters long; it needs"):
        environment.require_production_settings(
            {**PRODUCTION, "DJANGO_SECRET_KEY": short}
        )
    environment.require_production_settings(
        {**PRODUCTION, "DJANGO_SECRET_KEY": short + "Z"}
    )


def test_production_does_not_start_on_the_committed_key() -> None:
    result = _start(
        {**PRODUCTION, "DJANGO_SECRET_KEY": environment.DEVELOPMENT_ONLY_KEY}
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is a value written in the repository" in result.stderr
    assert environment.DEVELOPMENT_ONLY_KEY not in result.stderr


def test_production_does_not_start_on_a_five_character_pseudonym_key() -> None:
    result = _start({**PRODUCTION, "CLD_PSEUDONYM_KEY": "abcde"})
    assert result.returncode != 0
    assert "CLD_PSEUDONYM_KEY is 5 characters long" in result.stderr
    assert "abcde" not in result.stderr


def test_processing_in_production_refuses_a_guessable_pseudonym_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLD_PSEUDONYM_KEY", "k" * 48)
    assert key_from_environment().fingerprint  # long enough outside production
    monkeypatch.setenv("CLD_ENV", "production")
    with pytest.raises(KeyMissingError, match="CLD_PSEUDONYM_KEY uses only 1 diff"):
        key_from_environment()
    monkeypatch.setenv("CLD_PSEUDONYM_KEY", PRODUCTION["CLD_PSEUDONYM_KEY"])
    assert key_from_environment().fingerprint


def test_the_proxy_set_up_comes_from_the_environment() -> None:
    result = _start(
        {
            **PRODUCTION,
            "CLD_ALLOWED_HOSTS": "cld.example.org",
            "CLD_PUBLIC_URL": "https://cld.example.org",
            "CLD_TRUSTED_ORIGINS": "https://cld.council.example:8443",
            "CLD_BEHIND_TLS_PROXY": "1",
        },
        show="(s.ALLOWED_HOSTS, s.CSRF_TRUSTED_ORIGINS, s.SECURE_PROXY_SSL_HEADER, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(
        (
            ["cld.example.org", "cld.council.example"],
            ["https://cld.example.org", "https://cld.council.example:8443"],
            ("HTTP_X_FORWARDED_PROTO", "https"),
            True,
            365 * 24 * 60 * 60,
            True,
        )
    )


def test_without_a_proxy_no_forwarded_header_is_believed() -> None:
    result = _start(PRODUCTION, show="getattr(s, 'SECURE_PROXY_SSL_HEADER', None)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "None"


def test_proxy_settings_are_checked() -> None:
    assert environment.hosts({"DJANGO_ALLOWED_HOSTS": "old.example"}) == ["old.example"]
    assert environment.hosts({"CLD_PUBLIC_URL": "https://cld.example.org/"}) == [
        "localhost",
        "127.0.0.1",
        "cld.example.org",
    ]
    assert environment.hsts_seconds(False, {}) == 0
    assert environment.hsts_seconds(True, {"CLD_HSTS_SECONDS": "600"}) == 600
    with pytest.raises(ImproperlyConfigured, match="CLD_PUBLIC_URL"):
        environment.trusted_origins({"CLD_PUBLIC_URL": "cld.example.org"})
    with pytest.raises(ImproperlyConfigured, match="CLD_HSTS_SECONDS"):
        environment.hsts_seconds(True, {"CLD_HSTS_SECONDS": "a year"})
    with pytest.raises(ImproperlyConfigured, match="CLD_BEHIND_TLS_PROXY='maybe'"):
        environment.behind_tls_proxy({"CLD_BEHIND_TLS_PROXY": "maybe"})


def test_cld_process_in_production_stops_on_a_guessable_key(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from cld.cli.app import run

    weak = "0123456789" * 4
    monkeypatch.setenv("CLD_ENV", "production")
    monkeypatch.setenv("CLD_PSEUDONYM_KEY", weak)
    returned = tmp_path / "episodes.csv"
    returned.write_text("CHILD\n1\n")
    code = run(
        ["process", "--data-dir", str(tmp_path / "area"), "--la", "CAM", str(returned)]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "CLD_PSEUDONYM_KEY has a run of 8 or more" in err and weak not in err
    assert not (tmp_path / "area").exists()  # stopped before anything was opened
