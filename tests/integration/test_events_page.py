"""``Registry.events_page`` on SQLite and on PostgreSQL: the audit log filtered and
cut into pages at the database, newest first, on the event id (keyset), and the
action names to filter by."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cld.engine.errors import UsageError
from cld.pipeline.registry import Registry, open_registry
from cld.pipeline.registry.audit_actions import AuditAction

FIVE_HOURS_EAST = dt.timezone(dt.timedelta(hours=5))


@pytest.fixture
def fresh(tmp_path: Path, each_database: str) -> Registry:
    registry = open_registry(tmp_path / "registry.sqlite", must_exist=False)
    assert registry.create(by="admin") is True
    return registry


def _fill(registry: Registry) -> None:
    """Twelve events after the two of ``create``: downloads by two people of two
    authorities, every third refused."""
    for n in range(12):
        registry.record(
            AuditAction.DOWNLOAD,
            by="ann" if n % 2 else "bob",
            la="CAM" if n < 6 else "HAC",
            use_case="pan",
            detail={"n": n},
            source="203.0.113.7",
            outcome="refused" if n % 3 == 0 else "done",
        )


def test_a_page_is_the_newest_first(fresh: Registry) -> None:
    _fill(fresh)
    everything = fresh.events()
    page = fresh.events_page(limit=5)
    assert [e.id for e in page] == [e.id for e in reversed(everything)][:5]
    assert page[0] == everything[-1]
    assert page[0].at.tzinfo is not None


def test_pages_follow_one_another_without_gaps_or_repeats(fresh: Registry) -> None:
    _fill(fresh)
    seen: list[int] = []
    before: int | None = None
    while page := fresh.events_page(before_id=before, limit=4):
        assert len(page) <= 4
        seen.extend(e.id for e in page)
        before = page[-1].id
    assert seen == sorted((e.id for e in fresh.events()), reverse=True)


def test_filters_combine(fresh: Registry) -> None:
    _fill(fresh)
    ann_at_hac = fresh.events_page(actor="ann", la="HAC", action="download")
    assert [e.detail["n"] for e in ann_at_hac] == [11, 9, 7]
    refused = fresh.events_page(outcome="refused")
    assert [e.detail["n"] for e in refused] == [9, 6, 3, 0]
    assert all(e.outcome == "refused" for e in refused)
    assert [e.detail["n"] for e in fresh.events_page(outcome="done", la="CAM")] == [
        5,
        4,
        2,
        1,
    ]
    assert [e.action for e in fresh.events_page(action="registry_created")] == [
        "registry_created"
    ]
    assert fresh.events_page(actor="nobody") == []
    older = fresh.events_page(actor="bob", before_id=ann_at_hac[-1].id, limit=2)
    assert [e.detail["n"] for e in older] == [6, 4]


def test_a_time_range_is_since_inclusive_until_exclusive(fresh: Registry) -> None:
    fresh.record(AuditAction.LOGIN, by="ann")
    cut = fresh.events()[-1].at + dt.timedelta(microseconds=1)
    fresh.record(AuditAction.LOGOUT, by="ann")
    late = fresh.events()[-1]
    assert [e.action for e in fresh.events_page(since=cut)] == ["logout"]
    assert "logout" not in {e.action for e in fresh.events_page(until=cut)}
    assert [e.action for e in fresh.events_page(since=late.at)] == ["logout"]
    assert fresh.events_page(since=late.at, until=late.at) == []
    # the same instants in another zone, and without one (taken as UTC)
    assert [
        e.action for e in fresh.events_page(since=cut.astimezone(FIVE_HOURS_EAST))
    ] == ["logout"]
    naive = cut.astimezone(dt.UTC).replace(tzinfo=None)
    assert [e.action for e in fresh.events_page(since=naive)] == ["logout"]


def test_the_actions_to_filter_by(fresh: Registry) -> None:
    _fill(fresh)
    fresh.record(AuditAction.ACCESS_REFUSED, by="eve", outcome="refused")
    assert fresh.event_actions() == [
        "access_refused",
        "download",
        "policy_changed",
        "registry_created",
    ]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"limit": 0}, "a page holds 1 to 1000 events, not 0"),
        ({"limit": 1001}, "not 1001"),
        ({"outcome": "maybe"}, "unknown outcome 'maybe'"),
    ],
)
def test_a_wrong_page_is_refused(
    fresh: Registry, options: dict[str, int | str], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        fresh.events_page(**options)  # type: ignore[arg-type]
