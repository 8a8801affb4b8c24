"""What each part of a use case's outputs is made of, as one sha256: the one
place a fingerprint of the outputs is worked out.

- :func:`build_fingerprint`: the whole build (the policy, the authorities in
  force, the snapshot each has published, which of their files are inside the
  retention window today). The same as the last build's: the last build stands.
- :func:`table_fingerprint`: one pooled table of one use case (the policy, the
  columns kept, the path and content of every authority's file it pools). The
  same as the last build's: that build's files of the table are kept.
- :func:`report_fingerprint`: one report (the fingerprints of the pooled tables
  it declares, the disclosure rule). The same: that build's report files are kept.
- :func:`content_key`: a pooled table whatever the use case (the table, the
  columns kept, each file's content): within one run a table is pooled once for
  every use case whose table is made of exactly the same
  (:mod:`.pooled_cache`).

Each is the sha256 of a JSON object with sorted keys; :data:`OUTPUTS_FORMAT` is in
every one, so changing how outputs are built redoes old builds. (The pseudonym
key's fingerprint is another thing: :mod:`cld.pipeline.pseudonym_key`.)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from cld.pipeline.outputs.pooled import PublishedFile, TableFiles
from cld.pipeline.outputs.reports import Report

OUTPUTS_FORMAT = 1
"""Changes whenever the way outputs are built changes, so old builds are redone."""


def _sha256_of(state: Mapping[str, object]) -> str:
    text = json.dumps(state, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def build_fingerprint(
    use_case: str,
    policy_sha: str,
    snapshots: Mapping[str, str | None],
    published: Iterable[PublishedFile],
) -> str:
    """What a build depends on: the policy, the authorities in force with the
    snapshot each has published (``snapshots``: LA → its name; a new upload is a
    new snapshot) and which of their files are inside the retention window
    today (``published``)."""
    return _sha256_of(
        {
            "format": OUTPUTS_FORMAT,
            "use_case": use_case,
            "policy": policy_sha,
            "snapshots": dict(snapshots),
            "files": sorted(str(one) for one in published),
        }
    )


def table_fingerprint(
    use_case: str,
    policy_sha: str,
    group: TableFiles,
    kept: Iterable[str],
    digests: Mapping[Path, str],
) -> str:
    """What one pooled table is made of: the use case, the policy, the columns
    kept, and each authority's file it pools (where it is published and its
    content: ``digests``, file → sha256)."""
    return _sha256_of(
        {
            "format": OUTPUTS_FORMAT,
            "use_case": use_case,
            "policy": policy_sha,
            "table": group.name,
            "kept": sorted(kept),
            "files": {
                f"{la}/{group.published(use_case, year).rel}": digests[path]
                for (la, year), path in sorted(group.files.items())
            },
        }
    )


def report_fingerprint(
    report: Report, tables: Mapping[str, str], rule: str, description: str
) -> str:
    """What one report is made of: the fingerprints of the pooled tables it
    reads (``tables``: name → fingerprint; None for one not built) and the
    disclosure rule."""
    return _sha256_of(
        {
            "format": OUTPUTS_FORMAT,
            "report": report.name,
            "tables": {name: tables.get(name) for name in report.reads},
            "disclosure": {"rule": rule, "description": description},
        }
    )


def content_key(
    group: TableFiles, kept: Iterable[str], digests: Mapping[Path, str]
) -> str:
    """What a pooled table is made of whatever the use case: the table, the
    columns kept and the content of each authority's file of each year."""
    return _sha256_of(
        {
            "format": OUTPUTS_FORMAT,
            "table": group.name,
            "kept": sorted(kept),
            "files": {
                f"{la}/{year}": digests[path]
                for (la, year), path in group.files.items()
            },
        }
    )
