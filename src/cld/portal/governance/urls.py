"""This part's URLs (included by ``cld.portal.urls``): agreements and DPIAs."""

from __future__ import annotations

from django.urls import URLPattern, path

from cld.portal.governance import agreements, dpias

urlpatterns: list[URLPattern] = [
    path("agreements/", agreements.agreements_index, name="agreements-index"),
    path(
        "authorities/<str:la>/agreements/",
        agreements.agreements,
        name="agreements",
    ),
    path(
        "authorities/<str:la>/agreements/<str:use_case>/sign/",
        agreements.agreement_sign,
        name="agreement-sign",
    ),
    path(
        "authorities/<str:la>/agreements/<str:use_case>/withdraw/",
        agreements.agreement_withdraw,
        name="agreement-withdraw",
    ),
    path("authorities/<str:la>/dpia/", dpias.dpia, name="dpia"),
    path("authorities/<str:la>/dpia/draft.docx", dpias.dpia_draft, name="dpia-draft"),
    path("dpias/", dpias.dpia_reviews, name="dpia-reviews"),
    path("dpias/<str:la>/", dpias.dpia_review, name="dpia-review"),
]
