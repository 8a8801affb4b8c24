"""Locks held in the registry's database, so that workers on several machines
sharing one registry (PostgreSQL) take turns; elsewhere they are no-ops and the
file lock of :func:`cld.pipeline.publish.la_lock` does the work."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for PostgreSQL's advisory locks."""
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def database_lock(engine: Engine | None, name: str) -> Iterator[None]:
    """Hold the advisory lock ``name`` on PostgreSQL for the block (waiting for
    whoever holds it); nothing on SQLite or without a database."""
    if engine is None or engine.dialect.name != "postgresql":
        yield
        return
    key = lock_key(name)
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            connection.commit()
