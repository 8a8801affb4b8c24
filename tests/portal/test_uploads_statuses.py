"""An upload's statuses are the pipeline's session statuses (one vocabulary)."""

from __future__ import annotations

from cld.pipeline.session_status import FINISHED_STATUSES, SessionStatus
from cld.portal.uploads import jobs
from cld.portal.uploads.models import Upload


def test_an_upload_has_the_statuses_of_a_session() -> None:
    assert set(Upload.Status.values) <= {s.value for s in SessionStatus}
    assert set(Upload.Status.values) >= {s.value for s in FINISHED_STATUSES}
    assert Upload.Status.QUEUED.value == SessionStatus.QUEUED.value
    assert jobs.FINISHED == FINISHED_STATUSES
