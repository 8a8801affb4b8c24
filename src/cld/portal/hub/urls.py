"""This part's URLs (included by ``cld.portal.urls``): the hub dashboard and the
use cases' outputs."""

from __future__ import annotations

from django.urls import URLPattern, path

from cld.portal.hub import views

urlpatterns: list[URLPattern] = [
    path("hub/", views.hub, name="hub"),
    path("outputs/", views.outputs, name="outputs"),
    path("outputs/<str:use_case>/", views.output, name="output"),
    path(
        "outputs/<str:use_case>/files/<str:filename>",
        views.output_file,
        name="output-file",
    ),
]
