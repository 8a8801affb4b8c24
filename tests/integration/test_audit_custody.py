"""Who may change the audit log on PostgreSQL: the application's role, which may add
events and read them, but neither change nor delete them nor switch off or drop
the triggers that refuse it, because a role of their own owns them (``cld audit
install``); ``cld init`` warns when one role could do both. And its warnings on
SQLite (the development key)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from cld.cli.app import run
from cld.engine.errors import UsageError
from cld.pipeline.registry import Registry, open_registry
from cld.pipeline.registry.audit import verify_chain
from cld.pipeline.registry.audit_actions import AuditAction
from cld.pipeline.registry.audit_key import AUDIT_KEY_ENV
from cld.pipeline.registry.custody import custody_warnings, install_audit_owner
from cld.pipeline.registry.database import dispose_engines


@dataclass(frozen=True)
class Roles:
    """Two roles made for one test: the audit log's owner and the application's."""

    schema: str
    owner: str
    app: str
    admin_url: str
    app_url: str


@pytest.fixture
def roles(each_database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Roles]:
    if each_database == "sqlite":
        pytest.skip("roles are PostgreSQL's")
    schema = each_database.removeprefix("postgresql:")
    admin_url = os.environ["DATABASE_URL"]
    suffix = secrets.token_hex(4)
    owner, app = f"cld_audit_owner_{suffix}", f"cld_app_{suffix}"
    admin = sa.create_engine(admin_url, poolclass=sa.pool.NullPool)
    with admin.begin() as db:
        db.execute(sa.text(f"CREATE ROLE {owner} NOLOGIN"))
        db.execute(sa.text(f"CREATE ROLE {app} LOGIN"))
        db.execute(sa.text(f"GRANT USAGE, CREATE ON SCHEMA {schema} TO {app}"))
    app_url = make_url(admin_url).set(username=app).render_as_string(False)
    try:
        yield Roles(schema, owner, app, admin_url, app_url)
    finally:
        dispose_engines()
        with admin.begin() as db:
            for role in (app, owner):
                db.execute(sa.text(f"DROP OWNED BY {role} CASCADE"))
                db.execute(sa.text(f"DROP ROLE {role}"))
        admin.dispose()


def _as(url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Registry:
    """The registry as a connection to ``url`` sees it."""
    dispose_engines()
    monkeypatch.setenv("DATABASE_URL", url)
    return open_registry(tmp_path / "registry.sqlite", must_exist=False)


def _refused(registry: Registry, statement: str, match: str) -> None:
    with (
        pytest.raises(sa.exc.DBAPIError, match=match),
        registry.engine.begin() as db,
    ):
        db.execute(sa.text(statement))


def test_the_application_cannot_silence_an_audit_log_another_role_owns(
    roles: Roles, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app = _as(roles.app_url, monkeypatch, tmp_path)
    assert app.create(by="admin") is True  # `cld init` as the application
    (owning,) = custody_warnings(app.engine)
    assert f"{roles.app}, which owns the audit log's table" in owning
    with app.engine.begin() as db:  # the defect: owning it, it can silence it
        db.execute(sa.text("ALTER TABLE events DISABLE TRIGGER ALL"))
        db.execute(sa.text("ALTER TABLE events ENABLE TRIGGER ALL"))
    # an administrator gives the table to its owner (idempotent)
    admin = sa.create_engine(roles.admin_url, poolclass=sa.pool.NullPool)
    for _ in range(2):
        assert install_audit_owner(admin, owner=roles.owner, app_role=roles.app) == (
            roles.schema
        )
    admin.dispose()
    app = _as(roles.app_url, monkeypatch, tmp_path)
    assert app.create(by="admin") is False  # the triggers are the owner's: kept
    assert custody_warnings(app.engine) == []
    app.record(AuditAction.DOWNLOAD, by="analyst", outcome="refused")  # INSERT works
    before = app.events()
    assert len(before) == 3
    for statement in (
        "ALTER TABLE events DISABLE TRIGGER ALL",
        "ALTER TABLE events DISABLE TRIGGER events_append_only",
        "DROP TRIGGER events_append_only ON events",
        "DROP TABLE events",
    ):
        _refused(app, statement, "must be owner")
    for statement in (
        "UPDATE events SET outcome = 'done'",
        "DELETE FROM events",
        "TRUNCATE events",
        "INSERT INTO events SELECT * FROM events ON CONFLICT (id) DO UPDATE "
        "SET outcome = 'done'",
    ):
        _refused(app, statement, "permission denied")
    _refused(app, "SET session_replication_role = replica", "permission denied")
    assert app.events() == before and verify_chain(app) == []


def test_init_refuses_an_audit_log_whose_owner_disabled_its_triggers(
    roles: Roles, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    admin = sa.create_engine(roles.admin_url, poolclass=sa.pool.NullPool)
    install_audit_owner(admin, owner=roles.owner, app_role=roles.app)
    app = _as(roles.app_url, monkeypatch, tmp_path)
    assert app.create(by="admin") is True
    with admin.begin() as db:
        db.execute(sa.text("ALTER TABLE events DISABLE TRIGGER events_no_truncate"))
    admin.dispose()
    with pytest.raises(UsageError, match="events_no_truncate is missing or disabled"):
        app.create(by="admin")


def test_install_refuses_roles_that_would_not_keep_the_log_safe(
    roles: Roles,
) -> None:
    admin = sa.create_engine(roles.admin_url, poolclass=sa.pool.NullPool)
    with pytest.raises(UsageError, match="must be a role the application cannot"):
        install_audit_owner(admin, owner=roles.app, app_role=roles.app)
    with pytest.raises(UsageError, match="no PostgreSQL role nobody_"):
        install_audit_owner(admin, owner=roles.owner, app_role="nobody_" + roles.app)
    with admin.begin() as db:
        db.execute(sa.text(f"GRANT {roles.owner} TO {roles.app}"))
    with pytest.raises(UsageError, match=f"{roles.app} can act as {roles.owner}"):
        install_audit_owner(admin, owner=roles.owner, app_role=roles.app)
    admin.dispose()


def test_cld_audit_install_then_init_as_the_application(
    roles: Roles,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["--admin-url", roles.admin_url, "--app-role", roles.app]
    assert run(["audit", "install", *args, "--owner", roles.owner]) == 0
    assert capsys.readouterr().out == (
        f"The audit log ({roles.schema}.events) belongs to {roles.owner}; "
        f"{roles.app} may only read it and add to it.\n"
    )
    monkeypatch.setenv("DATABASE_URL", roles.app_url)
    dispose_engines()
    assert run(["init", "--data-dir", str(tmp_path / "data")]) == 0
    assert "warning" not in capsys.readouterr().err


def test_init_warns_when_the_application_is_a_superuser(
    each_database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if each_database == "sqlite":
        pytest.skip("roles are PostgreSQL's")
    assert run(["init", "--data-dir", str(tmp_path / "data")]) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert "a PostgreSQL superuser: it can switch the audit log's triggers off" in err
    assert "session_replication_role = replica" in err


def test_init_warns_when_the_audit_key_is_the_development_one(
    each_database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(["init", "--data-dir", str(tmp_path / "data")]) == 0
    assert "development-only" not in capsys.readouterr().err
    monkeypatch.delenv(AUDIT_KEY_ENV)
    assert run(["init", "--data-dir", str(tmp_path / "data")]) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert "CLD_AUDIT_KEY is not set, so the audit log is keyed with the " in err


def test_install_is_for_postgresql(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    assert run(["audit", "install", "--admin-url", url, "--app-role", "cld_app"]) == 2
    sqlite = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with pytest.raises(UsageError, match="the audit log's owner is a PostgreSQL role"):
        install_audit_owner(sqlite, owner="cld_audit_owner", app_role="cld_app")
    assert custody_warnings(sqlite) == []
    sqlite.dispose()
    dispose_engines()
