"""Every action the audit log records, as a code and the label a person reads.

The code (a member's value) is what the ``events`` table stores, what an event's
hash covers, what ``cld audit list --action`` and the portal's filter take and
what ``--json`` and the CSV export print: codes are never renamed or reused, since
old events keep theirs. The label (:attr:`AuditAction.label`) is what a person
reads: the portal's audit-log page and ``cld audit list``. A stored action that is
not a member (an event written by an older release, or by a test) reads as its
code (:func:`action_label`).
"""

from __future__ import annotations

from enum import StrEnum


class AuditAction(StrEnum):
    """What an event records (a ``StrEnum``: each member equals its stored code)."""

    # the registry and its policy
    REGISTRY_CREATED = "registry_created"
    AUDIT_KEYING_BEGAN = "audit_keying_began"
    POLICY_CHANGED = "policy_changed"
    # agreements and DPIAs
    AGREEMENT_REQUESTED = "agreement_requested"
    AGREEMENT_SIGNED = "agreement_signed"
    AGREEMENT_WITHDRAWN = "agreement_withdrawn"
    DPIA_CHANGED = "dpia_changed"
    DPIA_RETURNED = "dpia_returned"
    PUBLISHED_TABLES_DELETED = "published_tables_deleted"
    # uploads and sessions
    UPLOAD_RECEIVED = "upload_received"
    UPLOAD_REFUSED = "upload_refused"
    UPLOAD_FAILED = "upload_failed"
    SESSION_STARTED = "session_started"
    SESSION_PUBLISHED = "session_published"
    SESSION_ARCHIVED = "session_archived"
    SESSION_UNCHANGED = "session_unchanged"
    SESSION_FAILED = "session_failed"
    SESSION_INTERRUPTED = "session_interrupted"
    # housekeeping
    RETENTION_APPLIED = "retention_applied"
    LEFTOVERS_REMOVED = "leftovers_removed"
    BENCHMARK_AUTHORITIES_ADDED = "benchmark_authorities_added"
    # accounts
    USER_ADDED = "user_added"
    USER_CHANGED = "user_changed"
    USER_DEACTIVATED = "user_deactivated"
    USER_REACTIVATED = "user_reactivated"
    API_TOKEN_ISSUED = "api_token_issued"
    # signing in and out
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGIN_LOCKED_OUT = "login_locked_out"
    SECOND_FACTOR_ENROLLED = "second_factor_enrolled"
    SECOND_FACTOR_GIVEN = "second_factor_given"
    SECOND_FACTOR_FAILED = "second_factor_failed"
    LOGOUT = "logout"
    # reading and refusing
    DOWNLOAD = "download"
    AUDIT_LOG_EXPORTED = "audit_log_exported"
    ACCESS_REFUSED = "access_refused"
    API_REFUSED = "api_refused"

    @property
    def label(self) -> str:
        """What a person reads for this action."""
        return LABELS[self]

    @classmethod
    def session_ended(cls, status: str) -> AuditAction:
        """The action recording a session that ended with ``status`` (published,
        archived, unchanged, failed or interrupted)."""
        return cls(f"session_{status}")


LABELS: dict[AuditAction, str] = {
    AuditAction.REGISTRY_CREATED: "Registry created",
    AuditAction.AUDIT_KEYING_BEGAN: "Audit log keying began",
    AuditAction.POLICY_CHANGED: "Policy changed",
    AuditAction.AGREEMENT_REQUESTED: "Agreement requested",
    AuditAction.AGREEMENT_SIGNED: "Agreement signed",
    AuditAction.AGREEMENT_WITHDRAWN: "Agreement withdrawn",
    AuditAction.DPIA_CHANGED: "DPIA changed",
    AuditAction.DPIA_RETURNED: "DPIA returned to its authority",
    AuditAction.PUBLISHED_TABLES_DELETED: "Published tables deleted",
    AuditAction.UPLOAD_RECEIVED: "Upload received",
    AuditAction.UPLOAD_REFUSED: "Upload refused",
    AuditAction.UPLOAD_FAILED: "Upload failed",
    AuditAction.SESSION_STARTED: "Session started",
    AuditAction.SESSION_PUBLISHED: "Session published",
    AuditAction.SESSION_ARCHIVED: "Session archived",
    AuditAction.SESSION_UNCHANGED: "Session ended unchanged",
    AuditAction.SESSION_FAILED: "Session failed",
    AuditAction.SESSION_INTERRUPTED: "Session interrupted",
    AuditAction.RETENTION_APPLIED: "Retention applied",
    AuditAction.LEFTOVERS_REMOVED: "Leftover files removed",
    AuditAction.BENCHMARK_AUTHORITIES_ADDED: "Benchmark authorities added",
    AuditAction.USER_ADDED: "User added",
    AuditAction.USER_CHANGED: "User changed",
    AuditAction.USER_DEACTIVATED: "User deactivated",
    AuditAction.USER_REACTIVATED: "User reactivated",
    AuditAction.API_TOKEN_ISSUED: "API token issued",
    AuditAction.LOGIN: "Signed in",
    AuditAction.LOGIN_FAILED: "Sign-in failed",
    AuditAction.LOGIN_LOCKED_OUT: "Sign-in locked out",
    AuditAction.SECOND_FACTOR_ENROLLED: "Second factor set up",
    AuditAction.SECOND_FACTOR_GIVEN: "Second factor given",
    AuditAction.SECOND_FACTOR_FAILED: "Second factor failed",
    AuditAction.LOGOUT: "Signed out",
    AuditAction.DOWNLOAD: "Download",
    AuditAction.AUDIT_LOG_EXPORTED: "Audit log exported",
    AuditAction.ACCESS_REFUSED: "Access refused",
    AuditAction.API_REFUSED: "API request refused",
}
"""Each action's label (one per member: a test checks)."""


def action_label(code: str) -> str:
    """The label of a stored action, or the code itself when it is not a member."""
    try:
        return AuditAction(code).label
    except ValueError:
        return code
