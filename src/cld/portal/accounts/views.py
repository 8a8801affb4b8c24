"""Signing in and out (Django's own forms: a failed sign-in never says whether the
account exists), and what a locked-out sign-in sees."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cld.pipeline.registry.audit_actions import AuditAction
from cld.portal.accounts.access import public, signed_in
from cld.portal.accounts.forms import SignInForm
from cld.portal.accounts.signals import record_refused_sign_in

sign_in = public(
    LoginView.as_view(
        template_name="accounts/sign_in.html",
        authentication_form=SignInForm,
        redirect_authenticated_user=False,
    )
)


@signed_in
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("sign-in")


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """django-axes' lockout response: 429, a plain page, and a refused record."""
    given = (credentials or {}).get("username") or request.POST.get("username")
    record_refused_sign_in(
        request,
        AuditAction.LOGIN_LOCKED_OUT,
        attempted=given,
        reason="too many failed sign-ins from this address",
    )
    return render(request, "accounts/locked_out.html", status=429)
