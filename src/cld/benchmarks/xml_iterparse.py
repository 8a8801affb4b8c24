"""Measurement: a bare ``lxml.etree.iterparse`` pass over an XML file.

This is the floor for reading an XML return: every ``end`` event, each element
cleared, nothing else (the same parser options as the reader). Run as
``python -m cld.benchmarks.xml_iterparse FILE``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from cld.benchmarks.child_process import report_to_parent
from cld.benchmarks.memory import peak_mib


def measure_iterparse(path: Path) -> dict[str, Any]:
    """Seconds (wall and CPU), elements and memory of the bare pass over ``path``."""
    baseline = peak_mib()
    start, cpu = time.perf_counter(), time.process_time()
    elements = 0
    for _, element in etree.iterparse(
        str(path),
        events=("end",),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    ):
        element.clear()
        elements += 1
    return {
        "elements": elements,
        "seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu,
        "baseline_mib": baseline,
        "peak_mib": peak_mib(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m cld.benchmarks.xml_iterparse")
    parser.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    report_to_parent(measure_iterparse(args.file))


if __name__ == "__main__":
    main()
