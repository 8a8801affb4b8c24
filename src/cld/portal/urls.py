"""Every URL of the portal. Each view carries an access mark (``accounts/access.py``);
``tests/portal/test_url_sweep.py`` fails for one that does not."""

from __future__ import annotations

from django.urls import path

from cld.portal.accounts import views as accounts
from cld.portal.pages import health, shared, start

urlpatterns = [
    path("", start.start, name="start"),
    path("sign-in/", accounts.sign_in, name="sign-in"),
    path("sign-out/", accounts.sign_out, name="sign-out"),
    path("health/", health.health, name="health"),
    path("authorities/<str:la>/shared/", shared.shared, name="shared"),
]

handler403 = "cld.portal.errors.refused"
