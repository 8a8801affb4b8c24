"""The audit log on SQLite and on PostgreSQL: one hash chain, append-only in the
database, tampering found, refused attempts recorded, concurrent writers kept on one
chain; and ``cld audit verify`` / ``cld audit list``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import typer
from typer.testing import CliRunner

from cld.cli import audit_command
from cld.cli.app import run
from cld.engine.errors import KeyMissingError, UsageError
from cld.pipeline.data_area import DataArea
from cld.pipeline.registry import Registry, open_registry
from cld.pipeline.registry import tables as t
from cld.pipeline.registry.audit import (
    GENESIS,
    Anchor,
    AuditProblem,
    canonical,
    check_chain,
    event_hash,
    unkeyed_hash,
    verify_chain,
)
from cld.pipeline.registry.audit_actions import AuditAction
from cld.pipeline.registry.audit_key import AUDIT_KEY_ENV, AuditKey, audit_key

D = dt.date


@pytest.fixture
def fresh(tmp_path: Path, each_database: str) -> Registry:
    registry = open_registry(tmp_path / "registry.sqlite", must_exist=False)
    assert registry.create(by="admin") is True
    return registry


def _drop_triggers(registry: Registry) -> None:
    """What someone with the tables' ownership could do: the chain must still tell."""
    with registry.engine.begin() as db:
        if db.dialect.name == "postgresql":
            db.execute(sa.text("DROP TRIGGER IF EXISTS events_append_only ON events"))
        else:
            for name in ("update", "delete", "replace"):
                db.execute(sa.text(f"DROP TRIGGER IF EXISTS events_no_{name}"))


def test_events_form_one_chain(fresh: Registry) -> None:
    fresh.sign("CAM", "pan", on=D(2026, 1, 1), by="dpo")
    fresh.record(
        AuditAction.DOWNLOAD,
        by="analyst",
        la="CAM",
        use_case="pan",
        source="203.0.113.7",
        detail={"file": "pan/episodes.csv", "sizes": (1, 2)},
    )
    events = fresh.events()
    assert [e.id for e in events] == list(range(1, len(events) + 1))
    assert events[0].previous_hash == GENESIS
    for before, after in zip(events, events[1:], strict=False):
        assert after.previous_hash == before.hash
    for event in events:
        assert event.hash == event_hash(
            event.previous_hash, dataclasses.asdict(event), audit_key()
        )
    assert [(e.source, e.outcome) for e in events[:-1]] == [("cli", "done")] * 3
    last = events[-1]
    assert (last.source, last.outcome) == ("203.0.113.7", "done")
    assert last.detail == {"file": "pan/episodes.csv", "sizes": [1, 2]}
    assert fresh.events(la="CAM") == events[2:]
    assert verify_chain(fresh) == [] and verify_chain(fresh.engine) == []
    report = check_chain(fresh)
    assert (report.intact, report.events, report.last_hash) == (True, 4, last.hash)


def test_the_hash_does_not_depend_on_the_time_zone_it_is_read_in() -> None:
    utc = dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC)
    row = {
        "actor": "a",
        "action": "x",
        "la": None,
        "use_case": None,
        "source": "cli",
        "outcome": "done",
        "detail": {"b": 1, "a": [2]},
    }
    paris = utc.astimezone(dt.timezone(dt.timedelta(hours=2)))
    naive = utc.replace(tzinfo=None)  # how SQLite gives it back
    texts = {canonical({**row, "at": at}) for at in (utc, paris, naive)}
    assert texts == {
        '{"action":"x","actor":"a","at":"2026-05-01T09:30:00.000000Z",'
        '"detail":{"a":[2],"b":1},"la":null,"outcome":"done","source":"cli",'
        '"use_case":null}'
    }


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET actor = 'mallory' WHERE id = 1",
        "UPDATE events SET outcome = 'done'",
        "DELETE FROM events WHERE id = 2",
        "DELETE FROM events",
    ],
)
def test_the_database_refuses_to_change_or_delete_events(
    fresh: Registry, statement: str
) -> None:
    before = fresh.events()
    with (
        pytest.raises(sa.exc.IntegrityError, match="append-only"),
        fresh.engine.begin() as db,
    ):
        db.execute(sa.text(statement))
    assert fresh.events() == before
    assert fresh.create(by="admin") is False  # idempotent: the triggers made again
    with (
        pytest.raises(sa.exc.IntegrityError, match="append-only"),
        fresh.engine.begin() as db,
    ):
        db.execute(sa.text(statement))
    assert fresh.events() == before and verify_chain(fresh) == []


