"""Signing in and out (Django's own forms: a failed sign-in never says whether the
account exists)."""

from __future__ import annotations

from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from cld.portal.accounts.access import public, signed_in

sign_in = public(
    LoginView.as_view(
        template_name="accounts/sign_in.html", redirect_authenticated_user=True
    )
)


@signed_in
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("sign-in")
