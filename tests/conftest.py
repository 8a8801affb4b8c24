"""Fixtures shared by every test category: the registry's database and a data area.

The registry runs on SQLite in the data area unless ``DATABASE_URL`` names a
PostgreSQL database (CI sets it); then each test gets a schema of its own in that
database, dropped afterwards, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from object_store import (
    AWS_VARIABLES,
    AZURITE,
    azurite_blob,
    moto_s3,
    new_bucket_url,
    new_container_url,
)
from platform_builders import TEST_AUDIT_KEY, TEST_KEY
from sqlalchemy.engine import make_url

from cld.pipeline.data_area import DataArea, open_data_area
from cld.pipeline.registry import Registry, open_registry
from cld.pipeline.registry.audit_key import AUDIT_KEY_ENV
from cld.pipeline.registry.database import dispose_engines

# Every test keys the audit log with a key that says it is one (commands run in a
# subprocess inherit it); the tests of a missing key take it away themselves.
os.environ[AUDIT_KEY_ENV] = TEST_AUDIT_KEY

POSTGRES_URL = os.environ.get("DATABASE_URL", "")


def _postgres_schema(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    schema = f"t_{secrets.token_hex(6)}"
    url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with admin.begin() as db:
        db.execute(sa.text(f"CREATE SCHEMA {schema}"))
    scoped = url.update_query_dict({"options": f"-csearch_path={schema}"})
    monkeypatch.setenv("DATABASE_URL", scoped.render_as_string(hide_password=False))
    try:
        yield schema
    finally:
        dispose_engines()
        with admin.begin() as db:
            db.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The registry's backend for this test: PostgreSQL when DATABASE_URL is set,
    SQLite otherwise."""
    if POSTGRES_URL:
        yield from (f"postgresql:{s}" for s in _postgres_schema(monkeypatch))
        return
    monkeypatch.delenv("DATABASE_URL", raising=False)
    yield "sqlite"
    dispose_engines()


@pytest.fixture(params=["sqlite", "postgresql"])
def each_database(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Both backends, for the registry's own tests (PostgreSQL needs DATABASE_URL)."""
    if request.param == "sqlite":
        monkeypatch.delenv("DATABASE_URL", raising=False)
        yield "sqlite"
        dispose_engines()
        return
    if not POSTGRES_URL:
        pytest.skip("set DATABASE_URL to a PostgreSQL database to test on it")
    yield from (f"postgresql:{s}" for s in _postgres_schema(monkeypatch))


@pytest.fixture
def pseudonym_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CLD_PSEUDONYM_KEY", TEST_KEY)
    return TEST_KEY


@pytest.fixture
def area(tmp_path: Path, database: str) -> DataArea:
    """A fresh data area with its registry (the default policy)."""
    data = DataArea(tmp_path / "data")
    data.create()
    open_registry(data.registry_file, must_exist=False).create(by="test")
    return data


@pytest.fixture
def registry(area: DataArea) -> Registry:
    return open_registry(area.registry_file)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A local S3 (moto's server on loopback), one for the whole run."""
    with moto_s3() as url:
        yield url


@pytest.fixture(scope="session")
def azure_connection() -> Iterator[str]:
    """A local Azure Blob service (Azurite on loopback), one for the whole run.
    Skipped where ``make install`` could not install it (no npm), except in CI."""
    if not AZURITE.exists() and not os.environ.get("CI"):
        pytest.skip(f"Azurite is not installed ({AZURITE}); `make install` needs npm")
    with azurite_blob() as connection:
        yield connection


@pytest.fixture(params=["s3", "az"])
def store(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    database: str,
) -> str:
    """The environment of a worker on an object store, S3 (moto) or Azure Blob
    (Azurite): credentials, the endpoint, a mirror folder and a registry database
    (DATABASE_URL; SQLite unless CI gives PostgreSQL). Returns the URL of a new
    area, in a bucket or container of its own."""
    monkeypatch.setenv("CLD_WORK_DIR", str(tmp_path / "worker-1"))
    if database == "sqlite":
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'registry.sqlite'}")
    if request.param == "az":
        connection = request.getfixturevalue("azure_connection")
        monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", connection)
        return new_container_url()
    for name, value in AWS_VARIABLES.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", request.getfixturevalue("s3_endpoint"))
    return new_bucket_url()


@pytest.fixture
def store_area(store: str) -> DataArea:
    """A data area made by ``cld init`` on the local object store, with its
    registry."""
    data = open_data_area(store)
    data.create()
    open_registry(data.registry_file, must_exist=False).create(by="test")
    return data


_LONG = ("slow", "functional")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files with slow or functional tests first (each file kept together, so a
    module's fixtures are made once): on several processes (pytest-xdist) the
    long tests then start at once, side by side with the short ones, instead of
    ending the run alone."""
    long_files = {
        item.path
        for item in items
        if any(item.get_closest_marker(name) for name in _LONG)
    }
    items.sort(key=lambda item: item.path not in long_files)
