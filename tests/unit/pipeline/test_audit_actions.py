"""Audit actions: every action recorded anywhere in ``src`` is a member of
:class:`AuditAction` (read from the code, so a new action without a member fails
here), every member has a label, and a stored code reads as its label."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import cld
from cld.pipeline.registry.audit_actions import LABELS, AuditAction, action_label
from cld.pipeline.session_status import SessionStatus

SRC = Path(cld.__file__).parent
RECORDING = {"record", "append_event", "events", "events_page", "record_refusal"}
"""Functions whose first two positional arguments (or ``action=``) name an action:
``Registry.record(action)``, ``append_event(db, action)``, the portal's
``record(request, action)`` and ``record_refusal(request, action)``, and the
lookups ``events(action)`` and ``events_page(action=...)``."""


def _name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def _choices(node: ast.expr) -> Iterator[ast.expr]:
    """``node``, or both branches of ``a if c else b``."""
    if isinstance(node, ast.IfExp):
        yield from _choices(node.body)
        yield from _choices(node.orelse)
    else:
        yield node


def _action_arguments() -> Iterator[tuple[str, ast.expr]]:
    """Every expression passed as an action in ``src``, with where it is."""
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call) or _name(call) not in RECORDING:
                continue
            where = f"{path.relative_to(SRC)}:{call.lineno}"
            given = [*call.args[:2]]
            given += [k.value for k in call.keywords if k.arg == "action"]
            for argument in given:
                for choice in _choices(argument):
                    yield where, choice


def _session_end_statuses() -> Iterator[tuple[str, str]]:
    """Every ``finish_session(..., status="...")`` literal in ``src``."""
    for path in sorted(SRC.rglob("*.py")):
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(call, ast.Call) and _name(call) == "finish_session":
                for keyword in call.keywords:
                    value = keyword.value
                    if keyword.arg == "status" and isinstance(value, ast.Constant):
                        yield f"{path.relative_to(SRC)}:{call.lineno}", str(value.value)


def test_every_action_recorded_in_src_is_a_member() -> None:
    arguments = list(_action_arguments())
    literals = [
        (where, node.value)
        for where, node in arguments
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    unknown = [(w, v) for w, v in literals if v not in AuditAction._value2member_map_]
    assert unknown == []
    built = [w for w, node in arguments if isinstance(node, ast.JoinedStr)]
    assert built == [], "build an action with AuditAction (e.g. session_ended)"
    members = [
        node.attr
        for _, node in arguments
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "AuditAction"
    ]
    assert set(members) <= set(AuditAction.__members__)
    assert len(members) >= 30  # the scan reads the call sites (not vacuous)


def test_every_status_a_session_ends_with_has_its_action() -> None:
    """``finish_session`` records ``session_<status>``: every status a session
    can end with (all but queued, running and deleted) has its action, and every
    literal status passed to it in src is one of those."""
    ending = set(SessionStatus) - {
        SessionStatus.QUEUED,
        SessionStatus.RUNNING,
        SessionStatus.DELETED,
    }
    for status in ending:
        action = AuditAction.session_ended(status)
        assert action == f"session_{status}"
        assert action.label.startswith("Session ")
    assert {status for _, status in _session_end_statuses()} <= ending


def test_an_unknown_session_status_has_no_action() -> None:
    with pytest.raises(ValueError, match="session_mislaid"):
        AuditAction.session_ended("mislaid")


def test_every_member_has_its_own_label() -> None:
    assert set(LABELS) == set(AuditAction)
    labels = [member.label for member in AuditAction]
    assert all(label.strip() and label[0].isupper() for label in labels)
    assert len(set(labels)) == len(labels)
    assert all("_" not in label for label in labels)  # names, not codes


def test_members_equal_their_stored_codes() -> None:
    stored = {"upload_received", "session_published", "login"}
    assert {
        AuditAction.UPLOAD_RECEIVED,
        AuditAction.SESSION_PUBLISHED,
        AuditAction.LOGIN,
    } == stored
    assert all(member.value == member.value.lower() for member in AuditAction)


def test_a_stored_code_reads_as_its_label_or_itself() -> None:
    assert action_label("upload_received") == "Upload received"
    assert action_label(AuditAction.LOGIN_FAILED) == "Sign-in failed"
    assert action_label("file_downloaded") == "file_downloaded"  # not a member
