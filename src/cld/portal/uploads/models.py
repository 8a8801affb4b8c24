"""An upload made through the portal: its session, who sent it, where its
processing is, and what identification found in each file."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from cld.pipeline.session_status import SessionStatus


class Upload(models.Model):
    """One upload of one or more files for one authority (one pipeline session).

    ``files`` holds, per file in upload order: ``name`` (as it arrived), ``size``,
    ``sha256``, ``stored_as`` (where it waits, under the upload's private folder)
    and what identification found: ``format``, ``dataset``, ``title``, ``year``,
    ``year_reason`` and ``tables``. A file that is not a return is refused before
    an upload exists, so every file here was recognised.

    A row is the upload's job in the worker's queue (it survives a restart): a
    ``queued`` one is taken by whichever portal process claims it first.
    """

    class Status(models.TextChoices):
        """The statuses of :class:`~cld.pipeline.session_status.SessionStatus`
        an upload can have (an upload a dead process ran is queued again or
        failed, never ``interrupted``), with their names on the portal."""

        QUEUED = SessionStatus.QUEUED.value, "Queued"
        RUNNING = SessionStatus.RUNNING.value, "Processing"
        PUBLISHED = SessionStatus.PUBLISHED.value, "Published"
        ARCHIVED = SessionStatus.ARCHIVED.value, "Checked, not shared"
        UNCHANGED = SessionStatus.UNCHANGED.value, "Unchanged"
        FAILED = SessionStatus.FAILED.value, "Failed"

    session_id = models.CharField(max_length=64, unique=True)
    la = models.CharField(max_length=8, db_index=True)
    submitted_by = models.CharField(max_length=150)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    stage = models.CharField(
        max_length=32, blank=True, help_text="The pipeline stage running now."
    )
    worker = models.CharField(
        max_length=300,
        blank=True,
        help_text="The process running it (host:pid), once the worker took it.",
    )
    files = models.JSONField(default=list)
    error = models.TextField(
        blank=True, help_text="Why processing failed, in plain English."
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.session_id} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status not in (self.Status.QUEUED, self.Status.RUNNING)
