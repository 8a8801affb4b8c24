"""The audit log (``events``) as a keyed hash chain: appending an event, the lock
that keeps one chain under concurrent writers, the check that it is intact and the
anchor that shows nothing was cut from its end since. ``custody.py`` holds what
makes the database refuse changes (triggers, and on PostgreSQL the table's owner).

**The hash.** Each event's ``hash`` is the HMAC-SHA256, under the audit key
(``CLD_AUDIT_KEY``, ``audit_key.py``), of its ``previous_hash`` (the hash of the
event before it, 64 zeros for the first) followed by the canonical JSON of its
content: ``at`` (UTC, ``YYYY-MM-DDTHH:MM:SS.ffffffZ``), ``actor``, ``action``,
``la``, ``use_case``, ``source``, ``outcome`` and ``detail``, keys sorted, no
spaces, ASCII. The id is not hashed: the chain fixes each event's place, and ids
are dense (the last + 1), so a deleted row shows twice, as a gap in the ids and as
a broken link. The database never holds the key, so whoever can write to it (with
the triggers dropped, or by replacing rows) still cannot make a changed, added or
re-ordered event verify: only the key's holders can make a hash.

**A chain made before keying.** Registries made before the chain was keyed hold
events hashed with plain SHA-256 (the same text, no key). Such events are accepted
only at the start of the chain, before the first keyed event, which fixes them
(its HMAC covers the last unkeyed hash); ``cld init`` adds that event
(``audit_keying_began``) to a chain whose every event is a sound unkeyed one, and
to no other. A chain with no keyed event at all does not verify: anyone could have
written it.

**Cutting the end.** Rows cut from the end leave an intact, shorter chain. ``cld
audit verify`` and ``cld audit anchor`` print the last event's id and hash (the
anchor, ``ID:HASH``); kept outside the database (a daily job publishing it to the
system log), ``cld audit verify --anchor ID:HASH`` shows whether the chain still
holds that event at that place.

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
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Select, Text, cast, insert, select, text

from cld.engine.errors import UsageError
from cld.pipeline.registry import tables as t
from cld.pipeline.registry.audit_actions import AuditAction
from cld.pipeline.registry.audit_key import AuditKey, audit_key
from cld.pipeline.session_records import JsonObject

if TYPE_CHECKING:
    from cld.pipeline.registry.store import Registry

GENESIS = "0" * 64
"""The ``previous_hash`` of the first event."""
CHAIN_LOCK = 0x636C_6461_7564_6974  # "cldaudit": PostgreSQL's advisory lock key
HASHED = ("at", "actor", "action", "la", "use_case", "source", "outcome", "detail")
"""The columns an event's hash covers (with ``previous_hash``)."""


class Outcome(StrEnum):
    """What came of the action an event records."""

    DONE = "done"
    REFUSED = "refused"


# -- appending ------------------------------------------------------------------


def append_event(
    db: Connection,
    action: AuditAction,
    *,
    by: str,
    la: str | None = None,
    use_case: str | None = None,
    detail: Mapping[str, object] | None = None,
    source: str | None = None,
    outcome: str = Outcome.DONE,
) -> str:
    """Add an event to the chain inside ``db``'s transaction; returns its hash.

    ``source`` is where the action came from (an IP address; "cli" when not given).
    Refuses (:class:`~cld.engine.errors.KeyMissingError`) when there is no audit key
    (production without ``CLD_AUDIT_KEY``), and so does the action it records.
    """
    key = audit_key()
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
    digest = event_hash(previous_hash, row, key)
    db.execute(
        insert(t.events).values(
            id=last_id + 1, previous_hash=previous_hash, hash=digest, **row
        )
    )
    return digest


def event_hash(previous_hash: str, row: Mapping[str, Any], key: AuditKey) -> str:
    """HMAC-SHA256 under ``key`` of ``previous_hash`` and the canonical JSON of
    ``row``'s content."""
    message = (previous_hash + canonical(row)).encode()
    return hmac.new(key.secret, message, hashlib.sha256).hexdigest()


def unkeyed_hash(previous_hash: str, row: Mapping[str, Any]) -> str:
    """sha256 of the same text: the hash of events written before keying."""
    return hashlib.sha256((previous_hash + canonical(row)).encode()).hexdigest()


