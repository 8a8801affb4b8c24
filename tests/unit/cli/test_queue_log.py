"""Waitress's "Task queue depth is N" comes through once per level of depth, at
most one every few seconds, instead of once per waiting request."""

from __future__ import annotations

import logging

import pytest

from cld.cli.queue_log import QUEUE_LOGGER, QueueDepthFilter, quieten_queue_warnings


def depth(n: int) -> logging.LogRecord:
    return logging.LogRecord(
        QUEUE_LOGGER,
        logging.WARNING,
        "task.py",
        1,
        "Task queue depth is %d",
        (n,),
        None,
    )


def test_one_line_per_level_at_most_every_few_seconds() -> None:
    now = [0.0]
    keep = QueueDepthFilter(interval=5.0, clock=lambda: now[0])
    passed = []
    for second, n in enumerate([1, 1, 1, 2, 3, 3, 5, 9, 9, 9, 20, 20, 3, 1]):
        now[0] = float(second)
        if keep.filter(depth(n)):
            passed.append((second, n))
    # 1 at once; a new level (2-3) waits until 5 s have passed, then 20 (16-31)
    # 5 s after that; what changes within 5 s of a line is not shown
    assert passed == [(0, 1), (5, 3), (10, 20)]
    other = logging.LogRecord(QUEUE_LOGGER, logging.WARNING, "t", 1, "x", None, None)
    assert keep.filter(other)


def test_cld_serve_installs_it_once(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger(QUEUE_LOGGER)
    try:
        quieten_queue_warnings()
        quieten_queue_warnings()
        assert sum(isinstance(f, QueueDepthFilter) for f in logger.filters) == 1
        with caplog.at_level(logging.WARNING, logger=QUEUE_LOGGER):
            for _ in range(50):
                logger.warning("Task queue depth is %d", 1)
        assert len(caplog.records) == 1
    finally:
        for found in list(logger.filters):
            logger.removeFilter(found)
