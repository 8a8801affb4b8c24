"""Where a session is: one vocabulary for the registry's ``sessions`` table and
the portal's uploads (whose ``Upload.Status`` choices are built from it)."""

from __future__ import annotations

from enum import StrEnum


class SessionStatus(StrEnum):
    QUEUED = "queued"
    """Accepted by the portal, waiting for its worker (the portal's only)."""
    RUNNING = "running"
    PUBLISHED = "published"
    """Processed and archived; something of it went to a use case."""
    ARCHIVED = "archived"
    """Processed and archived for its issue report only: nothing could be shared."""
    UNCHANGED = "unchanged"
    """Every file had been processed before and nothing has changed since: nothing
    was done (no archive of its own)."""
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    """The process running it died; it may run again under its id (the
    registry's only)."""
    DELETED = "deleted"
    """Its archive went past its retention and was deleted (the registry's
    only)."""


ARCHIVED_STATUSES = (SessionStatus.PUBLISHED, SessionStatus.ARCHIVED)
"""A session that processed its files: it has an archive and an issue report."""
FINISHED_STATUSES = (*ARCHIVED_STATUSES, SessionStatus.UNCHANGED)
"""A session that is done without failing."""
