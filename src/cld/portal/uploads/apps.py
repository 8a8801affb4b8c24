from __future__ import annotations

from django.apps import AppConfig


class UploadsConfig(AppConfig):
    name = "cld.portal.uploads"
    label = "uploads"
    verbose_name = "Uploads"
