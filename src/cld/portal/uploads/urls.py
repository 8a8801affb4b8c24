"""This part's URLs (included by ``cld.portal.urls``): uploading, an upload's
progress, the sessions and their issue reports."""

from __future__ import annotations

from django.urls import URLPattern, path

from cld.portal.uploads import session_views, views

urlpatterns: list[URLPattern] = [
    path("uploads/", views.upload, name="upload"),
    path("uploads/<str:session_id>/", views.upload_progress, name="upload-progress"),
    path("sessions/", session_views.sessions, name="sessions"),
    path("sessions/<str:session_id>/", session_views.session, name="session"),
    path(
        "sessions/<str:session_id>/issues.csv",
        session_views.session_issues_csv,
        name="session-issues-csv",
    ),
    path(
        "sessions/<str:session_id>/issues.xlsx",
        session_views.session_issues_xlsx,
        name="session-issues-xlsx",
    ),
]
