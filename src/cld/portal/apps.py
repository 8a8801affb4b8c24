"""The portal's own app: templates and static files."""

from __future__ import annotations

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "cld.portal"
    label = "portal"
    verbose_name = "Child Level Data portal"
