"""What the portal's settings read from the environment, and the checks that make
production fail closed. Plain functions, so they are tested without Django set up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from sqlalchemy.engine import make_url

from cld.pipeline.data_area import REGISTRY_FILE
from cld.pipeline.pseudonym_key import KEY_ENV, production_key_weakness
from cld.pipeline.registry.audit_key import AUDIT_KEY_ENV, DEVELOPMENT_AUDIT_KEY
from cld.pipeline.registry.audit_key import MIN_LENGTH as AUDIT_KEY_LENGTH
from cld.pipeline.secret_strength import new_secret_hint, weakness
from cld.pipeline.storage.location import local_path, scheme_of

ENVIRONMENTS = ("production", "development", "test")
PRODUCTION_NEEDS = (
    "DJANGO_SECRET_KEY",
    "CLD_PSEUDONYM_KEY",
    AUDIT_KEY_ENV,
    "DATABASE_URL",
)
DEVELOPMENT_ONLY_KEY = "insecure-development-only-secret-key-never-use-in-production"
"""Development and tests only: it says what it is, and production refuses to run
with it (or any other key written in the repository)."""
MIN_SECRET_KEY = 50
"""Django's own check (security.W009) asks for 50 characters at least."""
YEAR = 365 * 24 * 60 * 60


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
    problems = [
        weakness(
            "DJANGO_SECRET_KEY",
            env["DJANGO_SECRET_KEY"],
            minimum=MIN_SECRET_KEY,
            known=(DEVELOPMENT_ONLY_KEY,),
        ),
        production_key_weakness(env[KEY_ENV]),
        weakness(
            AUDIT_KEY_ENV,
            env[AUDIT_KEY_ENV],
            minimum=AUDIT_KEY_LENGTH,
            known=(DEVELOPMENT_AUDIT_KEY,),
        ),
    ]
    found = [problem for problem in problems if problem]
    if found:
        raise ImproperlyConfigured(
            "CLD_ENV=production refuses weak secrets: "
            + "; ".join(found)
            + f" ({new_secret_hint()}). The portal will not start."
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
    """``ALLOWED_HOSTS``: ``CLD_ALLOWED_HOSTS`` (or its older name
    ``DJANGO_ALLOWED_HOSTS``; loopback when neither is set) and the host of each
    public URL."""
    text = (
        env.get("CLD_ALLOWED_HOSTS", "")
        or env.get("DJANGO_ALLOWED_HOSTS", "")
        or "localhost,127.0.0.1"
    )
    named = [host.strip() for host in text.split(",") if host.strip()]
    for origin in trusted_origins(env):
        host = urlsplit(origin).hostname or ""
        if host and host not in named:
            named.append(host)
    return named


def trusted_origins(env: Mapping[str, str] = os.environ) -> list[str]:
    """``CSRF_TRUSTED_ORIGINS``: the origin (``https://host[:port]``) of
    ``CLD_PUBLIC_URL``, the address people use, and of each URL in
    ``CLD_TRUSTED_ORIGINS`` (comma-separated)."""
    origins: list[str] = []
    for name in ("CLD_PUBLIC_URL", "CLD_TRUSTED_ORIGINS"):
        for text in env.get(name, "").split(","):
            if text.strip():
                origin = _origin(name, text.strip())
                if origin not in origins:
                    origins.append(origin)
    return origins


def _origin(name: str, text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ImproperlyConfigured(
            f"{name}: {text!r} is not an address such as https://cld.example.org"
        )
    return f"{parts.scheme}://{parts.netloc}"


def behind_tls_proxy(env: Mapping[str, str] = os.environ) -> bool:
    """``CLD_BEHIND_TLS_PROXY=1``: a proxy in front terminates HTTPS and says so
    with ``X-Forwarded-Proto``; the portal must then be reachable only through
    it."""
    return _switch(env, "CLD_BEHIND_TLS_PROXY")


def hsts_seconds(production: bool, env: Mapping[str, str] = os.environ) -> int:
    """``CLD_HSTS_SECONDS``: how long browsers keep to HTTPS (a year in
    production unless set; none elsewhere)."""
    text = env.get("CLD_HSTS_SECONDS", "").strip()
    if not text:
        return YEAR if production else 0
    if not text.isdigit():
        raise ImproperlyConfigured(
            f"CLD_HSTS_SECONDS={text!r}: give a whole number of seconds"
        )
    return int(text)


def _switch(env: Mapping[str, str], name: str) -> bool:
    text = env.get(name, "").strip().lower()
    if text in ("", "0", "off", "false", "no"):
        return False
    if text in ("1", "on", "true", "yes"):
        return True
    raise ImproperlyConfigured(f"{name}={text!r}: use 1 or 0")


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
