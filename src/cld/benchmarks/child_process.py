"""Run one measurement in a fresh Python process and read back what it measured.

The child prints one JSON object as the last line of its standard output; anything
it prints before that is ignored.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from cld.engine.errors import CldError


class MeasurementFailedError(CldError):
    """A measurement process crashed or printed no result: a bug, not bad input."""


def report_to_parent(result: dict[str, Any]) -> None:
    """Print ``result`` as the child's answer (one JSON line on standard output)."""
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()


def run_child(module: str, args: list[str]) -> dict[str, Any]:
    """Run ``python -m module *args`` with this interpreter; return its result."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise MeasurementFailedError(
            f"the {module} measurement failed (exit {done.returncode}): {last}"
        )
    try:
        result = json.loads(lines[-1])
    except json.JSONDecodeError as exc:
        raise MeasurementFailedError(
            f"the {module} measurement printed no result: {exc}"
        ) from exc
    if not isinstance(result, dict):
        raise MeasurementFailedError(f"the {module} measurement printed no result")
    return result
