"""This part's URLs (included by ``cld.portal.urls``)."""

from __future__ import annotations

from django.urls import URLPattern, path

from cld.portal.administration import audit_log, policy, users

urlpatterns: list[URLPattern] = [
    path("audit/", audit_log.audit_log, name="audit-log"),
    path("audit/export.csv", audit_log.audit_log_export, name="audit-log-export"),
    path("admin/users/", users.users, name="admin-users"),
    path("admin/users/add/", users.user_add, name="admin-user-add"),
    path("admin/users/<int:user_id>/", users.user, name="admin-user"),
    path("admin/policy/", policy.policy, name="admin-policy"),
    path(
        "admin/policy/download/", policy.policy_download, name="admin-policy-download"
    ),
    path("admin/policy/edit/", policy.policy_edit, name="admin-policy-edit"),
]
