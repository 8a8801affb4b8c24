"""Waitress warns "Task queue depth is N" for every request that has to wait for
a thread, which under load is a line per request. :class:`QueueDepthFilter`
lets through one such line when the depth reaches another level (1, 2-3, 4-7,
8-15, …: powers of two), at most one every :data:`INTERVAL` seconds; the
depth it names is the latest. ``cld serve`` installs it on ``waitress.queue``."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

QUEUE_LOGGER = "waitress.queue"
INTERVAL = 5.0
_MESSAGE = "Task queue depth is"


class QueueDepthFilter(logging.Filter):
    def __init__(
        self, interval: float = INTERVAL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self.interval = interval
        self.clock = clock
        self._level = 0
        self._at: float | None = None
        self._guard = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith(_MESSAGE):
            return True
        args = record.args if isinstance(record.args, tuple) else ()
        depth = args[0] if args and isinstance(args[0], int) else 0
        level = max(0, depth).bit_length()
        with self._guard:
            now = self.clock()
            if level == self._level:
                return False
            if self._at is not None and now - self._at < self.interval:
                return False
            self._level, self._at = level, now
        return True


def quieten_queue_warnings() -> None:
    """Install :class:`QueueDepthFilter` on waitress's queue logger (once)."""
    logger = logging.getLogger(QUEUE_LOGGER)
    if not any(isinstance(f, QueueDepthFilter) for f in logger.filters):
        logger.addFilter(QueueDepthFilter())
