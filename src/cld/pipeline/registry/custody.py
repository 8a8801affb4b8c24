"""Who may change the audit log: the triggers that make ``events`` append-only, and
on PostgreSQL the role that owns it, which must not be the application's.

**Append-only.** Triggers refuse UPDATE and DELETE, and on PostgreSQL TRUNCATE (a
statement trigger) and so ``INSERT … ON CONFLICT DO UPDATE`` (the UPDATE trigger
fires). On SQLite ``INSERT OR REPLACE`` and ``REPLACE INTO`` delete the row they
replace without firing DELETE triggers (``recursive_triggers`` is off), so a BEFORE
INSERT trigger refuses an event whose id or hashes another event has.

**Custody (PostgreSQL).** A table's owner can disable or drop its triggers, and the
owner of its schema can drop it. ``cld audit install`` (an administrator's
connection) gives ``events`` and its trigger function to a role of their own (e.g.
``cld_audit_owner``, which never logs in) and grants the application's role only
SELECT and INSERT (and USAGE on the id sequence). ``cld init`` then leaves the
triggers to that owner, and :func:`custody_warnings` names what would let the
application silence the log: owning ``events`` or its schema, being able to become
its owner, or being a superuser (who can also ``SET session_replication_role =
replica``, which switches ordinary triggers off for the session).
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, inspect, text

from cld.engine.errors import UsageError
from cld.pipeline.registry import tables as t
from cld.pipeline.registry.audit import lock_chain

APPEND_ONLY = "the audit log is append-only"
CHAIN_COLUMNS = ("source", "outcome", "previous_hash", "hash")
POSTGRES_TRIGGERS = ("events_append_only", "events_no_truncate")

_REFUSE = f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
_SQLITE_TRIGGERS = (
    *(
        f"CREATE TRIGGER IF NOT EXISTS events_no_{verb.lower()} BEFORE {verb} "
        f"ON events {_REFUSE}"
        for verb in ("UPDATE", "DELETE")
    ),
    # REPLACE deletes the row it replaces without a DELETE trigger: refuse it first
    "CREATE TRIGGER IF NOT EXISTS events_no_replace BEFORE INSERT ON events "
    "WHEN EXISTS (SELECT 1 FROM events WHERE id = NEW.id OR hash = NEW.hash "
    f"OR previous_hash = NEW.previous_hash) {_REFUSE}",
)


def install_append_only(engine: Engine) -> None:
    """Make the database refuse to change or delete events; idempotent. On
    PostgreSQL, when another role owns ``events`` (``cld audit install``), only
    checks that its triggers are there and enabled.

    Refuses (:class:`UsageError`) an ``events`` table made before the chain.
    """
    columns = {c["name"] for c in inspect(engine).get_columns("events")}
    missing = [name for name in CHAIN_COLUMNS if name not in columns]
    if missing:
        raise UsageError(
            "the registry's events table was made before the audit log was chained "
            f"(it has no {', '.join(missing)}); it needs a migration, and there is "
            "no migration tool yet (docs/adr/0005): make a new registry"
        )
    with engine.begin() as db:
        if db.dialect.name != "postgresql":
            for statement in _SQLITE_TRIGGERS:
                db.exec_driver_sql(statement)
        elif _owns_events(db):
            _postgres_triggers(db)
        else:
            _check_postgres_triggers(db)


def install_audit_owner(admin: Engine, *, owner: str, app_role: str) -> str:
    """On PostgreSQL, through an administrator's connection: create ``events`` (if
    it is not there) in the connection's schema, its append-only triggers, give the
    table and the trigger function to ``owner``, and leave ``app_role`` only SELECT
    and INSERT on it (and USAGE on its id sequence). Idempotent; returns the
    schema."""
    if admin.dialect.name != "postgresql":
        raise UsageError(
            "the audit log's owner is a PostgreSQL role: on SQLite whoever can write "
            "the registry's file can change it (the keyed chain still shows it)"
        )
    if owner == app_role:
        raise UsageError(
            f"the audit log's owner and the application's role are both {owner}: "
            "the owner must be a role the application cannot use"
        )
    with admin.begin() as db:
        known = set(
            db.execute(
                text("SELECT rolname FROM pg_roles WHERE rolname IN (:a, :b)"),
                {"a": owner, "b": app_role},
            ).scalars()
        )
        if absent := [r for r in (owner, app_role) if r not in known]:
            raise UsageError(
                f"no PostgreSQL role {' or '.join(absent)}: create the roles first "
                "(docs/audit-log.md, PostgreSQL: two roles)"
            )
        if db.execute(
            text("SELECT pg_has_role(:app, :owner, 'MEMBER')"),
            {"app": app_role, "owner": owner},
        ).scalar():
            raise UsageError(
                f"{app_role} can act as {owner} (it is a member of it, or a "
                "superuser): the application could still silence the audit log"
            )
        lock_chain(db)
        t.events.create(db, checkfirst=True)
        schema = _postgres_triggers(db)
        s = db.dialect.identifier_preparer.quote_schema(schema)
        o, a = (db.dialect.identifier_preparer.quote(r) for r in (owner, app_role))
        statements = [
            f"ALTER TABLE {s}.events OWNER TO {o}",
            f"ALTER FUNCTION {s}.events_append_only() OWNER TO {o}",
            f"REVOKE ALL ON {s}.events FROM PUBLIC, {a}",
            f"GRANT SELECT, INSERT ON {s}.events TO {a}",
        ]
        sequence = db.execute(
            text("SELECT pg_get_serial_sequence(:table, 'id')"),
            {"table": f"{s}.events"},
        ).scalar()
        if sequence:
            statements.append(f"GRANT USAGE, SELECT ON SEQUENCE {sequence} TO {a}")
        for statement in statements:
            db.exec_driver_sql(statement)
    return schema


def custody_warnings(engine: Engine) -> list[str]:
    """What would let the role the registry connects as silence the audit log
    (PostgreSQL; nothing on SQLite, whose file's writer can do anything)."""
    if engine.dialect.name != "postgresql":
        return []
    with engine.connect() as db:
        found = db.execute(
            text(
                "SELECT current_user AS me, pg_get_userbyid(c.relowner) AS owner, "
                "pg_has_role(current_user, c.relowner, 'MEMBER') AS can_own, "
                "pg_has_role(current_user, n.nspowner, 'MEMBER') AS owns_schema, "
                "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user) "
                "AS superuser "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.oid = to_regclass('events')"
            )
        ).first()
    if found is None:
        return []
    if found.superuser:
        return [
            f"the registry connects as {found.me}, a PostgreSQL superuser: it can "
            "switch the audit log's triggers off (session_replication_role = "
            "replica) or drop them; run the application as a role of its own and "
            "give the audit log to another with `cld audit install`"
        ]
    warnings = []
    if found.can_own:
        who = (
            "owns"
            if found.owner == found.me
            else f"can act as {found.owner}, which owns"
        )
        warnings.append(
            f"the registry connects as {found.me}, which {who} the audit log's "
            "table (events), so it can disable or drop its triggers: give it to a "
            "role of its own with `cld audit install` (docs/audit-log.md)"
        )
    if found.owns_schema:
        warnings.append(
            f"the registry connects as {found.me}, which owns the schema events is "
            "in, so it can drop the audit log's table: let an administrator own "
            "the schema and grant the application USAGE and CREATE on it"
        )
    return warnings


def _owns_events(db: Connection) -> bool:
    return bool(
        db.execute(
            text(
                "SELECT pg_has_role(current_user, relowner, 'USAGE') FROM pg_class "
                "WHERE oid = to_regclass('events')"
            )
        ).scalar()
    )


def _check_postgres_triggers(db: Connection) -> None:
    enabled = set(
        db.execute(
            text(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass('events') "
                "AND tgenabled IN ('O', 'A')"
            )
        ).scalars()
    )
    if absent := [name for name in POSTGRES_TRIGGERS if name not in enabled]:
        raise UsageError(
            "the audit log's table (events) belongs to another role and its "
            f"trigger{'s' if len(absent) > 1 else ''} {', '.join(absent)} "
            f"{'are' if len(absent) > 1 else 'is'} missing or disabled: the log is "
            "not append-only; run `cld audit install` with an administrator's "
            "connection"
        )


def _postgres_triggers(db: Connection) -> str:
    """The function and triggers, in the schema ``events`` is in (the first of the
    connection's ``search_path``); dropped and made again in one transaction, so
    there is no moment without them, and under the chain's lock, so two ``cld
    init`` at once do not collide. Returns the schema."""
    lock_chain(db)
    schema = db.execute(text("SELECT current_schema()")).scalar()
    if not schema:
        raise UsageError("the database connection's search_path names no schema")
    s = db.dialect.identifier_preparer.quote_schema(schema)
    for statement in (
        f"CREATE OR REPLACE FUNCTION {s}.events_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        f"RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'restrict_violation'; "
        "END $$",
        f"DROP TRIGGER IF EXISTS events_append_only ON {s}.events",
        f"CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON {s}.events "
        f"FOR EACH ROW EXECUTE FUNCTION {s}.events_append_only()",
        f"DROP TRIGGER IF EXISTS events_no_truncate ON {s}.events",
        f"CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON {s}.events "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {s}.events_append_only()",
    ):
        db.exec_driver_sql(statement)
    return str(schema)
