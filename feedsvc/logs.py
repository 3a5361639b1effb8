"""Logging that cannot flood the disk: an error repeating at every event is logged once per interval.

`RepeatFilter` goes on the process's log handler (the CLI installs it): a WARNING or worse whose
text is the same as one logged in the last `interval` seconds is dropped and counted; the next one
let through says how many were dropped. `RateLimited` does the same for one logger's calls, for
code that knows a failure may repeat at every scan. Time is the monotonic clock: these decide only
what is logged, never what is stored or published.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

INTERVAL = 60.0  # seconds between two logs of the same repeated error
_KEY_CHARS = 300  # two messages whose first 300 characters agree are the same message
_MAX_KEYS = 1000  # forget the oldest keys beyond this: distinct messages never grow the table for good


@dataclass(slots=True)
class _Seen:
    at: float
    dropped: int = 0


class _Repeats:
    """The bookkeeping both share: may a message with this key be logged now, and how many of
    its kind were dropped since it last was?"""

    def __init__(self, interval: float, clock: Callable[[], float]) -> None:
        self.interval = interval
        self.clock = clock
        self._seen: dict[tuple[object, ...], _Seen] = {}

    def admit(self, key: tuple[object, ...]) -> int | None:
        """None: drop it; else log it, noting the count dropped since the last one logged."""
        now = self.clock()
        seen = self._seen.get(key)
        if seen is not None and now - seen.at < self.interval:
            seen.dropped += 1
            return None
        dropped = seen.dropped if seen is not None else 0
        self._seen.pop(key, None)
        self._seen[key] = _Seen(now)
        while len(self._seen) > _MAX_KEYS:
            del self._seen[next(iter(self._seen))]
        return dropped


def _note(dropped: int, interval: float) -> str:
    return f" [repeated {dropped} more times in the last {interval:g} s, not logged]" if dropped else ""


class RepeatFilter(logging.Filter):
    """Let a WARNING-or-worse record through once per `interval` seconds per distinct text."""

    def __init__(self, interval: float = INTERVAL, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._repeats = _Repeats(interval, clock)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        try:
            text = record.getMessage()
        except Exception:  # a malformed record: let logging report it as it would
            return True
        kind = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else None
        dropped = self._repeats.admit((record.name, record.levelno, text[:_KEY_CHARS], kind))
        if dropped is None:
            return False
        if dropped:
            record.msg, record.args = text + _note(dropped, self._repeats.interval), None
        return True


def install(handlers: list[logging.Handler] | None = None, interval: float = INTERVAL) -> None:
    """Put a `RepeatFilter` on each handler (default: the root logger's)."""
    for handler in logging.getLogger().handlers if handlers is None else handlers:
        if not any(isinstance(f, RepeatFilter) for f in handler.filters):
            handler.addFilter(RepeatFilter(interval))


class RateLimited:
    """`logger.error` / `.warning` / `.exception`, each distinct message at most once per
    `interval` seconds (with the count of those not logged since)."""

    def __init__(
        self, logger: logging.Logger, interval: float = INTERVAL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.logger = logger
        self._repeats = _Repeats(interval, clock)

    def _log(self, level: int, msg: str, args: tuple[object, ...], exc_info: bool) -> None:
        text = msg % args if args else msg
        dropped = self._repeats.admit((level, text[:_KEY_CHARS]))
        if dropped is not None:
            self.logger.log(level, "%s%s", text, _note(dropped, self._repeats.interval), exc_info=exc_info)

    def error(self, msg: str, *args: object) -> None:
        self._log(logging.ERROR, msg, args, False)

    def warning(self, msg: str, *args: object) -> None:
        self._log(logging.WARNING, msg, args, False)

    def exception(self, msg: str, *args: object) -> None:
        self._log(logging.ERROR, msg, args, True)
