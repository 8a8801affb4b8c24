"""The DfE's own validators, run in their own virtual environment (``.venv-dfe``,
built by ``make dfe-validators``): the platform never imports them (they pin
pandas < 2); the differential tests ask them through a runner script, in JSON."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DFE_PYTHON = ROOT / ".venv-dfe" / "bin" / "python"
SSDA903_RUNNER = Path(__file__).with_name("dfe_ssda903_runner.py")

SSDA903_TABLES = {
    "Header": "header",
    "Episodes": "episodes",
    "Reviews": "reviews",
    "UASC": "uasc",
    "OC2": "oc2",
    "OC3": "oc3",
    "AD1": "ad1",
    "PlacedAdoption": "placed_adoption",
    "PrevPerm": "prev_perm",
    "Missing": "missing",
    "SWEpisodes": "social_worker",
}
"""The DfE validator's name of each SSDA903 table → the platform's."""


def run_dfe_ssda903(
    files: Sequence[Path],
    year: int,
    *,
    la: str = "E09000007",
    previous: Sequence[Path] = (),
    rules: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The DfE's SSDA903 validator's answer on ``files`` (this year's) and
    ``previous`` (last year's), for the collection year ending 31 March ``year``:
    the ruleset, each rule's message, the rules that ran, were skipped or crashed,
    and each failure as (rule, table, spreadsheet row)."""
    request = {
        "year": year,
        "la": la,
        "files": [str(f) for f in files],
        "previous": [str(f) for f in previous],
        "rules": list(rules) if rules is not None else None,
    }
    done = subprocess.run(
        [str(DFE_PYTHON), str(SSDA903_RUNNER)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the DfE validator failed: {done.stderr[-2000:]}")
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer
