"""The portal's side of :mod:`cld.pipeline.leftovers`: at start-up, what dead
processes left in the data area is removed (and recorded), and the registry's
sessions left running with nobody holding their authority are ended as
interrupted.
An accepted upload's folder is kept while its job is queued or running."""

from __future__ import annotations

import logging

from cld.pipeline.leftovers import (
    clear_interrupted_sessions,
    find_leftovers,
    remove_leftovers,
)
from cld.portal.data_area import data_area, registry
from cld.portal.uploads.models import Upload

logger = logging.getLogger(__name__)
BY = "portal"
"""Who the audit log says removed them."""


def clear_leftovers() -> dict[str, int]:
    """Remove what dead processes left; the files removed per kind."""
    area, found = data_area(), registry()
    for session_id in clear_interrupted_sessions(area, found, by=BY):
        logger.warning("session %s was interrupted; ended as such", session_id)
    waiting = set(
        Upload.objects.filter(
            status__in=(Upload.Status.QUEUED, Upload.Status.RUNNING)
        ).values_list("session_id", flat=True)
    )
    removed = remove_leftovers(
        found,
        find_leftovers(area, found, keep=waiting.__contains__),
        by=BY,
    )
    for kind, files in removed.items():
        logger.warning(
            "removed leftovers of dead processes: %s (%d files)", kind, files
        )
    return removed
