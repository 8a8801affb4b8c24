"""Deny by default: every view carries one of these marks, and a test sweeps every
URL to prove it (``tests/portal/test_url_sweep.py``).

- ``@public``: anyone, signed in or not (sign-in page, health check);
- ``@password_only``: someone who has given their password but not yet their
  second factor (the second-factor pages themselves);
- ``@signed_in``: any active signed-in user with a membership, second factor
  given;
- ``@requires(Permission.X)``: such a user whose role grants ``X``.

An anonymous visitor to a protected view is sent to sign in, one without their
second factor to give it; a signed-in user without the right gets 403 (recorded
as refused by ``errors.refused``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse

from cld.portal.accounts.permissions import check_do, membership_of
from cld.portal.accounts.roles import Permission

View = TypeVar("View", bound=Callable[..., HttpResponseBase])
ACCESS = "cld_access"
"""The attribute naming a view's mark: ``"public"``, ``"password_only"``,
``"signed_in"`` or the permission it requires."""
SECOND_FACTOR_URL = "two-factor"


def access_of(view: Any) -> str | None:
    return getattr(view, ACCESS, None)


def public(view: View) -> View:
    setattr(view, ACCESS, "public")
    return view


def second_factor_given(user: Any) -> bool:
    """The user has given their second factor this session (or the platform runs
    without one: the demo only)."""
    if not settings.CLD_REQUIRE_SECOND_FACTOR:
        return True
    verified = getattr(user, "is_verified", None)
    return bool(verified and verified())


def password_only(view: View) -> View:
    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    setattr(guarded, ACCESS, "password_only")
    return guarded  # type: ignore[return-value]


def signed_in(view: View) -> View:
    return _guarded(view, None)


def requires(permission: Permission) -> Callable[[View], View]:
    def mark(view: View) -> View:
        return _guarded(view, permission)

    return mark


def _guarded(view: View, permission: Permission | None) -> View:
    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not second_factor_given(request.user):
            return redirect_to_login(
                request.get_full_path(), login_url=reverse(SECOND_FACTOR_URL)
            )
        if membership_of(request.user) is None:
            raise PermissionDenied("no role")
        if permission is not None:
            check_do(request.user, permission)
        return view(request, *args, **kwargs)

    setattr(guarded, ACCESS, str(permission) if permission else "signed_in")
    return guarded  # type: ignore[return-value]
