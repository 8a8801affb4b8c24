"""The second factor (TOTP, django-otp) every role gives after its password: set
up once with an authenticator app (a QR code, or the key typed in), then a code
at each sign-in. Each outcome is recorded; a wrong code is recorded as refused.
Wrong codes slow down (django-otp's throttling doubles the wait each time)."""

from __future__ import annotations

import base64
from typing import Any

import django_otp
import segno
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django_otp.plugins.otp_totp.models import TOTPDevice

from cld.pipeline.registry.audit import Outcome
from cld.pipeline.registry.audit_actions import AuditAction
from cld.portal.accounts.access import password_only, second_factor_given
from cld.portal.accounts.forms import CodeForm
from cld.portal.audit import record

DEVICE_NAME = "authenticator app"


@password_only
def two_factor(request: HttpRequest) -> HttpResponse:
    user = request.user
    target = _next(request)
    if second_factor_given(user):
        return redirect(target)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolling = device is None
    if device is None:
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, confirmed=False, defaults={"name": DEVICE_NAME}
        )
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and device.verify_token(form.cleaned_data["code"]):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            django_otp.login(request, device)
            record(
                request,
                AuditAction.SECOND_FACTOR_ENROLLED
                if enrolling
                else AuditAction.SECOND_FACTOR_GIVEN,
                by=user.get_username(),
            )
            return redirect(target)
        if form.is_valid():
            form.add_error("code", "The code is not right: check your app's code")
        record(
            request,
            AuditAction.SECOND_FACTOR_FAILED,
            by=user.get_username(),
            outcome=Outcome.REFUSED,
        )
        status = 400
    context: dict[str, Any] = {"form": form, "enrolling": enrolling, "next": target}
    if enrolling:
        context["qr"] = mark_safe(  # segno's SVG: no script, no text from users
            segno.make(device.config_url, error="m").svg_inline(
                scale=5, dark="#0b0c0c", title="QR code to add this account"
            )
        )
        context["secret"] = base64.b32encode(device.bin_key).decode("ascii")
    return render(request, "accounts/two_factor.html", context, status=status)


def _next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return "/"


@password_only
def cancel(request: HttpRequest) -> HttpResponse:
    """Give up at the second factor: signed out."""
    logout(request)
    return redirect("sign-in")
