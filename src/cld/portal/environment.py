"""What the portal's settings read from the environment, and the checks that make
production fail closed. Plain functions, so they are tested without Django set up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from sqlalchemy.engine import make_url

from cld.pipeline.data_area import REGISTRY_FILE
from cld.pipeline.storage.location import local_path, scheme_of

ENVIRONMENTS = ("production", "development", "test")
PRODUCTION_NEEDS = ("DJANGO_SECRET_KEY", "CLD_PSEUDONYM_KEY", "DATABASE_URL")
DEVELOPMENT_ONLY_KEY = "insecure-development-only-secret-key-never-use-in-production"
"""Development and tests only: it says what it is, and production refuses to run
without a real one."""


def environment(env: Mapping[str, str] = os.environ) -> str:
    name = env.get("CLD_ENV", "development").strip() or "development"
    if name not in ENVIRONMENTS:
        raise ImproperlyConfigured(
            f"CLD_ENV={name!r} is not one of {', '.join(ENVIRONMENTS)}"
        )
    return name


def require_production_settings(env: Mapping[str, str] = os.environ) -> None:
    """Stop start-up, naming each missing variable, when production lacks one."""
    missing = [name for name in PRODUCTION_NEEDS if not env.get(name, "").strip()]
    if missing:
        raise ImproperlyConfigured(
            "CLD_ENV=production needs "
            + ", ".join(missing)
            + " set in the environment; the portal will not start without "
            + ("it" if len(missing) == 1 else "them")
        )


def data_dir(env: Mapping[str, str] = os.environ) -> str:
    """The data area (``CLD_DATA_DIR``; ``./data`` in development): a folder, made
    absolute, or an object-store URL as given."""
    text = env.get("CLD_DATA_DIR", "").strip() or "data"
    return text if scheme_of(text) else str(local_path(text).resolve())


def database(url_text: str, data_area: str | Path) -> dict[str, Any]:
    """Django's ``DATABASES["default"]``: ``DATABASE_URL`` (PostgreSQL through
    psycopg 3, query parameters such as ``options=-csearch_path=…`` passed on) or
    the registry's SQLite file in the data area."""
    if not url_text.strip():
        if scheme_of(data_area):
            raise ImproperlyConfigured(
                f"CLD_DATA_DIR {data_area} is on object storage, so the portal's "
                "database is where DATABASE_URL says; set DATABASE_URL"
            )
        return _sqlite(Path(data_area) / REGISTRY_FILE)
    try:
        url = make_url(url_text.strip())
    except Exception as exc:  # sqlalchemy raises ArgumentError; say it plainly
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a database URL: {exc}"
        ) from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _sqlite(Path(url.database or Path(data_area) / REGISTRY_FILE))
    if backend not in ("postgresql", "postgres"):
        raise ImproperlyConfigured(
            f"DATABASE_URL: the portal runs on PostgreSQL or SQLite, not {backend}"
        )
    options = {
        key: value if isinstance(value, str) else value[-1]
        for key, value in url.query.items()
    }
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": url.database or "",
        "USER": url.username or "",
        "PASSWORD": url.password or "",
        "HOST": url.host or "",
        "PORT": str(url.port or ""),
        "OPTIONS": options,
        "CONN_HEALTH_CHECKS": True,
    }


def _sqlite(path: Path) -> dict[str, Any]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {"timeout": 30},
    }


def hosts(env: Mapping[str, str] = os.environ) -> list[str]:
    text = env.get("DJANGO_ALLOWED_HOSTS", "") or "localhost,127.0.0.1"
    return [host.strip() for host in text.split(",") if host.strip()]


OIDC_NEEDS = (
    "OIDC_RP_CLIENT_ID",
    "OIDC_RP_CLIENT_SECRET",
    "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT",
)


def oidc(env: Mapping[str, str] = os.environ) -> dict[str, str]:
    """mozilla-django-oidc's settings when ``CLD_OIDC=on``; empty (off) otherwise.
    Switched on without every endpoint and the client's id and secret, start-up
    stops naming what is missing."""
    switch = env.get("CLD_OIDC", "off").strip().lower()
    if switch in ("", "off", "0", "false", "no"):
        return {}
    if switch not in ("on", "1", "true", "yes"):
        raise ImproperlyConfigured(f"CLD_OIDC={switch!r}: use on or off")
    missing = [name for name in OIDC_NEEDS if not env.get(name, "").strip()]
    if missing:
        raise ImproperlyConfigured(
            "CLD_OIDC=on needs " + ", ".join(missing) + " set in the environment"
        )
    found = {name: env[name].strip() for name in OIDC_NEEDS}
    found["OIDC_RP_SIGN_ALGO"] = env.get("OIDC_RP_SIGN_ALGO", "RS256").strip()
    found["OIDC_RP_SCOPES"] = env.get("OIDC_RP_SCOPES", "openid email").strip()
    return found