def test_postgresql_refuses_truncate(fresh: Registry) -> None:
    if fresh.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; DELETE FROM events is refused")
    with (
        pytest.raises(sa.exc.IntegrityError, match="append-only"),
        fresh.engine.begin() as db,
    ):
        db.execute(sa.text("TRUNCATE events"))
    assert len(fresh.events()) == 2


def test_a_changed_event_is_named(fresh: Registry) -> None:
    fresh.sign("CAM", "pan", on=D(2026, 1, 1), by="dpo", signatory="S")
    fresh.record(AuditAction.DOWNLOAD, by="analyst", la="CAM")
    (signed,) = fresh.events("agreement_signed")
    _drop_triggers(fresh)
    with fresh.engine.begin() as db:
        db.execute(
            sa.update(t.events)
            .where(t.events.c.id == signed.id)
            .values(detail={**signed.detail, "signatory": "someone else"})
        )
    assert verify_chain(fresh) == [
        f"event {signed.id} was changed: its hash does not match its content"
    ]
    assert check_chain(fresh).problems == (AuditProblem.changed(signed.id),)
    # Hashing the changed row again breaks the link of the event after it.
    (changed,) = fresh.events("agreement_signed")
    rehashed = event_hash(
        changed.previous_hash, dataclasses.asdict(changed), audit_key()
    )
    with fresh.engine.begin() as db:
        db.execute(
            sa.update(t.events).where(t.events.c.id == signed.id).values(hash=rehashed)
        )
    assert verify_chain(fresh) == [
        f"event {signed.id + 1} does not follow event {signed.id}: its previous "
        "hash is not that event's hash"
    ]


def test_detail_that_is_not_json_is_named(fresh: Registry) -> None:
    if fresh.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's json type refuses text that is not JSON")
    _drop_triggers(fresh)
    with fresh.engine.begin() as db:
        db.execute(sa.text("UPDATE events SET detail = 'not json' WHERE id = 2"))
    assert verify_chain(fresh) == ["event 2 was changed: its detail is not JSON"]
    assert fresh.create(by="admin") is False  # nothing keyed after a changed event
    assert verify_chain(fresh) == ["event 2 was changed: its detail is not JSON"]


def test_deleted_events_are_found(fresh: Registry) -> None:
    for n in range(4):
        fresh.record(AuditAction.DOWNLOAD, by="analyst", detail={"n": n})
    _drop_triggers(fresh)
    with fresh.engine.begin() as db:
        db.execute(sa.delete(t.events).where(t.events.c.id == 4))
    assert verify_chain(fresh) == [
        "event 4 is missing",
        "event 5 does not follow event 3: its previous hash is not that event's hash",
    ]
    with fresh.engine.begin() as db:
        db.execute(sa.delete(t.events).where(t.events.c.id.in_([1, 5])))
    assert verify_chain(fresh) == [
        "event 1 is missing",
        "event 2 is the first but does not start the chain (its previous hash is "
        "not 64 zeros)",
        "events 4 to 5 are missing",
        "event 6 does not follow event 3: its previous hash is not that event's hash",
    ]
    with fresh.engine.begin() as db:
        db.execute(sa.delete(t.events))
    assert verify_chain(fresh) == [str(AuditProblem.empty())]


