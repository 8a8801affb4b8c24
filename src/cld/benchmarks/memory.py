"""The memory a measurement process has used, in MiB."""

from __future__ import annotations

import resource
import sys
from pathlib import Path

_STATUS = Path("/proc/self/status")
_highest = 0.0


def peak_mib() -> float:
    """Peak resident memory of this process so far, in MiB; it only ever grows, so
    read after a stage it is the high-water mark up to the end of that stage.

    On Linux this is ``VmHWM`` of ``/proc/self/status``, the high-water mark of this
    program's own memory. ``getrusage(RUSAGE_SELF).ru_maxrss`` would be wrong there
    for a child process: Linux carries the parent's high-water mark over ``fork``
    and ``exec``, so a child of ``cld bench`` (which has just generated a large
    file) would start at the parent's peak. Elsewhere it is ``ru_maxrss`` (KiB, or
    bytes on macOS). The kernel updates either lazily, so readings are kept from
    ever going down.
    """
    global _highest
    high_water = _vm_hwm_kib()
    if high_water is not None:
        now = high_water / 1024
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        now = peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
    _highest = max(_highest, now)
    return _highest


def _vm_hwm_kib() -> int | None:
    try:
        status = _STATUS.read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])  # "VmHWM:    8732 kB"
    return None
