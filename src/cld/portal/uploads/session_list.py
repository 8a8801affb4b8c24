"""The sessions a person may see, newest first: every session the registry has
(the portal's and ``cld process``'s), and the portal's uploads not yet started
or that failed before they could start. An upload's own status wins over the
registry's (it knows "queued", and a dead process's uploads are "failed")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from cld.pipeline.registry.store import SessionRecord
from cld.portal.accounts.permissions import can_see_authority, membership_of
from cld.portal.accounts.roles import Scope, role_named
from cld.portal.data_area import registry
from cld.portal.errors import not_found
from cld.portal.uploads.jobs import (
    FINISHED,
    SessionInfo,
    display_name,
    find_session,
)
from cld.portal.uploads.models import Upload


@dataclass(frozen=True)
class SessionRow:
    session: str
    la: str
    received_at: dt.datetime
    submitted_by: str
    status: str
    files: list[str] = field(default_factory=list)
    errors: int | None = None
    """Error issues in all its files (None until it is finished)."""
    warnings: int | None = None
    unread: int = 0
    """Files that could not be read at all."""

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


def visible_sessions(user: Any) -> list[SessionRow]:
    """Every session of an authority ``user`` may see, newest first."""
    membership = membership_of(user)
    if membership is None:
        return []
    every = role_named(membership.role).scope is Scope.PLATFORM
    found = registry().sessions(None if every else membership.la)
    records = [s for s in found if can_see_authority(user, s.la)]
    las = {s.la for s in records} | {
        la
        for la in Upload.objects.values_list("la", flat=True).distinct()
        if can_see_authority(user, la)
    }
    uploads = {u.session_id: u for u in Upload.objects.filter(la__in=las)}
    rows = [_from_record(record, uploads.pop(record.id, None)) for record in records]
    rows.extend(_from_upload(upload) for upload in uploads.values())
    return sorted(rows, key=lambda row: (row.received_at, row.session), reverse=True)


def _from_record(record: SessionRecord, upload: Upload | None) -> SessionRow:
    files = record.outcome.files
    status = str(upload.status) if upload is not None else record.status
    finished = status in FINISHED
    return SessionRow(
        session=record.id,
        la=record.la,
        received_at=record.received_at,
        submitted_by=record.submitted_by,
        status=status,
        files=[display_name(f.name) for f in files]
        or ([str(f["name"]) for f in upload.files] if upload is not None else []),
        errors=sum(f.issues.get("error", 0) for f in files) if finished else None,
        warnings=sum(f.issues.get("warning", 0) for f in files) if finished else None,
        unread=sum(1 for f in files if f.error),
    )


def _from_upload(upload: Upload) -> SessionRow:
    return SessionRow(
        session=upload.session_id,
        la=upload.la,
        received_at=upload.created_at,
        submitted_by=upload.submitted_by,
        status=str(upload.status),
        files=[str(f["name"]) for f in upload.files],
    )


def visible_session(request: HttpRequest, session_id: str) -> SessionInfo:
    """Where a session the person may see is; any other, or an unknown id, is
    answered as not found (and the refusal recorded)."""
    info = find_session(session_id)
    if info is None or not can_see_authority(request.user, info.la):
        raise not_found(request, "session")
    return info
