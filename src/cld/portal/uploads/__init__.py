"""Uploads: receiving an authority's files (streamed, capped, sniffed), processing
them off the request thread, and the session and issue-report pages."""
