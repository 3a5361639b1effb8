"""Scanning the inbox as soon as the watcher sees a file renamed into it; the periodic scan stays.

The daemon's interval job scans every `daemon.scan_interval` seconds whatever happens (the
fallback: no watcher, a file moved in from another file system, a missed event). A rename into
the inbox (the way uploaders deliver a complete file) also asks for a scan at once: `wake()`,
called from the watcher's thread, adds a one-off job to the scheduler. Scans never overlap (one
lock), and at most one woken scan waits while another runs: a burst of renames costs one scan.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from apscheduler.schedulers.base import BaseScheduler

log = logging.getLogger(__name__)


class Waker:
    def __init__(self, scheduler: BaseScheduler, scan: Callable[[], None], *, job_id: str) -> None:
        self._scheduler = scheduler
        self._scan = scan
        self._job_id = job_id
        self._lock = threading.Lock()  # one scan at a time
        self._pending = threading.Event()  # a woken scan is queued and has not started scanning

    def scan(self) -> None:
        """The scan, never two at once (the interval job and woken scans call this)."""
        with self._lock:
            self._scan()

    def _woken_scan(self) -> None:
        with self._lock:
            self._pending.clear()  # renames from now on need another scan: let them ask
            self._scan()

    def wake(self) -> None:
        """Ask for a scan now (any thread). Nothing to do if one is already queued."""
        if self._pending.is_set():
            return
        self._pending.set()
        try:
            self._scheduler.add_job(
                self._woken_scan, "date", run_date=dt.datetime.now(dt.UTC), id=self._job_id,
                replace_existing=True, max_instances=2, misfire_grace_time=None,
            )  # fmt: skip
        except Exception as exc:  # the scheduler stopping: the interval scan is the fallback anyway
            self._pending.clear()
            log.debug("no woken scan: %s", exc)
