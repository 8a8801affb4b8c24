"""The portal's data area (``settings.CLD_DATA_DIR``) and its registry: the one
place the portal reaches them from, so every view, job and page reads the same
ones."""

from __future__ import annotations

from django.conf import settings

from cld.pipeline.data_area import DataArea, open_data_area
from cld.pipeline.registry import Registry, open_registry


def data_area() -> DataArea:
    """The data area the portal's settings name."""
    return open_data_area(settings.CLD_DATA_DIR)


def registry() -> Registry:
    """The registry of the portal's data area (or of ``DATABASE_URL``)."""
    return open_registry(data_area().registry_file)
