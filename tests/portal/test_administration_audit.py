"""The audit log page: newest first, filtered and paged at the database, the hash
chain's state, reading it not recorded, and the CSV export (recorded)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cld.pipeline.registry.audit import AuditProblem, ChainReport
from cld.pipeline.registry.audit_actions import AuditAction
from cld.portal.administration import audit_log
from cld.portal.data_area import registry


def _reviewer(member: Any) -> Client:
    client = Client()
    client.force_login(member("ig-reviewer"))
    return client


def _marker(n: int = 1, **options: Any) -> str:
    """``n`` events by a new actor; returns the actor."""
    actor = f"marker-{secrets.token_hex(4)}"
    for i in range(n):
        registry().record(
            options.get("action", "download"),
            by=actor,
            la=options.get("la", "CAM"),
            use_case=options.get("use_case", "pan"),
            detail={"file": f"f{i}.csv", "rows": i, "tables": ["a", "b"]},
            source=options.get("source", "198.51.100.4"),
            outcome=options.get("outcome", "done"),
        )
    return actor


def _page(client: Client, **query: str) -> tuple[int, str]:
    response = client.get(reverse("audit-log"), query)
    return response.status_code, response.content.decode()


def test_an_ig_reviewer_reads_the_log_newest_first(member: Any) -> None:
    client = _reviewer(member)
    first, second = _marker(), _marker(outcome="refused", la="HAC")
    status, page = _page(client)
    assert status == 200
    assert page.index(second) < page.index(first)  # newest first
    assert "198.51.100.4" in page and "download" in page
    assert "file:</span> f0.csv" in page and "tables:</span> a, b" in page
    assert 'govuk-tag govuk-tag--red">refused' in page
    assert 'govuk-tag govuk-tag--green">done' in page
    assert "Chain verified" in page
    count = len(registry().events())
    assert f"all {count} entries were checked" in page


def test_actions_read_as_their_labels(member: Any) -> None:
    client = _reviewer(member)
    actor = _marker(action="login_failed", outcome="refused")
    _, page = _page(client, actor=actor)
    assert '<td class="govuk-table__cell">Sign-in failed</td>' in page
    assert "login_failed</td>" not in page
    assert '<option value="login_failed">Sign-in failed</option>' in page


def test_reading_the_log_is_not_recorded(member: Any) -> None:
    client = _reviewer(member)
    last = registry().events_page(limit=1)[0].id
    for query in ({}, {"actor": "someone"}, {"since": "2000-01-01"}):
        assert client.get(reverse("audit-log"), query).status_code == 200
    assert registry().events_page(limit=1)[0].id == last


def test_filters_by_action_authority_who_and_outcome(member: Any) -> None:
    client = _reviewer(member)
    cam = _marker(2, action="filter_probe", la="CAM")
    hac = _marker(1, action="filter_probe", la="HAC", outcome="refused")
    _, page = _page(client, action="filter_probe")
    assert cam in page and hac in page
    _, page = _page(client, action="filter_probe", la="HAC")
    assert hac in page and cam not in page
    _, page = _page(client, actor=cam)
    assert page.count(f">{cam}<") == 2 and hac not in page
    _, page = _page(client, action="filter_probe", outcome="refused")
    assert hac in page and cam not in page
    assert "Entries that match" in page
    _, page = _page(client, actor="nobody-at-all")
    assert "No entries match these filters" in page


def test_filters_by_date_range(member: Any) -> None:
    client = _reviewer(member)
    actor = _marker()
    today = timezone.localdate()
    day = dt.timedelta(days=1)
    _, page = _page(client, actor=actor, since=str(today), until=str(today))
    assert f">{actor}<" in page
    _, page = _page(client, actor=actor, until=str(today - day))
    assert f">{actor}<" not in page
    _, page = _page(client, actor=actor, since=str(today + day))
    assert f">{actor}<" not in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            {"since": "2026-02-02", "until": "2026-02-01"},
            "must be the same as or after",
        ),
        ({"since": "yesterday"}, "Enter the ‘from’ date as a date"),
        ({"until": "2026-13-01"}, "Enter the ‘to’ date as a date"),
        ({"action": "no_such_action"}, "Select an action from the list"),
        ({"la": "ZZZ"}, "Select an authority from the list"),
        ({"outcome": "maybe"}, "Select done or refused"),
        ({"before": "0"}, "The page asked for is not an event number"),
    ],
)
def test_a_wrong_filter_is_explained(
    member: Any, query: dict[str, str], message: str
) -> None:
    client = _reviewer(member)
    status, page = _page(client, **query)
    assert status == 400
    assert "govuk-error-summary" in page and message in page
    assert 'id="audit-events"' not in page
    export = client.get(reverse("audit-log-export"), query)
    assert export.status_code == 400


def test_pages_go_back_in_time_on_the_event_id(member: Any) -> None:
    client = _reviewer(member)
    actor = _marker(audit_log.PAGE_SIZE + 3)
    ids = [e.id for e in registry().events_page(actor=actor, limit=100)]
    status, page = _page(client, actor=actor)
    assert status == 200 and page.count(f">{actor}<") == audit_log.PAGE_SIZE
    assert 'class="govuk-pagination' in page and 'rel="next"' in page
    assert 'rel="prev"' not in page
    older = f"?actor={actor}&amp;before={ids[audit_log.PAGE_SIZE - 1]}"
    assert older in page
    _, page = _page(client, actor=actor, before=str(ids[audit_log.PAGE_SIZE - 1]))
    assert page.count(f">{actor}<") == 3
    assert f'<td class="govuk-table__cell govuk-table__cell--numeric">{ids[-1]}<' in (
        page
    )
    assert 'rel="next"' not in page and 'rel="prev"' in page


def test_a_broken_chain_is_shown_with_its_problems(
    member: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = ChainReport(
        events=7, last_hash="ab" * 32, problems=(AuditProblem.changed(3),)
    )
    monkeypatch.setattr(audit_log, "check_chain", lambda _: broken)
    _, page = _page(_reviewer(member))
    assert "The hash chain does not verify: 7 entries checked, 1 problem found" in page
    assert "event 3 was changed" in page
    assert "Chain verified" not in page


def test_the_export_is_csv_with_formulae_neutralised_and_is_recorded(
    member: Any,
) -> None:
    reviewer = member("ig-reviewer")
    client = Client()
    client.force_login(reviewer)
    actor = f"=HYPERLINK(1)-{secrets.token_hex(3)}"
    registry().record(
        AuditAction.LOGIN_FAILED, by=actor, outcome="refused", source="192.0.2.1"
    )
    response = client.get(reverse("audit-log-export"), {"actor": actor})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log')
    text = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["actor"] for r in rows] == [f"'{actor}"]
    assert rows[0]["outcome"] == "refused" and rows[0]["source"] == "192.0.2.1"
    assert rows[0]["action"] == "login_failed" and len(rows[0]["hash"]) == 64
    exported = registry().events_page(action="audit_log_exported", limit=1)[0]
    assert exported.actor == reviewer.username
    assert exported.detail == {"filters": {"actor": actor}}
    assert exported.source == "127.0.0.1"


def test_the_export_of_everything_reads_every_page(
    member: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit_log, "EXPORT_BATCH", 7)
    client = _reviewer(member)
    response = client.get(reverse("audit-log-export"))
    text = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    ids = [int(r["id"]) for r in csv.DictReader(io.StringIO(text))]
    everything = [e.id for e in registry().events()]
    # the export's own record is written before its rows are read
    assert ids == sorted(everything, reverse=True)


def test_detail_values_read_as_text() -> None:
    assert audit_log.readable_detail(
        {"a": None, "b": True, "c": [], "d": {"x": 1}, "e": "y" * 400, "f": False}
    ) == [
        ("a", "–"),
        ("b", "yes"),
        ("c", "none"),
        ("d", "x: 1"),
        ("e", "y" * 299 + "…"),
        ("f", "no"),
    ]
