"""The API's URLs, under ``/api/v1/``."""

from __future__ import annotations

from django.urls import path

from cld.portal.api import views

urlpatterns = [
    path("openapi.json", views.openapi, name="api-openapi"),
    path("uploads", views.uploads, name="api-uploads"),
    path("sessions", views.sessions, name="api-sessions"),
    path("sessions/<str:session_id>", views.session, name="api-session"),
    path(
        "sessions/<str:session_id>/issues",
        views.session_issues,
        name="api-session-issues",
    ),
    path("outputs/<str:use_case>", views.output, name="api-output"),
    path(
        "outputs/<str:use_case>/<str:table>.csv",
        views.output_table,
        name="api-output-table",
    ),
]
