"""This part's URLs (included by ``cld.portal.urls``)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
