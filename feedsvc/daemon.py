"""`feedsvc run`: watch the inbox, ingest what arrives, publish, ping hubs, optionally serve.

APScheduler 3 runs an interval job that scans the inbox (`max_instances=1`, `coalesce=True`), a
nightly full regenerate, and a periodic retry of undelivered hub pings. SIGTERM or SIGINT lets the
current file finish, then the daemon exits 0. The clock is read here, at the edge, once per event.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler

import feedsvc
from feedsvc import collector, editing, intake, pipeline, published, search_note
from feedsvc.config import Settings
from feedsvc.errors import FeedsvcError, LockError, ParseError, PublishError, StoreError
from feedsvc.httpguard import raise_file_limit
from feedsvc.inbox import Inbox, display_name
from feedsvc.logs import RateLimited
from feedsvc.render import theme
from feedsvc.serve import ServerHandle, start_in_thread
from feedsvc.signals import StopSignals
from feedsvc.wake import Waker
from feedsvc.websub import Pinger

log = logging.getLogger(__name__)
Clock = Callable[[], dt.datetime]
PageKey = tuple[dt.date, int]
SEARCH_GRACE = 20.0  # seconds a stopping daemon waits for the search index being built
RETRY_DELAYS = (2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 120.0, 300.0)  # seconds before each retry: ~9 min in all


class Daemon:
    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock,
        serve: bool = False,
        host: str | None = None,
        port: int | None = None,
        new_store: bool = False,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.serve = serve
        self.host, self.port = host, port
        self.new_store = new_store
        self.stopping = threading.Event()
        self.inbox = Inbox(settings.paths.inbox, settings.daemon.max_submission_bytes)
        self.pinger: Pinger | None = None
        self.retry_delays: tuple[float, ...] = RETRY_DELAYS
        self._retries: dict[str, tuple[int, float]] = {}  # file in .processing/ → (tries, next at)
        self._pages: dict[str, frozenset[PageKey]] = {}  # file in .processing/ → the pages it writes
        self.errors = RateLimited(log)  # an error repeating every scan is logged once a minute
        self._searching: threading.Thread | None = None
        self._corrections_seen: object = None  # the corrections folder as last applied

    # -- one file ------------------------------------------------------------------------------
    def process(self, taken: Path, blocked: frozenset[PageKey] = frozenset()) -> frozenset[PageKey]:
        """Ingest one file from `.processing/`: on success its bytes live in the store. A file
        that cannot be read as a page goes to `failed/`; one the store could not take (a full
        disk, a store another process holds too long) stays in `.processing/` and is tried again
        at later scans (`retry_delays`), and goes to `failed/` only when every retry failed. A file
        writing a page in `blocked` (an earlier submission of it still waits) waits behind it.
        Returns the pages of a file left waiting in `.processing/` (empty when it is done)."""
        name = taken.name
        tried, _ = self._retries.pop(name, (0, 0.0))
        try:
            data, parsed = intake.read_parsed(self.settings, taken, name=name, now=self.clock())
        except ParseError as exc:
            self._fail(taken, exc.reason if exc.line is None else f"line {exc.line}: {exc.reason}")
            return frozenset()
        issue = parsed.issue
        keys = intake.page_keys(issue)
        self._pages[name] = keys
        if keys & blocked:
            self._retries[name] = (tried, 0.0)  # taken as soon as the earlier one is done
            log.warning(
                "waiting: %s writes a page an earlier submission still waiting to be stored writes too;"
                " it is applied after that one", display_name(name),
            )  # fmt: skip
            return keys
        try:
            report = pipeline.ingest_parsed(
                self.settings,
                display_name(name),
                data,
                issue,
                self.clock(),
                images=parsed.images,
                search_now=False,
            )
        except PublishError as exc:
            # The store has it; the output will be rewritten once the disk takes it again.
            log.error("publish failed, will retry: %s", exc)
            self._done(taken)
            return frozenset()
        except (StoreError, LockError) as exc:
            return keys if self._later(taken, str(exc), tried) else frozenset()
        except FeedsvcError as exc:
            self._fail(taken, str(exc))
            return frozenset()
        self._done(taken)
        log.info("%s", report.summary())
        for warning in report.warnings:
            log.warning("%s: %s", report.name, warning)
        if self.pinger is not None and report.changed_feeds:
            self.pinger.notify(report.feed_urls(self.settings))
        return frozenset()

    def _done(self, taken: Path) -> None:
        self._pages.pop(taken.name, None)
        self.inbox.done(taken)

    def _fail(self, taken: Path, reason: str) -> None:
        self._pages.pop(taken.name, None)
        self.inbox.fail(taken, reason)

    def _later(self, taken: Path, reason: str, tried: int) -> bool:
        """Leave `taken` in `.processing/` for a retry after its next delay (True), or, when
        `tried` every one, set it aside in `failed/` (False)."""
        if tried >= len(self.retry_delays):
            self._fail(taken, f"{reason} (tried {tried + 1} times)")
            return False
        delay = self.retry_delays[tried]
        self._retries[taken.name] = (tried + 1, time.monotonic() + delay)
        log.error("not stored, will retry in %g s: %s: %s", delay, display_name(taken.name), reason)
        return True

    def _work(self) -> None:
        """Ingest the files in `.processing/` in the order they arrived, each whose turn has come.

        A file waiting for a retry holds back every later file that writes one of its pages (by
        issue date and page number), so a retry never overtakes a newer submission of a page."""
        now = time.monotonic()
        blocked: set[PageKey] = set()
        for leftover in self.inbox.leftovers():
            if self.stopping.is_set():
                return
            name = leftover.name
            _, due = self._retries.get(name, (0, 0.0))
            known = self._pages.get(name, frozenset())
            if due > now or known & blocked:
                blocked |= known
                continue
            if name in self._retries:
                log.info("retrying: %s", display_name(name))
            try:
                blocked |= self.process(leftover, frozenset(blocked))
            except Exception:
                self.errors.exception("cannot process %s; going on with the next file", display_name(name))

    def tick(self) -> None:
        """One scan of the inbox: set aside what cannot be taken, take what is complete (in the
        order it became complete), then ingest what `.processing/` holds, in arrival order."""
        try:
            behind = pipeline.output_behind(self.settings)
            if behind is not None:
                self._republish(behind)
        except Exception:
            self.errors.exception("cannot bring the output up to date; the daemon goes on")
        try:
            ready, rejected = self.inbox.scan()
        except Exception:
            self.errors.exception("inbox scan failed; the daemon goes on")
            ready, rejected = [], []
        for item in rejected:
            try:
                self.inbox.fail(item.path, item.reason)
            except Exception:
                self.errors.exception("cannot set %s aside; going on", display_name(item.path.name))
        for path in ready:
            if self.stopping.is_set():
                return
            try:
                self.inbox.take(path)
            except FileNotFoundError:
                continue  # taken away meanwhile
            except Exception:
                self.errors.exception("cannot take %s; going on", display_name(path.name))
                continue
            log.info("taken: %s", display_name(path.name))
        try:
            self._work()
        except Exception:
            self.errors.exception("processing failed; the daemon goes on")
        try:
            self._corrections()
        except Exception:
            self.errors.exception("applying corrections failed; the daemon goes on")
        if not ready and not self.stopping.is_set() and search_note.pending(self.settings):
            self._search()  # the inbox is quiet: the search index follows, beside the scans

    def _search(self) -> None:
        """Build the search index in a thread of its own, one at a time: indexing a month takes
        seconds, and the scans (and ingests) go on meanwhile."""
        if self._searching is not None and self._searching.is_alive():
            return

        def run() -> None:
            try:
                pipeline.update_search(self.settings)
            except Exception:
                self.errors.exception("building the search index failed; the daemon goes on")

        self._searching = threading.Thread(target=run, name="feedsvc-search", daemon=True)
        self._searching.start()

    def _corrections(self) -> None:
        """Apply the corrections files changed since the last scan (a listing decides; the store
        is opened only when a file's name, size or mtime changed)."""
        seen = editing.folder_state(self.settings)
        if seen == self._corrections_seen or self.stopping.is_set():
            return
        try:
            report = pipeline.edit(self.settings, self.clock(), editing.sync)
        except (StoreError, LockError, PublishError) as exc:
            log.error("corrections not applied, will retry: %s", exc)
            return
        self._corrections_seen = seen
        if report.changes:
            log.info("%s", report.summary())
        if self.pinger is not None and report.changed_feeds:
            self.pinger.notify(report.feed_urls(self.settings))

    def _republish(self, why: str) -> None:
        try:
            report = pipeline.regenerate(self.settings, self.clock(), only_if_pending=True)
        except (PublishError, StoreError) as exc:
            log.error("publish still failing: %s", exc)
            return
        if report.written or report.removed:
            log.info("published everything again (%s): %s", why, report.summary())
        if self.pinger is not None and report.changed_feeds:
            self.pinger.notify(report.feed_urls(self.settings))

    def nightly(self) -> None:
        if self.stopping.is_set():
            return
        try:
            report = pipeline.regenerate(self.settings, self.clock())
            log.info("nightly regenerate: %s", report.summary())
            if self.pinger is not None and report.changed_feeds:
                self.pinger.notify(report.feed_urls(self.settings))
        except FeedsvcError as exc:
            log.error("nightly regenerate failed: %s", exc)

    # -- life ------------------------------------------------------------------------------------
    def _check_store(self) -> None:
        """Refuse to start on a store that is not the one the output was published from (a
        StoreError: exit 2); with `new_store`, publish it there now, so the run goes on from it."""
        if self.new_store:
            report = pipeline.regenerate(self.settings, self.clock(), new_store=True)
            log.warning("--new-store: the output folder now shows this store: %s", report.summary())
            self.new_store = False
        else:
            pipeline.check_store(self.settings)

    def start(self, scheduler: BaseScheduler, *, prefix: str = "") -> None:
        """Take again what an interrupted run left in `.processing/`, then add this paper's jobs
        (inbox scan, nightly regenerate, ping retries) to `scheduler`, their ids after `prefix`.
        `run` does this for one paper; `service.Service` for each of several on one scheduler."""
        self.pinger = Pinger.from_settings(self.settings)
        theme.check_theme(self.settings.site.theme)  # a broken theme stops the start, not each page
        published.note(self.settings)  # so does a theme file that cannot be read
        self._check_store()
        for leftover in self.inbox.leftovers():
            log.info("taken again after an interrupted run: %s", display_name(leftover.name))
        self._work()
        interval = self.settings.daemon.scan_interval
        # the scheduler runs on the real clock; `clock` stamps submissions (tests fix it)
        waker = Waker(scheduler, self.tick, job_id=f"{prefix}wake")  # a rename in: scan at once
        scheduler.add_job(
            waker.scan, "interval", seconds=interval, max_instances=1, coalesce=True,
            next_run_time=dt.datetime.now(self.settings.paper.tz), id=f"{prefix}scan",
        )  # fmt: skip
        self.inbox.when_renamed(waker.wake)
        nightly = self.settings.daemon.nightly_regenerate
        if nightly is not None:
            scheduler.add_job(
                self.nightly, "cron", hour=nightly.hour, minute=nightly.minute,
                max_instances=1, coalesce=True, id=f"{prefix}nightly",
                timezone=self.settings.paper.timezone,
            )  # fmt: skip
        scheduler.add_job(
            self.pinger.flush, "interval", minutes=10, max_instances=1, coalesce=True, id=f"{prefix}pings"
        )
        log.info(
            "watching %s every %.1f s (feedsvc code in %s)",
            self.settings.paths.inbox, interval, Path(feedsvc.__file__).parent,
        )  # fmt: skip

    def close(self) -> None:
        """Let a search index being built finish (bounded), deliver or give up the pending pings
        (bounded); call once the scheduler has stopped."""
        if self._searching is not None:  # a search index being built: a while to finish it
            self._searching.join(timeout=SEARCH_GRACE)
            if self._searching.is_alive():
                log.warning("stopping while the search index is built; the next run builds it")
        if self.pinger is not None:
            self.pinger.close(timeout=10)

    def run(self) -> int:
        lock = published.daemon_lock(self.settings)
        server: ServerHandle | None = None
        scheduler = BackgroundScheduler(timezone=self.settings.paper.timezone)
        signals = StopSignals(self.stopping, "finishing the current file, then stopping", logger=log)
        try:
            raise_file_limit()  # the server's connections and the inbox's files share the budget
            signals.install()  # SIGTERM, SIGINT: `stopping` is set, from a thread of its own
            self.start(scheduler)
            if self.serve:
                root = self.settings.paths.output
                root.mkdir(parents=True, exist_ok=True)
                server = start_in_thread(root, self.settings, self.host, self.port)
                log.info("serving %s at http://%s:%d/", root, server.host, server.port)
            collector.freeze_startup()  # full collections skip what start-up made (`collector`)
            scheduler.start()
            self.stopping.wait()
            return 0
        finally:
            if scheduler.running:
                scheduler.shutdown(wait=True)  # the current file finishes
            self.close()
            if server is not None:
                server.stop()
            lock.release()
            signals.restore()
            log.info("stopped")
