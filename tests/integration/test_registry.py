"""The registry on SQLite and on PostgreSQL: defaults, versions, agreements, DPIAs,
sessions, and an event for every change."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cld.engine.errors import GovernanceError, UsageError
from cld.governance.agreements import AgreementStatus, DpiaStatus
from cld.governance.policy import default_policy, policy_from_document
from cld.pipeline.registry import Registry, open_registry
from cld.pipeline.session_status import SessionStatus

D = dt.date


@pytest.fixture
def fresh(tmp_path: Path, each_database: str) -> Registry:
    registry = open_registry(tmp_path / "registry.sqlite", must_exist=False)
    assert registry.create(by="admin") is True
    return registry


def test_defaults_are_loaded_once(fresh: Registry, tmp_path: Path) -> None:
    assert fresh.create(by="admin") is False  # idempotent
    assert len(fresh.authorities()) == 33
    assert fresh.authority("202").code == "CAM"
    assert fresh.authority("camden").code == "CAM"
    with pytest.raises(UsageError, match="unknown local authority"):
        fresh.authority("Atlantis")
    version, policy = fresh.policy()
    assert version.version == 1 and version.sha256 == default_policy().sha256
    assert policy.sha256 == default_policy().sha256
    assert [e.action for e in fresh.events()] == ["policy_changed", "registry_created"]


def test_a_registry_that_does_not_exist_is_refused(
    tmp_path: Path, each_database: str
) -> None:
    if each_database != "sqlite":
        pytest.skip("a PostgreSQL schema always exists")
    with pytest.raises(UsageError, match="run `cld init"):
        open_registry(tmp_path / "nowhere" / "registry.sqlite")


def test_policy_versions_record_who_when_and_why(fresh: Registry) -> None:
    document = default_policy().document()
    document["use_cases"]["pan"]["retention_years"] = 10
    changed = policy_from_document(document)
    with pytest.raises(GovernanceError, match="say why"):
        fresh.set_policy(changed, by="dpo", reason=" ")
    assert fresh.set_policy(changed, by="dpo", reason="ten years") == 2
    assert fresh.set_policy(changed, by="dpo", reason="again") is None
    history = fresh.policy_history()
    assert [(v.version, v.created_by, v.reason) for v in history][1] == (
        2,
        "dpo",
        "ten years",
    )
    assert fresh.policy()[1].use_case("pan").retention_years == 10
    assert fresh.policy_at(1).use_case("pan").retention_years == 7
    with pytest.raises(UsageError, match="no policy version 9"):
        fresh.policy_at(9)


def test_agreement_life_and_permissions(fresh: Registry) -> None:
    assert fresh.agreement("CAM", "pan").status == AgreementStatus.NONE
    fresh.request("CAM", "pan", on=D(2026, 1, 5), by="hub")
    signed = fresh.sign(
        "CAM",
        "pan",
        on=D(2026, 2, 1),
        by="dpo",
        signatory="S",
        role="DPO",
        document_sha256="ab" * 32,
        isg_reference="ISG-1",
    )
    assert (signed.requested_on, signed.expires_on) == (D(2026, 1, 5), D(2029, 1, 31))
    with pytest.raises(GovernanceError, match="already signed"):
        fresh.request("CAM", "pan", on=D(2026, 3, 1), by="hub")
    assert fresh.permissions("CAM", D(2026, 6, 1)).use_cases == frozenset()
    fresh.set_dpia(
        "CAM",
        status=DpiaStatus.SUBMITTED,
        covers=frozenset({"pan"}),
        on=D(2026, 2, 2),
        by="dpo",
    )
    assert fresh.permissions("CAM", D(2026, 6, 1)).use_cases == frozenset()
    approved = fresh.set_dpia(
        "CAM", status=DpiaStatus.APPROVED, reviewer="IG", on=D(2026, 2, 3), by="ig"
    )
    assert approved.covers == {"pan"} and approved.submitted_on == D(2026, 2, 2)
    assert fresh.permissions("CAM", D(2026, 6, 1)).use_cases == {"pan"}
    assert fresh.permissions("CAM", D(2029, 2, 1)).use_cases == frozenset()  # expired
    assert fresh.permissions("HAC", D(2026, 6, 1)).use_cases == frozenset()
    fresh.withdraw("CAM", "pan", on=D(2026, 7, 1), by="dpo")
    assert fresh.permissions("CAM", D(2026, 6, 30)).use_cases == {"pan"}
    assert fresh.permissions("CAM", D(2026, 7, 1)).use_cases == frozenset()
    with pytest.raises(GovernanceError, match="no pan agreement to withdraw"):
        fresh.withdraw("CAM", "pan", on=D(2026, 7, 2), by="dpo")
    resigned = fresh.sign(
        "CAM", "pan", on=D(2026, 8, 1), by="dpo", expires_on=D(2027, 1, 1)
    )
    assert resigned.withdrawn_on is None and resigned.isg_reference == "ISG-1"
    assert fresh.permissions("CAM", D(2026, 9, 1)).use_cases == {"pan"}
    actions = [e.action for e in fresh.events() if e.la == "CAM"]
    assert actions == [
        "agreement_requested",
        "agreement_signed",
        "dpia_changed",
        "dpia_changed",
        "agreement_withdrawn",
        "agreement_signed",
    ]
    assert fresh.events("agreement_signed")[0].detail["signatory"] == "S"


def test_dpia_rules(fresh: Registry) -> None:
    with pytest.raises(GovernanceError, match="give --covers"):
        fresh.set_dpia(
            "CAM", status=DpiaStatus.APPROVED, reviewer="IG", on=D(2026, 1, 1), by="ig"
        )
    approved = fresh.set_dpia(
        "HAC",
        status=DpiaStatus.APPROVED,
        covers=frozenset({"pan"}),
        on=D(2026, 1, 1),
        by="ig",
    )
    assert approved.reviewer == "ig"  # whoever recorded the approval
    with pytest.raises(UsageError, match="unknown use case"):
        fresh.set_dpia(
            "CAM",
            status=DpiaStatus.DRAFT,
            covers=frozenset({"nope"}),
            on=D(2026, 1, 1),
            by="ig",
        )
    draft = fresh.set_dpia(
        "CAM",
        status=DpiaStatus.DRAFT,
        covers=frozenset({"pan"}),
        on=D(2026, 1, 1),
        by="dpo",
    )
    assert draft.status == DpiaStatus.DRAFT
    assert sorted(fresh.dpias(), key=lambda d: d.la) == [draft, approved]


def test_sessions_are_recorded(fresh: Registry) -> None:
    at = dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC)
    fresh.start_session("s1", "CAM", by="uploader", received_at=at, policy_version=1)
    fresh.finish_session(
        "s1", status=SessionStatus.PUBLISHED, summary={"tables": 3}, by="uploader"
    )
    (record,) = fresh.sessions("CAM")
    assert (record.id, record.status, record.received_at, record.summary) == (
        "s1",
        "published",
        at,
        {"tables": 3},
    )
    assert record.finished_at is not None and fresh.sessions("HAC") == []
    assert [e.action for e in fresh.events()][-2:] == [
        "session_started",
        "session_published",
    ]


def test_all_permissions_agree_with_each_authority(fresh: Registry) -> None:
    fresh.sign("CAM", "pan", on=D(2026, 1, 1), by="dpo")
    fresh.sign("HAC", "pan", on=D(2026, 1, 1), by="dpo")
    fresh.set_dpia(
        "CAM",
        status=DpiaStatus.APPROVED,
        covers=frozenset({"pan"}),
        on=D(2026, 1, 2),
        by="ig",
    )
    every = fresh.all_permissions(D(2026, 6, 1))
    assert len(every) == 33
    for authority in fresh.authorities():
        assert every[authority.code] == fresh.permissions(authority.code, D(2026, 6, 1))
    assert every["CAM"].use_cases == {"pan"} and every["HAC"].use_cases == frozenset()
