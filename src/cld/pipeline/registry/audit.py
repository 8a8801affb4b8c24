"""The audit log (``events``) as a hash chain: appending an event, the lock that keeps
one chain under concurrent writers, the triggers that make it append-only, and the
check that it is intact.

**The hash.** Each event's ``hash`` is the sha256 of its ``previous_hash`` (the hash
of the event before it, 64 zeros for the first) followed by the canonical JSON of its
content: ``at`` (UTC, ``YYYY-MM-DDTHH:MM:SS.ffffffZ``), ``actor``, ``action``, ``la``,
``use_case``, ``source``, ``outcome`` and ``detail``, keys sorted, no spaces, ASCII.
The id is not hashed: the chain fixes each event's place, and ids are dense (the last
+ 1), so a deleted row shows twice, as a gap in the ids and as a broken link.

**One chain under concurrent writers.** :func:`append_event` takes the chain's lock,
held until the transaction ends, and only then reads the last event:

* PostgreSQL: ``pg_advisory_xact_lock(CHAIN_LOCK)``. It is granted once the writer
  before has committed or rolled back, and under READ COMMITTED (the default) the
  next statement sees that writer's row.
* SQLite: the database's write lock. Python's sqlite3 begins a deferred transaction
  just before the first INSERT, UPDATE or DELETE, and that statement takes the write
  lock; an action that has written already holds it, otherwise ``BEGIN IMMEDIATE``
  takes it (waiting up to the connection's busy timeout). Reads made before that are
  outside any transaction, which is why the last hash is read only after the lock.

The database is the backstop: ``previous_hash`` is unique and ids are the last + 1,
so were two writers ever to read the same last event (another isolation level, a
writer that skips the lock), the second insert fails rather than fork the chain.

**Append-only.** Triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL).
Whoever owns the tables can still drop them; the chain then shows every row changed
or removed, except rows cut from the end: keep the last hash that ``cld audit verify``
prints somewhere else, and compare.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Text, cast, insert, inspect, select, text

from cld.engine.errors import UsageError
from cld.pipeline.registry import tables as t

if TYPE_CHECKING:
    from cld.pipeline.registry.store import Registry

GENESIS = "0" * 64
"""The ``previous_hash`` of the first event."""
CHAIN_LOCK = 0x636C_6461_7564_6974  # "cldaudit": PostgreSQL's advisory lock key
APPEND_ONLY = "the audit log is append-only"
HASHED = ("at", "actor", "action", "la", "use_case", "source", "outcome", "detail")
"""The columns an event's hash covers (with ``previous_hash``)."""
CHAIN_COLUMNS = ("source", "outcome", "previous_hash", "hash")


class Outcome(StrEnum):
    """What came of the action an event records."""

    DONE = "done"
    REFUSED = "refused"


# -- appending ------------------------------------------------------------------


def append_event(
    db: Connection,
    action: str,
    *,
    by: str,
    la: str | None = None,
    use_case: str | None = None,
    detail: Mapping[str, Any] | None = None,
    source: str | None = None,
    outcome: str = Outcome.DONE,
) -> str:
    """Add an event to the chain inside ``db``'s transaction; returns its hash.

    ``source`` is where the action came from (an IP address; "cli" when not given).
    """
    content = {
        "actor": by,
        "action": action,
        "la": la,
        "use_case": use_case,
        "source": source or "cli",
        "outcome": Outcome(outcome).value,
        "detail": plain_detail(detail),
    }
    last_id, previous_hash = _last_event(db)  # under the chain's lock from here on
    row = {**content, "at": dt.datetime.now(dt.UTC)}
    digest = event_hash(previous_hash, row)
    db.execute(
        insert(t.events).values(
            id=last_id + 1, previous_hash=previous_hash, hash=digest, **row
        )
    )
    return digest


def event_hash(previous_hash: str, row: Mapping[str, Any]) -> str:
    """sha256 of ``previous_hash`` and the canonical JSON of ``row``'s content."""
    return hashlib.sha256((previous_hash + canonical(row)).encode()).hexdigest()


def canonical(row: Mapping[str, Any]) -> str:
    """The event's content (:data:`HASHED`) as one canonical JSON text."""
    content = {name: row[name] for name in HASHED}
    content["at"] = _instant(row["at"])
    return json.dumps(content, sort_keys=True, separators=(",", ":"), allow_nan=False)


def plain_detail(detail: Mapping[str, Any] | None) -> dict[str, Any]:
    """``detail`` as the database gives it back (keys as text, tuples as lists), so
    the hash is made from what is read back."""
    plain: dict[str, Any] = json.loads(json.dumps(dict(detail or {}), allow_nan=False))
    return plain


