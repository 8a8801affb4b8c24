"""The agreements pages: every authority's standing (platform administrators), one
authority's agreements per use case, recording a signed agreement with its PDF, and
withdrawing one. The registry records each change (``agreement_signed``,
``agreement_withdrawn``, ``published_tables_deleted``)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from cld.engine.errors import GovernanceError
from cld.governance.authorities import Authority
from cld.governance.use_case import UseCase
from cld.pipeline import signed_documents
from cld.pipeline.governance_actions import withdraw_agreement
from cld.pipeline.publish import current_files
from cld.pipeline.signed_documents import Rejection
from cld.portal.accounts.access import requires
from cld.portal.accounts.permissions import membership_of
from cld.portal.accounts.roles import Permission, Scope, role_named
from cld.portal.audit import client_ip
from cld.portal.data_area import data_area, registry
from cld.portal.governance.forms import DOCUMENT_MESSAGES, SignForm
from cld.portal.governance.status import (
    AGREEMENT_TAGS,
    DPIA_TAGS,
    WITHDRAWABLE,
    authority_for,
    every_authority,
    standings,
    use_case_for,
)
from cld.portal.governance.upload import SignedPdfUploadHandler, declared_too_large


def spoken(day: dt.date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


@requires(Permission.MANAGE_OWN_AGREEMENTS)
@require_GET
def agreements_index(request: HttpRequest) -> HttpResponse:
    """An authority's governance officer goes to their authority's page; a platform
    administrator sees every authority."""
    membership = membership_of(request.user)
    assert membership is not None  # @requires refuses anyone without one
    if role_named(membership.role).scope is not Scope.PLATFORM:
        if not membership.la:
            raise PermissionDenied("an authority role without an authority")
        return redirect("agreements", la=membership.la)
    use_cases, rows = every_authority(registry(), timezone.localdate())
    return render(
        request,
        "portal/governance/index.html",
        {"use_cases": use_cases, "rows": rows},
    )


@requires(Permission.MANAGE_OWN_AGREEMENTS)
@require_GET
def agreements(request: HttpRequest, la: str) -> HttpResponse:
    found = registry()
    authority = authority_for(request, found, la)
    day = timezone.localdate()
    dpia = found.dpia(authority.code)
    return render(
        request,
        "portal/governance/agreements.html",
        {
            "authority": authority,
            "today": day,
            "standings": standings(found, authority.code, day),
            "dpia": dpia,
            "dpia_tag": DPIA_TAGS[dpia.status],
        },
    )


@requires(Permission.MANAGE_OWN_AGREEMENTS)
@require_http_methods(["GET", "POST"])
@csrf_exempt  # the token is checked by csrf_protect once the upload handler is set
def agreement_sign(request: HttpRequest, la: str, use_case: str) -> HttpResponseBase:
    """Record a signed agreement and keep its PDF. The PDF is received as the
    request is read (``upload.py``); the body is not read at all when it declares
    more than a document and the form could hold."""
    found = registry()
    authority = authority_for(request, found, la)
    case = use_case_for(found, use_case)
    today = timezone.localdate()
    if request.method != "POST":
        return _sign_page(request, authority, case, SignForm(today=today))
    if declared_too_large(request):
        form = SignForm(today=today)
        form.refuse_unread(DOCUMENT_MESSAGES[Rejection.TOO_LARGE])
        return _sign_page(request, authority, case, form)
    area = data_area()
    signed_documents.clear_partials(area)
    handler = SignedPdfUploadHandler(request, area=area, field="document")
    request.upload_handlers = [handler]
    try:
        response: HttpResponseBase = csrf_protect(_sign)(
            request, authority, case, handler
        )
        return response
    finally:
        handler.cleanup()


def _sign(
    request: HttpRequest,
    authority: Authority,
    case: UseCase,
    handler: SignedPdfUploadHandler,
) -> HttpResponse:
    today = timezone.localdate()
    form = SignForm(request.POST, request.FILES, today=today)
    if not form.is_valid():
        return _sign_page(request, authority, case, form)
    upload = form.cleaned_data["document"]
    assert upload.document is not None  # clean_document refused the rest
    found = registry()
    stored = signed_documents.store(
        data_area(), upload.document, la=authority.code, use_case=case.name
    )
    handler.release()
    try:
        agreement = found.sign(
            authority.code,
            case.name,
            on=form.cleaned_data["signed_on"],
            by=request.user.get_username(),
            expires_on=form.cleaned_data["ends_on"],
            signatory=form.cleaned_data["signatory"].strip(),
            role=form.cleaned_data["role"].strip(),
            document_sha256=stored.sha256,
            isg_reference=form.cleaned_data["isg_reference"].strip() or None,
            source=client_ip(request),
        )
    except GovernanceError as error:
        signed_documents.remove_stored(stored)
        form.add_error(None, str(error))
        return _sign_page(request, authority, case, form)
    flows = found.permissions(authority.code, today).allows(case.name)
    messages.success(
        request,
        f"The {case.title} agreement is signed, from {spoken(agreement.signed_on)} "
        f"to {spoken(agreement.expires_on)}."
        + ("" if flows else " Data will flow once a DPIA covering it is approved."),
    )
    return redirect("agreements", la=authority.code)


def _sign_page(
    request: HttpRequest,
    authority: Authority,
    case: UseCase,
    form: SignForm,
) -> HttpResponse:
    bad = bool(form.refused) or form.is_bound and bool(form.errors)
    return render(
        request,
        "portal/governance/sign.html",
        {
            "authority": authority,
            "use_case": case,
            "form": form,
            "current": registry().agreement(authority.code, case.name),
        },
        status=400 if bad else 200,
    )


@requires(Permission.MANAGE_OWN_AGREEMENTS)
@require_http_methods(["GET", "POST"])
def agreement_withdraw(request: HttpRequest, la: str, use_case: str) -> HttpResponse:
    """Confirm, then withdraw: the authority's published tables for the use case
    are deleted at once and nothing more flows to it."""
    found = registry()
    authority = authority_for(request, found, la)
    case = use_case_for(found, use_case)
    agreement = found.agreement(authority.code, case.name)
    if request.method == "POST":
        try:
            _, removed = withdraw_agreement(
                data_area(),
                found,
                authority.code,
                case.name,
                on=timezone.localdate(),
                by=request.user.get_username(),
                source=client_ip(request),
            )
        except GovernanceError:
            messages.error(
                request,
                f"There is no {case.title} agreement to withdraw: nothing changed.",
            )
            return redirect("agreements", la=authority.code)
        messages.success(
            request,
            f"The {case.title} agreement is withdrawn. {len(removed)} published "
            f"table{'' if len(removed) == 1 else 's'} deleted; nothing more will "
            "flow to it.",
        )
        return redirect("agreements", la=authority.code)
    published = sorted(
        path
        for path in current_files(data_area(), authority.code)
        if path.startswith(case.name + "/")
    )
    return render(
        request,
        "portal/governance/withdraw.html",
        {
            "authority": authority,
            "use_case": case,
            "agreement": agreement,
            "may_withdraw": agreement.status in WITHDRAWABLE,
            "tag": AGREEMENT_TAGS[agreement.status_on(timezone.localdate())],
            "published": published,
        },
    )