def canonical(row: Mapping[str, Any]) -> str:
    """The event's content (:data:`HASHED`) as one canonical JSON text."""
    content = {name: row[name] for name in HASHED}
    content["at"] = _instant(row["at"])
    return json.dumps(content, sort_keys=True, separators=(",", ":"), allow_nan=False)


def plain_detail(detail: Mapping[str, object] | None) -> JsonObject:
    """``detail`` as the database gives it back (keys as text, tuples as lists), so
    the hash is made from what is read back."""
    plain: JsonObject = json.loads(json.dumps(dict(detail or {}), allow_nan=False))
    return plain


def _instant(at: dt.datetime) -> str:
    aware = at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)
    return aware.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _last_event(db: Connection) -> tuple[int, str]:
    """Take the chain's lock for the rest of ``db``'s transaction, then read the last
    event's id and hash (0 and :data:`GENESIS` when there is none)."""
    lock_chain(db)
    last = db.execute(
        select(t.events.c.id, t.events.c.hash).order_by(t.events.c.id.desc()).limit(1)
    ).first()
    return (0, GENESIS) if last is None else (last.id, last.hash)


def lock_chain(db: Connection) -> None:
    """Hold the chain's lock until ``db``'s transaction ends."""
    if db.dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
        return
    raw = db.connection.dbapi_connection
    if not getattr(raw, "in_transaction", False):  # nothing written yet
        db.exec_driver_sql("BEGIN IMMEDIATE")


def key_chain(db: Connection, *, by: str) -> bool:
    """Add ``audit_keying_began`` after a chain made before keying (every event a sound
    plain SHA-256 one, none keyed); True when it was added. Its HMAC fixes every
    unkeyed event before it. Any other chain is left as it is, for ``cld audit
    verify`` to name what is wrong: an unkeyed event forged onto a keyed chain is
    never followed by a keyed one."""
    key = audit_key()
    lock_chain(db)
    newest = db.execute(
        _chain_query().order_by(None).order_by(t.events.c.id.desc()).limit(1)
    ).first()
    if newest is None or _keyed(newest._mapping, key):
        return False  # the common case, read from the last event alone
    walk = _Walk(key, None)
    for row in db.execute(_chain_query()):
        if any(True for _ in walk.step(row._mapping)):
            return False
    if walk.keyed:
        return False
    append_event(
        db, AuditAction.AUDIT_KEYING_BEGAN, by=by, detail={"unkeyed_events": walk.count}
    )
    return True


# -- verifying ------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    """An event's id and hash, kept outside the database: the chain must still hold
    that event at that place (``ID:HASH``, as ``cld audit anchor`` prints it)."""

    event: int
    hash: str

    def __str__(self) -> str:
        return f"{self.event}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> Anchor:
        found = re.fullmatch(r"\s*(\d+):([0-9a-fA-F]{64})\s*", text)
        if found is None:
            raise UsageError(
                "an anchor is an event's id and hash as `cld audit anchor` prints "
                "them, ID:HASH (a number, a colon and 64 hexadecimal digits)"
            )
        return cls(int(found[1]), found[2].lower())


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

    @classmethod
    def unkeyed(cls, events: int) -> AuditProblem:
        return cls(
            None,
            f"none of the {events} events is keyed with the audit key: the key is "
            "not the one the log was written with, or the log was rewritten by "
            "someone without it (a log made before keying is keyed from its end "
            "by `cld init`)",
        )

    @classmethod
    def cut(cls, anchor: Anchor, last: int | None) -> AuditProblem:
        ends = "has no events" if last is None else f"ends at event {last}"
        return cls(
            anchor.event,
            f"the log {ends}, but the anchor is event {anchor.event}: events were "
            "cut from its end",
        )

    @classmethod
    def not_anchored(cls, anchor: Anchor) -> AuditProblem:
        return cls(
            anchor.event,
            f"event {anchor.event} is not the anchored event (its hash is not the "
            "anchor's): the log was rewritten up to there",
        )


@dataclass(frozen=True)
class ChainReport:
    """What :func:`check_chain` found."""

    events: int
    last_hash: str | None
    problems: tuple[AuditProblem, ...]
    last_id: int | None = None
    unkeyed: int = 0
    """How many events at the start were written before keying (plain SHA-256)."""
    development_key: bool = False
    """Checked with the development key: it proves nothing."""

    @property
    def intact(self) -> bool:
        return not self.problems

    @property
    def anchor(self) -> Anchor | None:
        """The last event's id and hash: keep it outside the database."""
        if self.last_id is None or self.last_hash is None:
            return None
        return Anchor(self.last_id, self.last_hash)


