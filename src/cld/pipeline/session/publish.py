"""Publish: the archive's degraded tables become the authority's current ones,
in one switch (:func:`cld.pipeline.publish.publish`)."""

from __future__ import annotations

from cld.pipeline.publish import publish
from cld.pipeline.session.archive import Archived
from cld.pipeline.session.context import SessionContext


def publish_archived(context: SessionContext, archived: Archived) -> None:
    context.stage("publish")
    if archived.published:
        publish(
            context.area,
            context.la,
            context.session_id,
            add={
                p.path: archived.folder / "degraded" / p.path
                for p in archived.published
            },
            on_built=lambda: context.stage("switch"),
        )