def test_a_refused_attempt_is_recorded(fresh: Registry) -> None:
    with pytest.raises(UsageError, match="unknown use case") as refused:
        fresh.sign("CAM", "nope", on=D(2026, 1, 1), by="clerk")
    fresh.record(
        AuditAction.AGREEMENT_SIGNED,
        by="clerk",
        la="CAM",
        use_case="nope",
        source="198.51.100.4",
        outcome="refused",
        detail={"reason": str(refused.value)},
    )
    (event,) = fresh.events("agreement_signed")
    assert (event.actor, event.source, event.outcome) == (
        "clerk",
        "198.51.100.4",
        "refused",
    )
    assert fresh.agreements() == []  # refused: nothing but the record changed
    with pytest.raises(ValueError, match="not a valid Outcome"):
        fresh.record(AuditAction.AGREEMENT_SIGNED, by="clerk", outcome="maybe")
    assert len(fresh.events("agreement_signed")) == 1
    assert verify_chain(fresh) == []


def test_concurrent_writers_keep_one_chain(fresh: Registry) -> None:
    """20 writers, each on its own connection, 10 events each, all at once."""
    threads, each = 20, 10
    start = threading.Barrier(threads)

    def write(thread: int) -> None:
        start.wait()
        for n in range(each):
            fresh.record(AuditAction.DOWNLOAD, by=f"writer-{thread}", detail={"n": n})

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for done in [pool.submit(write, thread) for thread in range(threads)]:
            done.result()
    events = fresh.events()
    assert len(events) == 2 + threads * each
    assert verify_chain(fresh) == []
    written = sorted((e.actor, e.detail["n"]) for e in events[2:])
    assert written == sorted(
        (f"writer-{thread}", n) for thread in range(threads) for n in range(each)
    )
    for thread in range(threads):  # each writer's events in the order it wrote them
        mine = [e.detail["n"] for e in events if e.actor == f"writer-{thread}"]
        assert mine == list(range(each))


def test_concurrent_actions_that_write_first_keep_one_chain(fresh: Registry) -> None:
    """Actions that change a table before their event (the lock is then the one the
    first write took on SQLite) interleaved with plain records."""
    codes = [a.code for a in fresh.authorities()][:10]
    start = threading.Barrier(len(codes))

    def act(la: str) -> None:
        start.wait()
        fresh.request(la, "pan", on=D(2026, 1, 1), by="hub")
        fresh.record(AuditAction.DOWNLOAD, by="analyst", la=la)
        fresh.sign(la, "pan", on=D(2026, 2, 1), by="dpo")

    with ThreadPoolExecutor(max_workers=len(codes)) as pool:
        for done in [pool.submit(act, la) for la in codes]:
            done.result()
    assert len(fresh.events()) == 2 + 3 * len(codes)
    assert verify_chain(fresh) == []


