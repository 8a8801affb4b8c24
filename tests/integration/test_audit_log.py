"""The audit log on SQLite and on PostgreSQL: one hash chain, append-only in the
database, tampering found, refused attempts recorded, concurrent writers kept on one
chain; and ``cld audit verify`` / ``cld audit list``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
import typer
from typer.testing import CliRunner

from cld.cli import audit_command
from cld.engine.errors import UsageError
from cld.pipeline.data_area import DataArea
from cld.pipeline.registry import Registry, open_registry
from cld.pipeline.registry import tables as t
from cld.pipeline.registry.audit import (
    GENESIS,
    AuditProblem,
    canonical,
    check_chain,
    event_hash,
    verify_chain,
)

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
            db.execute(sa.text("DROP TRIGGER events_append_only ON events"))
        else:
            db.execute(sa.text("DROP TRIGGER events_no_update"))
            db.execute(sa.text("DROP TRIGGER events_no_delete"))


def test_events_form_one_chain(fresh: Registry) -> None:
    fresh.sign("CAM", "pan", on=D(2026, 1, 1), by="dpo")
    fresh.record(
        "file_downloaded",
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
        assert event.hash == event_hash(event.previous_hash, dataclasses.asdict(event))
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
    fresh.record("file_downloaded", by="analyst", la="CAM")
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
    rehashed = event_hash(changed.previous_hash, dataclasses.asdict(changed))
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


def test_deleted_events_are_found(fresh: Registry) -> None:
    for n in range(4):
        fresh.record("file_downloaded", by="analyst", detail={"n": n})
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
        "agreement_signed",
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
        fresh.record("agreement_signed", by="clerk", outcome="maybe")
    assert len(fresh.events("agreement_signed")) == 1
    assert verify_chain(fresh) == []


def test_concurrent_writers_keep_one_chain(fresh: Registry) -> None:
    """20 writers, each on its own connection, 10 events each, all at once."""
    threads, each = 20, 10
    start = threading.Barrier(threads)

    def write(thread: int) -> None:
        start.wait()
        for n in range(each):
            fresh.record("file_downloaded", by=f"writer-{thread}", detail={"n": n})

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
        fresh.record("file_downloaded", by="analyst", la=la)
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
    assert code == 0
    assert out.startswith("✓ the audit log is intact: 2 events\n")
    registry = open_registry(DataArea(data_dir).registry_file)
    assert registry.events()[-1].hash in out
    _drop_triggers(registry)
    with registry.engine.begin() as db:
        db.execute(sa.update(t.events).where(t.events.c.id == 1).values(actor="x"))
    code, out = _cld(["audit", "verify", *dd])
    assert (code, out) == (
        2,
        "✗ event 1 was changed: its hash does not match its content\n",
    )


def test_cld_audit_list(data_dir: Path) -> None:
    dd = ["--data-dir", str(data_dir)]
    registry = open_registry(DataArea(data_dir).registry_file)
    registry.sign("CAM", "pan", on=D(2026, 1, 1), by="dpo")
    registry.record(
        "file_downloaded",
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
        ("file_downloaded", "analyst", "203.0.113.7", "refused"),
    ]
    assert dt.datetime.fromisoformat(listed[0]["at"]).utcoffset() == dt.timedelta(0)
    assert listed[1]["hash"] == registry.events()[-1].hash
    code, out = _cld(["audit", "list", *dd, "--action", "file_downloaded"])
    assert code == 0
    assert "analyst" in out and "203.0.113.7" in out and "refused" in out
    assert "agreement_signed" not in out
    code, out = _cld(["audit", "list", *dd])
    assert code == 0 and "registry_created" in out
    with pytest.raises(UsageError, match="unknown local authority"):
        _cld(["audit", "list", *dd, "--la", "Atlantis"])
