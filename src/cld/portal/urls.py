"""Every URL of the portal. Each view carries an access mark (``accounts/access.py``);
``tests/portal/test_url_sweep.py`` fails for one that does not."""

from __future__ import annotations

from django.conf import settings
from django.urls import include, path

from cld.portal.accounts import two_factor
from cld.portal.accounts import views as accounts
from cld.portal.pages import health, shared, start

urlpatterns = [
    path("", start.start, name="start"),
    path("sign-in/", accounts.sign_in, name="sign-in"),
    path("sign-out/", accounts.sign_out, name="sign-out"),
    path("two-factor/", two_factor.two_factor, name="two-factor"),
    path("two-factor/cancel/", two_factor.cancel, name="two-factor-cancel"),
    path("health/", health.health, name="health"),
    path("authorities/<str:la>/shared/", shared.shared, name="shared"),
    path("", include("cld.portal.uploads.urls")),
    path("", include("cld.portal.governance.urls")),
    path("", include("cld.portal.hub.urls")),
    path("", include("cld.portal.administration.urls")),
    path("api/v1/", include("cld.portal.api.urls")),
]

if settings.OIDC:  # a council's identity provider, when configured
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))

handler403 = "cld.portal.errors.refused"
