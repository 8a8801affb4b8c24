"""Every refused upload is recorded in the audit log, whichever door it came
through (the upload page or the API) and whatever the reason: too large, no
files, an authority the person may not upload for, a file that is not a return
or could not be read. The event says why (the message the person saw, which names
files, never their content), the HTTP status and the door."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest

from cld.pipeline.registry.audit import Outcome
from cld.pipeline.registry.audit_actions import AuditAction
from cld.portal.accounts.permissions import membership_of
from cld.portal.audit import record
from cld.portal.uploads.receive import UploadRefused

Door = Literal["form", "api"]


def record_upload_refused(
    request: HttpRequest, refused: UploadRefused, *, door: Door
) -> None:
    """Record that ``request``'s upload was refused: ``refused``'s message, HTTP
    status and authority (else the person's own), and the door it came through."""
    membership = membership_of(request.user)
    own = (membership.la or None) if membership else None
    record(
        request,
        AuditAction.UPLOAD_REFUSED,
        by=request.user.get_username(),
        la=refused.la or own,
        detail={
            "reason": refused.message[:500],
            "status": refused.status,
            "door": door,
        },
        outcome=Outcome.REFUSED,
    )