def _instant(at: dt.datetime) -> str:
    aware = at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)
    return aware.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _last_event(db: Connection) -> tuple[int, str]:
    """Take the chain's lock for the rest of ``db``'s transaction, then read the last
    event's id and hash (0 and :data:`GENESIS` when there is none)."""
    _lock_chain(db)
    last = db.execute(
        select(t.events.c.id, t.events.c.hash).order_by(t.events.c.id.desc()).limit(1)
    ).first()
    return (0, GENESIS) if last is None else (last.id, last.hash)


def _lock_chain(db: Connection) -> None:
    if db.dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
        return
    raw = db.connection.dbapi_connection
    if not getattr(raw, "in_transaction", False):  # nothing written yet
        db.exec_driver_sql("BEGIN IMMEDIATE")


# -- append-only ----------------------------------------------------------------

_SQLITE_TRIGGERS = tuple(
    f"CREATE TRIGGER IF NOT EXISTS events_no_{verb.lower()} BEFORE {verb} ON events "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
    for verb in ("UPDATE", "DELETE")
)


def install_append_only(engine: Engine) -> None:
    """Make the database refuse to change or delete events; idempotent.

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
        if db.dialect.name == "postgresql":
            _postgres_triggers(db)
        else:
            for statement in _SQLITE_TRIGGERS:
                db.exec_driver_sql(statement)


def _postgres_triggers(db: Connection) -> None:
    """The function and triggers, in the schema ``events`` is in (the first of the
    connection's ``search_path``); dropped and made again in one transaction, so
    there is no moment without them, and under the chain's lock, so two ``cld
    init`` at once do not collide."""
    _lock_chain(db)
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


# -- verifying ------------------------------------------------------------------


@dataclass(frozen=True)
class AuditProblem:
    """One thing wrong with the chain, worded for a person (``str()``)."""

    event: int | None
    message: str

    def __str__(self) -> str:
        return self.message

    @classmethod
    def changed(cls, event: int) -> AuditProblem:
        return cls(
            event, f"event {event} was changed: its hash does not match its content"
        )

    @classmethod
    def unlinked(cls, event: int, before: int | None) -> AuditProblem:
        if before is None:
            return cls(
                event,
                f"event {event} is the first but does not start the chain "
                "(its previous hash is not 64 zeros)",
            )
        return cls(
            event,
            f"event {event} does not follow event {before}: its previous hash is "
            "not that event's hash",
        )

    @classmethod
    def missing(cls, first: int, last: int) -> AuditProblem:
        if first == last:
            return cls(first, f"event {first} is missing")
        return cls(first, f"events {first} to {last} are missing")

    @classmethod
    def unreadable(cls, event: int) -> AuditProblem:
        return cls(event, f"event {event} was changed: its detail is not JSON")

    @classmethod
    def empty(cls) -> AuditProblem:
        return cls(
            None,
            "the audit log has no events, yet the registry records its own creation",
        )


@dataclass(frozen=True)
class ChainReport:
    """What :func:`check_chain` found."""

    events: int
    last_hash: str | None
    problems: tuple[AuditProblem, ...]

    @property
    def intact(self) -> bool:
        return not self.problems


def check_chain(source: Registry | Engine) -> ChainReport:
    """Read every event in order and check its hash and its link to the one before."""
    engine = source if isinstance(source, Engine) else source.engine
    before: tuple[int, str] | None
    columns = [c for c in t.events.c if c.name != "detail"]
    query = select(*columns, cast(t.events.c.detail, Text).label("detail")).order_by(
        t.events.c.id
    )
    problems: list[AuditProblem] = []
    count, before = 0, None  # before: the id and hash of the event read last
    with engine.connect() as db:
        for row in db.execute(query):
            count += 1
            problems.extend(_problems(row._mapping, before))
            before = (row.id, row.hash)
    if count == 0:
        problems.append(AuditProblem.empty())
    return ChainReport(count, before[1] if before else None, tuple(problems))


def verify_chain(source: Registry | Engine) -> list[str]:
    """Every problem with the audit log, worded; empty when it is intact."""
    return [str(problem) for problem in check_chain(source).problems]


def _problems(
    row: Mapping[Any, Any], before: tuple[int, str] | None
) -> Iterator[AuditProblem]:
    event = row["id"]
    expected_id, expected_link = (
        (1, GENESIS) if before is None else (before[0] + 1, before[1])
    )
    if event > expected_id:
        yield AuditProblem.missing(expected_id, event - 1)
    if row["previous_hash"] != expected_link:
        yield AuditProblem.unlinked(event, None if before is None else before[0])
    try:
        detail = json.loads(row["detail"])
    except (TypeError, ValueError):
        yield AuditProblem.unreadable(event)
        return
    if event_hash(row["previous_hash"], {**row, "detail": detail}) != row["hash"]:
        yield AuditProblem.changed(event)
