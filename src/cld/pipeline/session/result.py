"""What a session did, as its caller is told it and the registry keeps it."""

from __future__ import annotations

from dataclasses import dataclass, field

from cld.engine.validate import FileReport
from cld.pipeline.session_records import (
    FileEntry,
    JsonObject,
    ProcessedUnder,
    PublishedTable,
    SessionSummary,
)
from cld.pipeline.session_status import SessionStatus


@dataclass(frozen=True)
class SessionResult:
    session: str
    la: str
    status: SessionStatus
    """``published`` (something went to a use case), ``archived`` (nothing could:
    kept for the issue report only), ``unchanged`` (every file had been processed
    before, and nothing has changed since: nothing was done)."""
    use_cases: frozenset[str]
    reports: list[FileReport]
    published: list[PublishedTable] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    """Per file: why nothing of it was published, when nothing was."""
    unchanged: dict[str, str] = field(default_factory=dict)
    """Per file found unchanged: the earlier session that processed it (its
    report is that session's, read back from its archive: the file was not read
    again)."""
    checksums: dict[str, str] = field(default_factory=dict)
    """Per file received: its sha256."""
    superseded: frozenset[str] = frozenset()
    """Files a table of which a later file of the upload replaced."""
    under: ProcessedUnder | None = None
    """The policy, pseudonym key and use cases it ran under."""
    files: tuple[FileEntry, ...] = ()
    """Each file's entry (as its manifest and the registry list it)."""

    def summary(self) -> SessionSummary:
        """What the registry keeps of it."""
        return SessionSummary(
            under=self.under,
            files=self.files,
            published=tuple(self.published),
            notes=self.notes,
        )

    def to_json(self) -> JsonObject:
        """What ``cld process --json`` prints: each file's ``cld validate --json``
        entry, with ``unchanged_since`` (the earlier session) for an unchanged
        one."""
        return {
            "session": self.session,
            "status": self.status,
            "files": [
                {**r.to_json(), "unchanged_since": self.unchanged[r.file]}
                if r.file in self.unchanged
                else r.to_json()
                for r in self.reports
            ],
        }
