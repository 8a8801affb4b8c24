"""Which database the registry lives in, and the engine that talks to it."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from cld.engine.errors import UsageError

DATABASE_URL_ENV = "DATABASE_URL"


def registry_url(registry_file: Path, *, embedded: bool = False) -> URL:
    """``DATABASE_URL`` when set (PostgreSQL in production and CI), otherwise (or
    when ``embedded``) the SQLite file in the data area."""
    text = "" if embedded else os.environ.get(DATABASE_URL_ENV, "").strip()
    if not text:
        return URL.create("sqlite", database=str(registry_file))
    return database_url(text)


def database_url(text: str, name: str = DATABASE_URL_ENV) -> URL:
    """``text`` (given as ``name``) as a PostgreSQL (psycopg 3) or SQLite URL."""
    try:
        url = make_url(text.strip())
    except Exception as exc:  # sqlalchemy raises ArgumentError; say it plainly
        raise UsageError(f"{name} is not a database URL: {exc}") from None
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    if not url.drivername.startswith(("postgresql", "sqlite")):
        raise UsageError(
            f"{name}: the registry runs on PostgreSQL or SQLite, not {url.drivername}"
        )
    return url


def dispose_engines() -> None:
    """Close every pooled connection (tests, and forked workers, call this)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


_engines: dict[str, Engine] = {}


def engine_for(url: URL) -> Engine:
    """One engine per database, made on first use."""
    name = url.render_as_string(hide_password=False)
    if name not in _engines:
        _engines[name] = _make_engine(url)
    return _engines[name]


def _make_engine(url: URL) -> Engine:
    if url.drivername.startswith("sqlite"):
        engine = create_engine(url, poolclass=NullPool)

        @event.listens_for(engine, "connect")
        def _pragmas(connection, _record):  # type: ignore[no-untyped-def]
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    # room for every worker thread's lock connection and its work beside it
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=30)
