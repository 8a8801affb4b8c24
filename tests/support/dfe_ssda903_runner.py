"""Run the DfE's SSDA903 validator (``csc-validator-be-903``) on a return's files.

Run by ``.venv-dfe/bin/python`` (``make dfe-validators``), never imported by the
platform or its tests: the validator pins pandas < 2. One JSON object on standard
input names the files and the year; one JSON object on standard output says, rule
by rule, which rows failed (as spreadsheet rows: the header is row 1), which rules
ran, which were skipped for want of a table, and which crashed.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import sys
from pathlib import Path


def main() -> None:
    logging.disable(logging.CRITICAL)  # the validator logs every rule at INFO
    request = json.load(sys.stdin)
    from lac_validator import lac_validator  # type: ignore[import-not-found]

    year = int(request["year"])  # the platform's year: the one ending 31 March
    ruleset = f"lac{year - 1}_{year % 100:02d}"
    registry = importlib.import_module(f"lac_validator.rules.{ruleset}").registry
    files = [
        {
            "name": Path(path).name,
            "file_content": Path(path).read_bytes(),
            "description": description,
        }
        for description, key in (("This year", "files"), ("Prev year", "previous"))
        for path in request.get(key, [])
    ]
    with contextlib.redirect_stdout(sys.stderr):  # some rules print as they run
        validator = lac_validator.LacValidator(
            metadata={"collectionYear": str(year), "localAuthority": request["la"]},
            files=files,
            registry=registry,
            selected_rules=request.get("rules"),
        )
    failures = []
    for table, frame in validator.ds_results.items():
        if not hasattr(frame, "columns"):
            continue
        for column in frame.columns:
            if not str(column).startswith("ERR_"):
                continue
            rows = frame.index[frame[column].fillna(False).astype(bool)]
            failures += [
                {"rule": column[4:], "table": table, "row": int(row) + 2}
                for row in rows
            ]
    json.dump(
        {
            "ruleset": ruleset,
            "rules": {code: rule.message for code, rule in registry.items()},
            "ran": validator.dones,
            "skipped": validator.skips,
            "crashed": validator.fails,
            "failures": failures,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
