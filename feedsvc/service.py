"""`feedsvc run` for a config with several papers: one process, one scheduler, one server.

Each paper gets its own `Daemon` (inbox, store lock, pinger, retries), whose jobs run on one
shared scheduler, so papers never wait on one another; every job catches its own failures, so a
paper whose disk is full or whose pages are bad never stops another. A paper whose store another
daemon holds, or whose folders cannot be made, is reported and left out; the others run.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
from collections.abc import Callable, Mapping

from apscheduler.schedulers.background import BackgroundScheduler

from feedsvc import published
from feedsvc.config import Settings
from feedsvc.daemon import Daemon
from feedsvc.errors import FeedsvcError
from feedsvc.httpguard import raise_file_limit
from feedsvc.lock import DaemonLock
from feedsvc.router import make_papers_app
from feedsvc.serve import ServerHandle, start_in_thread
from feedsvc.signals import StopSignals

log = logging.getLogger(__name__)


class Service:
    def __init__(
        self,
        papers: Mapping[str, Settings],
        *,
        clock: Callable[[Settings], dt.datetime],
        serve: bool = False,
        host: str | None = None,
        port: int | None = None,
        new_store: bool = False,
    ) -> None:
        self.papers = dict(papers)
        self.new_store = new_store
        self.clock = clock
        self.serve, self.host, self.port = serve, host, port
        self.stopping = threading.Event()

    def _start(
        self, key: str, settings: Settings, scheduler: BackgroundScheduler
    ) -> tuple[Daemon, DaemonLock]:
        lock = published.daemon_lock(settings)
        try:
            daemon = Daemon(settings, clock=functools.partial(self.clock, settings), new_store=self.new_store)
            daemon.stopping = self.stopping
            daemon.start(scheduler, prefix=f"{key}:")
        except BaseException:
            lock.release()
            raise
        return daemon, lock

    def run(self) -> int:
        scheduler = BackgroundScheduler(timezone="UTC")
        started: dict[str, tuple[Daemon, DaemonLock]] = {}
        server: ServerHandle | None = None
        signals = StopSignals(self.stopping, "finishing the current files, then stopping", logger=log)
        try:
            raise_file_limit()  # the servers' connections and the inboxes' files share the budget
            signals.install()  # SIGTERM, SIGINT: `stopping` is set, from a thread of its own
            for key, settings in self.papers.items():
                try:
                    started[key] = self._start(key, settings, scheduler)
                except (FeedsvcError, OSError) as exc:
                    log.error("paper %s not started: %s", key, exc)
            if not started:
                raise FeedsvcError("no paper could start (see the errors above)")
            if self.serve:
                papers = {key: self.papers[key] for key in started}
                first = next(iter(papers.values()))
                for settings in papers.values():
                    settings.paths.output.mkdir(parents=True, exist_ok=True)
                app = make_papers_app(papers)
                server = start_in_thread(first.paths.output, first, self.host, self.port, app=app)
            scheduler.start()
            log.info("running %d papers: %s", len(started), ", ".join(started))
            self.stopping.wait()
            return 0
        finally:
            if scheduler.running:
                scheduler.shutdown(wait=True)  # the files in hand finish
            for daemon, lock in started.values():
                daemon.close()
                lock.release()
            if server is not None:
                server.stop()
            signals.restore()
            log.info("stopped")
