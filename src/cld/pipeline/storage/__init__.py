"""Data areas on object storage: an fsspec URL (``s3://bucket/prefix``,
``az://container/prefix``) as the system of record, worked on through a local
mirror (:mod:`cld.pipeline.storage.mirror`)."""