def test_a_registry_made_before_the_chain_is_refused(
    tmp_path: Path, each_database: str
) -> None:
    registry = open_registry(tmp_path / "registry.sqlite", must_exist=False)
    legacy = sa.MetaData()
    sa.Table(
        "events",
        legacy,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("la", sa.String(8)),
        sa.Column("use_case", sa.String(64)),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    legacy.create_all(registry.engine)
    with pytest.raises(UsageError, match="made before the audit log was chained"):
        registry.create(by="admin")


# -- replacing, rewriting, forging, cutting ---------------------------------------

COLUMNS = "id, at, actor, action, la, use_case, detail, source, outcome, "
COPY = f"SELECT {COLUMNS}previous_hash, hash FROM events WHERE outcome = 'refused'"
REPLACING = {
    "sqlite": [
        f"INSERT OR REPLACE INTO events ({COLUMNS}previous_hash, hash) {COPY}",
        f"REPLACE INTO events ({COLUMNS}previous_hash, hash) {COPY}",
        f"INSERT INTO events ({COLUMNS}previous_hash, hash) {COPY} "
        "ON CONFLICT (id) DO UPDATE SET outcome = 'done'",
    ],
    "postgresql": [
        f"INSERT INTO events ({COLUMNS}previous_hash, hash) {COPY} "
        "ON CONFLICT (id) DO UPDATE SET outcome = 'done'",
    ],
}
Hasher = Callable[[str, dict[str, Any]], str]
WRONG_KEY = AuditKey(b"a-key-that-is-not-the-audit-key-0123456789", development=False)


def _wrong_key(previous: str, row: dict[str, Any]) -> str:
    return event_hash(previous, row, WRONG_KEY)


def _refusals(registry: Registry, count: int) -> None:
    for n in range(count):
        registry.record(
            AuditAction.DOWNLOAD, by="analyst", outcome="refused", detail={"n": n}
        )


def _rehash(
    registry: Registry,
    start: int,
    hashed: Hasher,
    *,
    done: bool = False,
    end: int | None = None,
) -> None:
    """What a privileged writer could do (the triggers dropped): every hash from
    event ``start`` on (to ``end``) made again with ``hashed`` so the links hold,
    after making every event "done" when ``done``."""
    _drop_triggers(registry)
    events = registry.events()
    previous = events[start - 2].hash if start > 1 else GENESIS
    with registry.engine.begin() as db:
        for event in events[start - 1 : end]:
            row = dataclasses.asdict(event)
            row.update(
                previous_hash=previous, outcome="done" if done else event.outcome
            )
            previous = hashed(previous, row)
            db.execute(
                sa.update(t.events)
                .where(t.events.c.id == event.id)
                .values(
                    outcome=row["outcome"],
                    previous_hash=row["previous_hash"],
                    hash=previous,
                )
            )


def test_replacing_an_event_is_refused(fresh: Registry) -> None:
    """SQLite's REPLACE deletes the row it replaces without firing the DELETE
    trigger; PostgreSQL's upsert updates it. Both must be refused."""
    _refusals(fresh, 3)
    before = fresh.events()
    for statement in REPLACING[fresh.engine.dialect.name]:
        with (
            pytest.raises(sa.exc.IntegrityError, match="append-only"),
            fresh.engine.begin() as db,
        ):
            db.execute(sa.text(statement))
        assert fresh.events() == before, statement
    assert [e.outcome for e in before].count("refused") == 3
    assert verify_chain(fresh) == []


@pytest.mark.parametrize(
    "hashed", [unkeyed_hash, _wrong_key], ids=["plain-sha256", "another-key"]
)
def test_a_rewritten_chain_is_found_without_the_key(
    fresh: Registry, hashed: Hasher
) -> None:
    """The refusals rewritten as done and the chain made again, by a writer who
    does not hold the key: checked with the key, the first rewritten event is
    named, and each after it."""
    _refusals(fresh, 4)
    first = fresh.events(action="download")[0].id
    _rehash(fresh, first, hashed, done=True)
    assert [e.outcome for e in fresh.events()] == ["done"] * 6
    problems = check_chain(fresh).problems
    assert problems == tuple(AuditProblem.changed(n) for n in range(first, 7))


def test_a_chain_rewritten_from_its_start_without_the_key_is_found(
    fresh: Registry,
) -> None:
    _refusals(fresh, 2)
    _rehash(fresh, 1, unkeyed_hash, done=True)  # it looks made before keying...
    assert verify_chain(fresh) == [str(AuditProblem.unkeyed(4))]  # ...but has no key
    _rehash(fresh, 1, _wrong_key)
    assert check_chain(fresh).problems == (
        *(AuditProblem.changed(n) for n in range(1, 5)),
        AuditProblem.unkeyed(4),
    )


def test_a_forged_event_appended_without_the_key_is_found(fresh: Registry) -> None:
    last = fresh.events()[-1]
    row = {
        "at": dt.datetime.now(dt.UTC),
        "actor": "dpo",
        "action": "agreement_signed",
        "la": "CAM",
        "use_case": "pan",
        "source": "cli",
        "outcome": "done",
        "detail": {},
    }
    for forged_with in (unkeyed_hash, _wrong_key, lambda p, r: "é" * 64):
        with fresh.engine.begin() as db:  # an INSERT: the triggers allow it
            db.execute(
                sa.insert(t.events).values(
                    id=last.id + 1,
                    previous_hash=last.hash,
                    hash=forged_with(last.hash, row),
                    **row,
                )
            )
        assert check_chain(fresh).problems == (AuditProblem.changed(last.id + 1),)
        assert fresh.create(by="admin") is False  # keys nothing after a forgery
        assert fresh.events()[-1].id == last.id + 1
        _drop_triggers(fresh)
        with fresh.engine.begin() as db:
            db.execute(sa.delete(t.events).where(t.events.c.id == last.id + 1))
        fresh.create(by="admin")  # the triggers again
    assert verify_chain(fresh) == []


def test_a_chain_made_before_keying_still_verifies_up_to_where_keying_began(
    fresh: Registry,
) -> None:
    """An old registry's plain SHA-256 chain is kept: `cld init` (``create``) adds
    the keyed event that fixes it, and the chain is keyed from there on."""
    _refusals(fresh, 2)
    _rehash(fresh, 1, unkeyed_hash)  # as a registry made before keying holds it
    assert fresh.create(by="admin") is False  # also makes the triggers again
    assert fresh.create(by="admin") is False  # keyed once: nothing more added
    fresh.record(AuditAction.DOWNLOAD, by="analyst")
    events = fresh.events()
    assert [e.action for e in events[3:]] == [
        "download",
        AuditAction.AUDIT_KEYING_BEGAN,
        "download",
    ]
    assert events[4].detail == {"unkeyed_events": 4}
    report = check_chain(fresh)
    assert (report.intact, report.unkeyed, report.events) == (True, 4, 6)
    # the keyed event fixes the unkeyed ones before it: rewriting them shows
    _rehash(fresh, 3, unkeyed_hash, done=True, end=4)
    assert check_chain(fresh).problems == (AuditProblem.unlinked(5, 4),)


def test_without_the_key_production_records_and_checks_nothing(
    fresh: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = fresh.events()
    monkeypatch.delenv(AUDIT_KEY_ENV)
    monkeypatch.setenv("CLD_ENV", "production")
    with pytest.raises(KeyMissingError, match="CLD_AUDIT_KEY is not set"):
        fresh.sign("CAM", "pan", on=D(2026, 1, 1), by="dpo")
    assert fresh.agreements() == [] and fresh.events() == before
    with pytest.raises(KeyMissingError, match="CLD_AUDIT_KEY is not set"):
        check_chain(fresh)
    monkeypatch.setenv(AUDIT_KEY_ENV, "short")
    with pytest.raises(KeyMissingError, match="at least 32 characters"):
        fresh.record(AuditAction.DOWNLOAD, by="analyst")
    # outside production the development key is used, and it is not this one
    monkeypatch.delenv(AUDIT_KEY_ENV)
    monkeypatch.delenv("CLD_ENV")
    report = check_chain(fresh)
    assert report.development_key
    assert report.problems == (
        AuditProblem.changed(1),
        AuditProblem.changed(2),
        AuditProblem.unkeyed(2),
    )


def test_an_anchor_finds_events_cut_from_the_end(fresh: Registry) -> None:
    _refusals(fresh, 2)
    anchor = check_chain(fresh).anchor
    assert anchor == Anchor(4, fresh.events()[-1].hash)
    fresh.record(AuditAction.DOWNLOAD, by="analyst")
    assert check_chain(fresh, anchor=anchor).intact  # the log grew: fine
    _drop_triggers(fresh)
    with fresh.engine.begin() as db:
        db.execute(sa.delete(t.events).where(t.events.c.id >= 3))
    assert verify_chain(fresh) == []  # a shorter chain is a sound one...
    assert check_chain(fresh, anchor=anchor).problems == (  # ...but not the anchor's
        AuditProblem.cut(anchor, 2),
    )
    fresh.record(AuditAction.DOWNLOAD, by="analyst")
    fresh.record(AuditAction.DOWNLOAD, by="analyst")
    middle = check_chain(fresh).anchor
    fresh.record(AuditAction.DOWNLOAD, by="analyst")
    assert middle is not None and middle.event == 4
    with fresh.engine.begin() as db:  # the anchored event gone from the middle
        db.execute(sa.delete(t.events).where(t.events.c.id == 4))
    assert check_chain(fresh, anchor=middle).problems == (
        AuditProblem.missing(4, 4),
        AuditProblem.unlinked(5, 3),
    )
    assert str(AuditProblem.cut(anchor, 2)) == (
        "the log ends at event 2, but the anchor is event 4: events were cut from "
        "its end"
    )


def test_an_anchor_finds_a_chain_rewritten_with_the_key(fresh: Registry) -> None:
    """Whoever holds the key can make a rewritten chain verify: not the anchor."""
    _refusals(fresh, 3)
    anchor = check_chain(fresh).anchor
    assert anchor is not None
    key = audit_key()
    _rehash(fresh, 3, lambda p, row: event_hash(p, row, key), done=True)
    assert verify_chain(fresh) == []
    assert check_chain(fresh, anchor=anchor).problems == (
        AuditProblem.not_anchored(anchor),
    )
    other = Anchor(anchor.event, anchor.hash.upper())  # the same, as typed
    assert Anchor.parse(f" {other} ") == Anchor(anchor.event, anchor.hash)
    for text in ("", "5", "5:abc", f"x:{anchor.hash}", anchor.hash):
        with pytest.raises(UsageError, match="ID:HASH"):
            Anchor.parse(text)


# -- cld audit ------------------------------------------------------------------


@pytest.fixture
def data_dir(tmp_path: Path, each_database: str) -> Path:
    area = DataArea(tmp_path / "data")
    area.create()
    open_registry(area.registry_file, must_exist=False).create(by="admin")
    return area.root


def _cld(args: list[str]) -> tuple[int, str]:
    """Run ``cld audit …`` as ``cld.cli.app.run`` does: the command's return value is
    the exit code."""
    cli = typer.Typer()

    @cli.callback()
    def _root() -> None:
        """cld"""

    cli.add_typer(audit_command.app)
    result = CliRunner().invoke(
        cli,
        args,
        env={"COLUMNS": "200"},  # wide enough for the table on one line per event
        standalone_mode=False,
        catch_exceptions=False,
    )
    code = result.return_value
    assert isinstance(code, int)
    return code, result.output


def test_cld_audit_verify(data_dir: Path) -> None:
    dd = ["--data-dir", str(data_dir)]
    code, out = _cld(["audit", "verify", *dd])
    registry = open_registry(DataArea(data_dir).registry_file)
    anchor = f"2:{registry.events()[-1].hash}"
    assert (code, out) == (
        0,
        "✓ the audit log is intact: 2 events\n"
        f"  anchor {anchor}: keep it elsewhere; --anchor later shows that nothing "
        "up to it was cut or rewritten\n",
    )
    code, out = _cld(["audit", "verify", *dd, "--anchor", anchor])
    assert (code, out.splitlines()[1]) == (0, "  it still holds the anchored event 2")
    _drop_triggers(registry)
    with registry.engine.begin() as db:
        db.execute(sa.update(t.events).where(t.events.c.id == 1).values(actor="x"))
    code, out = _cld(["audit", "verify", *dd])
    assert (code, out) == (
        2,
        "✗ event 1 was changed: its hash does not match its content\n",
    )
    with pytest.raises(UsageError, match="ID:HASH"):
        _cld(["audit", "verify", *dd, "--anchor", "2"])


def test_cld_audit_anchor_then_verify_finds_the_end_cut(data_dir: Path) -> None:
    dd = ["--data-dir", str(data_dir)]
    registry = open_registry(DataArea(data_dir).registry_file)
    registry.record(AuditAction.DOWNLOAD, by="analyst")
    code, anchor = _cld(["audit", "anchor", *dd])
    assert (code, anchor) == (0, f"3:{registry.events()[-1].hash}\n")
    registry.record(AuditAction.DOWNLOAD, by="analyst")
    _drop_triggers(registry)
    with registry.engine.begin() as db:
        db.execute(sa.delete(t.events).where(t.events.c.id >= 3))
    code, out = _cld(["audit", "verify", *dd])
    assert code == 0  # without the anchor, a cut end leaves a sound chain
    code, out = _cld(["audit", "verify", *dd, "--anchor", anchor.strip()])
    assert (code, out) == (
        2,
        "✗ the log ends at event 2, but the anchor is event 3: events were cut "
        "from its end\n",
    )
    with registry.engine.begin() as db:
        db.execute(sa.update(t.events).where(t.events.c.id == 2).values(actor="x"))
    code, out = _cld(["audit", "anchor", *dd])  # no anchor for a broken log
    assert (code, out) == (
        2,
        "✗ event 2 was changed: its hash does not match its content\n",
    )


def test_cld_audit_verify_counts_the_events_made_before_keying(data_dir: Path) -> None:
    registry = open_registry(DataArea(data_dir).registry_file)
    _rehash(registry, 1, unkeyed_hash)  # a registry made before keying
    dd = ["--data-dir", str(data_dir)]
    code, out = _cld(["audit", "verify", *dd])
    assert (code, out) == (2, f"✗ {AuditProblem.unkeyed(2)}\n")
    assert run(["init", *dd]) == 0  # keys it from its end
    code, out = _cld(["audit", "verify", *dd])
    assert code == 0
    assert out.splitlines()[:2] == [
        "✓ the audit log is intact: 3 events",
        "  events 1 to 2 were written before the log was keyed (plain SHA-256); "
        "the keyed event after them fixes them",
    ]


def test_cld_audit_verify_says_when_the_key_is_the_development_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database: str
) -> None:
    monkeypatch.delenv(AUDIT_KEY_ENV)
    area = DataArea(tmp_path / "data")
    area.create()
    open_registry(area.registry_file, must_exist=False).create(by="admin")
    code, out = _cld(["audit", "verify", "--data-dir", str(area.root)])
    assert code == 0
    assert "! checked with the development-only audit key" in out


def test_cld_audit_list(data_dir: Path) -> None:
    dd = ["--data-dir", str(data_dir)]
    registry = open_registry(DataArea(data_dir).registry_file)
    registry.sign("CAM", "pan", on=D(2026, 1, 1), by="dpo")
    registry.record(
        AuditAction.DOWNLOAD,
        by="analyst",
        la="CAM",
        source="203.0.113.7",
        outcome="refused",
    )
    code, out = _cld(["audit", "list", *dd, "--la", "camden", "--json"])
    assert code == 0
    listed = json.loads(out)
    assert [(e["action"], e["actor"], e["source"], e["outcome"]) for e in listed] == [
        ("agreement_signed", "dpo", "cli", "done"),
        ("download", "analyst", "203.0.113.7", "refused"),
    ]
    assert dt.datetime.fromisoformat(listed[0]["at"]).utcoffset() == dt.timedelta(0)
    assert listed[1]["hash"] == registry.events()[-1].hash
    code, out = _cld(["audit", "list", *dd, "--action", "download"])
    assert code == 0
    assert "analyst" in out and "203.0.113.7" in out and "refused" in out
    assert "Agreement signed" not in out and "agreement_signed" not in out
    code, out = _cld(["audit", "list", *dd])
    assert code == 0 and "Registry created" in out  # labels, not codes
    assert "registry_created" not in out
    with pytest.raises(UsageError, match="unknown local authority"):
        _cld(["audit", "list", *dd, "--la", "Atlantis"])
