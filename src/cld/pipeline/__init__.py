"""Pipeline: the stages of an upload, storage areas and report files."""
