"""The portal writes to the registry's audit log (the hash-chained ``events``
table) through :func:`record`, with the client's address as the source."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from cld.pipeline.registry.audit import Outcome
from cld.pipeline.registry.audit_actions import AuditAction
from cld.portal.data_area import registry


def client_ip(request: HttpRequest | None) -> str | None:
    """The address the request came from (the socket's: a forwarded header is
    not trusted)."""
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR")
    return str(address) if address else None


def record(
    request: HttpRequest | None,
    action: AuditAction,
    *,
    by: str,
    la: str | None = None,
    use_case: str | None = None,
    detail: dict[str, Any] | None = None,
    outcome: str = Outcome.DONE,
) -> None:
    registry().record(
        action,
        by=by,
        la=la,
        use_case=use_case,
        detail=detail,
        source=client_ip(request),
        outcome=outcome,
    )
