"""The DPIA pages: an authority's DPIA and its submission for review, the draft
generated from the policy (Word), and the IG reviewer's list and decision. Each
change is recorded by the registry (``dpia_changed``); a return also records why
(``dpia_returned``), and a draft downloaded is recorded as ``download``."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from cld.governance.agreements import DpiaStatus
from cld.governance.authorities import Authority
from cld.pipeline.dpia_document import write_dpia_draft
from cld.pipeline.registry import Registry
from cld.pipeline.registry.audit_actions import AuditAction
from cld.portal.accounts.access import requires, signed_in
from cld.portal.accounts.permissions import can_do
from cld.portal.accounts.roles import Permission
from cld.portal.audit import client_ip, record
from cld.portal.data_area import registry
from cld.portal.governance.forms import CoversForm, ReturnForm
from cld.portal.governance.status import (
    DPIA_TAGS,
    authority_for,
    every_authority,
    last_return,
    standings,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
APPROVE, RETURN = "approve", "return"


def use_case_choices(found: Registry) -> list[tuple[str, str]]:
    _, policy = found.policy()
    return [(u.name, f"{u.title} ({u.name})") for u in policy.use_cases.values()]


@requires(Permission.MANAGE_OWN_AGREEMENTS)
@require_http_methods(["GET", "POST"])
def dpia(request: HttpRequest, la: str) -> HttpResponse:
    """The authority's DPIA and, for its governance officer, the form that submits
    it for review naming the use cases it covers."""
    found = registry()
    authority = authority_for(request, found, la)
    current = found.dpia(authority.code)
    choices = use_case_choices(found)
    if request.method == "POST":
        form = CoversForm(request.POST, use_cases=choices)
        if form.is_valid():
            found.set_dpia(
                authority.code,
                status=DpiaStatus.SUBMITTED,
                covers=form.chosen(),
                on=timezone.localdate(),
                by=request.user.get_username(),
                source=client_ip(request),
            )
            messages.success(
                request,
                "The DPIA is submitted for review, covering "
                f"{', '.join(sorted(form.chosen()))}.",
            )
            return redirect("dpia", la=authority.code)
    else:
        form = CoversForm(initial={"covers": sorted(current.covers)}, use_cases=choices)
    return render(
        request,
        "portal/governance/dpia.html",
        {
            "authority": authority,
            "dpia": current,
            "covers": sorted(current.covers),
            "tag": DPIA_TAGS[current.status],
            "returned": last_return(found, current),
            "form": form,
            "approved": current.status == DpiaStatus.APPROVED,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def check_read_dpia(request: HttpRequest, found: Registry, la: str) -> Authority:
    """The authority's governance officer, IG reviewers and administrators may
    read an authority's DPIA draft."""
    user = request.user
    if not (
        can_do(user, Permission.MANAGE_OWN_AGREEMENTS)
        or can_do(user, Permission.REVIEW_DPIAS)
    ):
        raise PermissionDenied("needs manage_own_agreements or review_dpias")
    return authority_for(request, found, la)


@signed_in  # check_read_dpia: the authority's officer, IG reviewers, administrators
@require_GET
def dpia_draft(request: HttpRequest, la: str) -> FileResponse:
    """The DPIA draft, generated now from the policy and the registry, as Word."""
    found = registry()
    authority = check_read_dpia(request, found, la)
    today = timezone.localdate()
    with tempfile.TemporaryDirectory(prefix="cld-dpia-") as folder:
        path = write_dpia_draft(
            found, authority.code, Path(folder) / "draft.docx", today
        )
        size = path.stat().st_size
        handle = path.open("rb")  # stays readable once the folder is gone
    version, _ = found.policy()
    record(
        request,
        AuditAction.DOWNLOAD,
        by=request.user.get_username(),
        la=authority.code,
        detail={
            "what": "dpia_draft",
            "format": "docx",
            "policy_version": version.version,
            "policy_sha256": version.sha256,
            "bytes": size,
        },
    )
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"DPIA draft {authority.code} {today.isoformat()}.docx",
        content_type=DOCX,
    )


@requires(Permission.REVIEW_DPIAS)
@require_GET
def dpia_reviews(request: HttpRequest) -> HttpResponse:
    """DPIAs awaiting review (oldest first), then every authority's."""
    use_cases, rows = every_authority(registry(), timezone.localdate())
    waiting = sorted(
        (r for r in rows if r.dpia.status == DpiaStatus.SUBMITTED),
        key=lambda r: (
            r.dpia.submitted_on is None,
            r.dpia.submitted_on,
            r.authority.name,
        ),
    )
    return render(
        request,
        "portal/governance/reviews.html",
        {"use_cases": use_cases, "waiting": waiting, "rows": rows},
    )


@requires(Permission.REVIEW_DPIAS)
@require_http_methods(["GET", "POST"])
def dpia_review(request: HttpRequest, la: str) -> HttpResponse:
    """Approve a submitted DPIA for the use cases it covers, or return it to the
    authority with the reason (it goes back to draft)."""
    found = registry()
    authority = authority_for(request, found, la)
    current = found.dpia(authority.code)
    choices = use_case_choices(found)
    approve = CoversForm(initial={"covers": sorted(current.covers)}, use_cases=choices)
    send_back = ReturnForm()
    pending = current.status == DpiaStatus.SUBMITTED
    if request.method == "POST":
        by = request.user.get_username()
        today = timezone.localdate()
        action = request.POST.get("action")
        if not pending:
            messages.error(
                request,
                "Only a DPIA submitted for review can be approved or returned: "
                "nothing changed.",
            )
            return redirect("dpia-review", la=authority.code)
        if action == APPROVE:
            approve = CoversForm(request.POST, use_cases=choices)
            if approve.is_valid():
                found.set_dpia(
                    authority.code,
                    status=DpiaStatus.APPROVED,
                    covers=approve.chosen(),
                    reviewer=by,
                    on=today,
                    by=by,
                    source=client_ip(request),
                )
                messages.success(
                    request,
                    f"The DPIA of {authority.name} is approved, covering "
                    f"{', '.join(sorted(approve.chosen()))}.",
                )
                return redirect("dpia-reviews")
        elif action == RETURN:
            send_back = ReturnForm(request.POST)
            if send_back.is_valid():
                reason = send_back.cleaned_data["reason"]
                found.set_dpia(
                    authority.code,
                    status=DpiaStatus.DRAFT,
                    on=today,
                    by=by,
                    source=client_ip(request),
                )
                record(
                    request,
                    AuditAction.DPIA_RETURNED,
                    by=by,
                    la=authority.code,
                    detail={"reason": reason},
                )
                messages.success(
                    request,
                    f"The DPIA is returned to {authority.name} with your reason.",
                )
                return redirect("dpia-reviews")
        else:
            messages.error(request, "Choose to approve or to return the DPIA.")
            return redirect("dpia-review", la=authority.code)
    bad = (
        approve.is_bound
        and bool(approve.errors)
        or send_back.is_bound
        and bool(send_back.errors)
    )
    return render(
        request,
        "portal/governance/review.html",
        {
            "authority": authority,
            "dpia": current,
            "covers": sorted(current.covers),
            "tag": DPIA_TAGS[current.status],
            "pending": pending,
            "returned": last_return(found, current),
            "standings": standings(found, authority.code, timezone.localdate()),
            "approve": approve,
            "send_back": send_back,
        },
        status=400 if bad else 200,
    )