def check_chain(
    source: Registry | Engine,
    *,
    anchor: Anchor | None = None,
    key: AuditKey | None = None,
) -> ChainReport:
    """Read every event in order and check its keyed hash and its link to the one
    before; with ``anchor``, that the chain still holds that event at its place.
    ``key``: the audit key from the environment unless given."""
    key = key or audit_key()
    engine = source if isinstance(source, Engine) else source.engine
    problems: list[AuditProblem] = []
    walk = _Walk(key, anchor)
    with engine.connect() as db:
        for row in db.execute(_chain_query()):
            problems.extend(walk.step(row._mapping))
    if walk.count == 0:
        problems.append(AuditProblem.empty())
    elif not walk.keyed:
        problems.append(AuditProblem.unkeyed(walk.count))
    if anchor is not None:
        problems.extend(walk.against(anchor))
    last_id, last_hash = walk.before or (None, None)
    return ChainReport(
        walk.count,
        last_hash,
        tuple(problems),
        last_id=last_id,
        unkeyed=walk.unkeyed,
        development_key=key.development,
    )


def _chain_query() -> Select[Any]:
    """Every event, oldest first, its detail as the text that was stored."""
    columns = [c for c in t.events.c if c.name != "detail"]
    detail = cast(t.events.c.detail, Text).label("detail")
    return select(*columns, detail).order_by(t.events.c.id)


def verify_chain(source: Registry | Engine) -> list[str]:
    """Every problem with the audit log, worded; empty when it is intact."""
    return [str(problem) for problem in check_chain(source).problems]


class _Walk:
    """The state of one pass over the chain, oldest event first."""

    def __init__(self, key: AuditKey, anchor: Anchor | None) -> None:
        self.key = key
        self.anchor_id = None if anchor is None else anchor.event
        self.count = 0
        self.unkeyed = 0
        self.keyed = False
        self.before: tuple[int, str] | None = None  # the event read last
        self.anchored: str | None = None  # the hash of the anchor's event, if read

    def step(self, row: Mapping[Any, Any]) -> Iterator[AuditProblem]:
        self.count += 1
        yield from self._problems(row)
        self.before = (row["id"], row["hash"])
        if row["id"] == self.anchor_id:
            self.anchored = row["hash"]

    def against(self, anchor: Anchor) -> Iterator[AuditProblem]:
        """Problems the anchor shows (the pass must have been told of it)."""
        last = self.before[0] if self.before else None
        if last is None or last < anchor.event:
            yield AuditProblem.cut(anchor, last)
        elif self.anchored is None:
            return  # the event is missing: the pass said so
        elif not _same(self.anchored, anchor.hash):
            yield AuditProblem.not_anchored(anchor)

    def _problems(self, row: Mapping[Any, Any]) -> Iterator[AuditProblem]:
        event = row["id"]
        before = self.before
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
        content = {**row, "detail": detail}
        if _same(event_hash(row["previous_hash"], content, self.key), row["hash"]):
            self.keyed = True
        elif (
            not self.keyed
            and unkeyed_hash(row["previous_hash"], content) == row["hash"]
        ):
            self.unkeyed += 1  # before keying began: fixed by the first keyed event
        else:
            yield AuditProblem.changed(event)


def _keyed(row: Mapping[Any, Any], key: AuditKey) -> bool:
    """Whether ``row`` (as :func:`_chain_query` reads it) is keyed with ``key``."""
    try:
        content = {**row, "detail": json.loads(row["detail"])}
    except (TypeError, ValueError):
        return False
    return _same(event_hash(row["previous_hash"], content, key), row["hash"])


def _same(made: str, stored: str) -> bool:
    """Compared in constant time (as bytes: a stored hash may be any text)."""
    return hmac.compare_digest(made.encode(), stored.encode())
