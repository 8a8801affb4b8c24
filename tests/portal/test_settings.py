"""Settings fail closed in production; the database comes from DATABASE_URL or
the data area's SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from cld.portal import environment

PRODUCTION = {
    "CLD_ENV": "production",
    "DJANGO_SECRET_KEY": "a-real-secret-from-the-vault",
    "CLD_PSEUDONYM_KEY": "a-real-pseudonym-key-of-at-least-32-characters",
    "DATABASE_URL": "postgresql://cld@db.example/cld",
}


def _start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION}
    return subprocess.run(
        [sys.executable, "-c", "import cld.portal.settings as s; print(s.DEBUG)"],
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
