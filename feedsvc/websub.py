"""WebSub publisher pings: tell each configured hub which feed URLs (topics) changed.

After a publish the daemon calls `Pinger.notify(topics)` with the absolute URLs of the feed files
whose bytes changed. For every hub in `feeds.hubs` and every topic the pinger sends

    POST <hub>   Content-Type: application/x-www-form-urlencoded
    hub.mode=publish&hub.url=<topic>

one request per topic: the single-`hub.url` form is the one every hub accepts (PubSubHubbub 0.3
and the hubs that grew from it); the multi-`hub.url` form is not universal. Any 2xx is success.

Delivery never blocks the caller: `notify()` only records the pings and wakes a worker thread.
A ping that fails (connection error, timeout, 5xx, 408, 429) is retried `retries` times with
exponential backoff (`backoff`, 2×, 4×, … capped at `max_backoff`; a `Retry-After` in seconds is
honoured within the cap). After that it stays *pending*, parked: the next `notify()` or `flush()`
(the daemon runs it periodically) tries again. Another 4xx means the hub refuses the topic; it is
logged and dropped. When a hub cannot be reached, its other due pings wait for the next attempt
instead of each paying the timeout. The same (hub, topic) pending twice is pinged once: the hub
fetches the topic's current content anyway.

`close(timeout)` stops the worker after a last bounded attempt at what is pending.

Time is injectable: `clock` (monotonic seconds) decides when pings are due. With `start=False`
there is no thread and a test drives delivery itself with `deliver_due()`, stepping a fake clock;
the worker thread sleeps only on a condition variable until the next due time.
"""

from __future__ import annotations

import logging
import threading
import time
import types
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from feedsvc.config import Settings
from feedsvc.errors import ConfigError

log = logging.getLogger(__name__)

USER_AGENT = "feedsvc (WebSub publisher)"
RETRY_STATUSES = frozenset({408, 425, 429})


@dataclass
class _Ping:
    failures: int = 0  # failed attempts since the last notify()/flush()
    due: float | None = 0.0  # clock time of the next attempt; None = parked until notify()/flush()


def _check_url(url: str, what: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{what} must be an absolute http(s) URL, got {url!r}")
    return url


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # absent, or an HTTP date: plain backoff


class Pinger:
    """Sends WebSub publish pings from a worker thread, with retries; see the module docstring."""

    def __init__(
        self,
        hubs: Sequence[str],
        *,
        timeout: float = 5.0,
        retries: int = 3,
        backoff: float = 1.0,
        max_backoff: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.BaseTransport | None = None,
        start: bool = True,
    ) -> None:
        self.hubs = tuple(_check_url(hub, "hub") for hub in hubs)
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._clock = clock
        self._client = httpx.Client(timeout=timeout, transport=transport, headers={"User-Agent": USER_AGENT})
        self._pending: dict[tuple[str, str], _Ping] = {}
        self._cond = threading.Condition()
        self._deliver_lock = threading.Lock()
        self._closing = False
        self._deadline: float | None = None  # clock time close() gives up at
        self._thread: threading.Thread | None = None
        if start and self.hubs:
            self._thread = threading.Thread(target=self._run, name="feedsvc-websub", daemon=True)
            self._thread.start()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        backoff: float = 1.0,
        max_backoff: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.BaseTransport | None = None,
        start: bool = True,
    ) -> Pinger:
        """A pinger for `feeds.hubs` with `daemon.ping_timeout` and `daemon.ping_retries`.

        Raises `ConfigError` if a hub is not an absolute http(s) URL.
        """
        for hub in settings.feeds.hubs:
            try:
                _check_url(hub, "hub")
            except ValueError as exc:
                raise ConfigError(f"feeds.hubs: {exc}") from exc
        return cls(
            settings.feeds.hubs,
            timeout=settings.daemon.ping_timeout,
            retries=settings.daemon.ping_retries,
            backoff=backoff,
            max_backoff=max_backoff,
            clock=clock,
            transport=transport,
            start=start,
        )

    # -- the caller's side: never blocks on the network ---------------------------------------

    def notify(self, topics: Iterable[str]) -> None:
        """Ping every hub about `topics` (absolute feed URLs) soon; returns at once.

        Also re-arms pings that had given up. Raises `ValueError` (and records nothing) if a
        topic is not an absolute http(s) URL.
        """
        checked = [_check_url(topic, "topic") for topic in topics]
        if not self.hubs:
            return
        with self._cond:
            if self._closing:
                log.warning("pinger closed; not pinging %d topic(s)", len(checked))
                return
            now = self._clock()
            for topic in checked:
                for hub in self.hubs:
                    self._pending[hub, topic] = _Ping(failures=0, due=now)
            self._rearm(now)
            self._cond.notify_all()

    def flush(self) -> None:
        """Retry now every pending ping, including those that had given up; returns at once."""
        with self._cond:
            self._rearm(self._clock())
            self._cond.notify_all()

    @property
    def pending(self) -> frozenset[tuple[str, str]]:
        """The (hub, topic) pairs not delivered yet."""
        with self._cond:
            return frozenset(self._pending)

    def next_due(self) -> float | None:
        """Clock time of the earliest scheduled ping; None if nothing is scheduled."""
        with self._cond:
            return self._next_due()

    def close(self, timeout: float = 10.0) -> bool:
        """Make a last attempt at the pending pings for at most about `timeout` seconds, stop.

        Returns True when nothing is left undelivered. Pings still pending are logged and lost
        (the hubs catch up at the next publish). Safe to call twice.
        """
        with self._cond:
            already = self._closing
            self._closing = True
            if not already:
                now = self._clock()
                self._deadline = now + timeout
                self._rearm(now)
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout + 1.0)
            if self._thread.is_alive():
                log.warning("WebSub worker still busy after %.1f s; leaving it", timeout)
        elif not already:
            self.deliver_due()
        left = self.pending
        if left and not already:
            log.warning("closing with %d WebSub ping(s) undelivered", len(left))
        if self._thread is None or not self._thread.is_alive():
            self._client.close()
        return not left

    def __enter__(self) -> Pinger:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        self.close()

    # -- delivery -----------------------------------------------------------------------------

    def deliver_due(self) -> int:
        """Attempt every ping due now (blocking, in the calling thread). Returns how many hubs
        accepted a topic. The worker thread calls this; with `start=False` a test does.
        """
        with self._deliver_lock:
            with self._cond:
                now = self._clock()
                due = [
                    (key, ping)
                    for key, ping in self._pending.items()
                    if ping.due is not None and ping.due <= now
                ]
            delivered = 0
            unreachable: set[str] = set()
            for key, ping in due:
                if self._past_deadline():
                    break  # close() gave up: leave the rest pending
                if key[0] in unreachable:
                    self._failed(key, ping, None, "hub unreachable")
                    continue
                outcome = self._post(key, ping)
                if outcome is True:
                    delivered += 1
                elif outcome is None:
                    unreachable.add(key[0])
            return delivered

    def _post(self, key: tuple[str, str], ping: _Ping) -> bool | None:
        """One ping. True: delivered; False: not (retry later or refused); None: hub unreachable."""
        hub, topic = key
        try:
            response = self._client.post(hub, data={"hub.mode": "publish", "hub.url": topic})
        except httpx.TransportError as exc:
            self._failed(key, ping, None, f"{type(exc).__name__}: {exc}")
            return None
        status = response.status_code
        if 200 <= status < 300:
            log.info("WebSub hub %s accepted %s (%d)", hub, topic, status)
            self._done(key, ping)
            return True
        if status >= 500 or status in RETRY_STATUSES:
            self._failed(key, ping, _retry_after(response), f"HTTP {status}")
            return False
        log.error("WebSub hub %s refused %s: HTTP %d %s", hub, topic, status, response.text[:200])
        self._done(key, ping)
        return False

    def _done(self, key: tuple[str, str], ping: _Ping) -> None:
        with self._cond:
            # a notify() during the request replaced `ping`: the new one still has to go out
            if self._pending.get(key) is ping:
                del self._pending[key]

    def _failed(self, key: tuple[str, str], ping: _Ping, retry_after: float | None, reason: str) -> None:
        hub, topic = key
        with self._cond:
            if self._pending.get(key) is not ping:
                return  # re-notified meanwhile: the fresh entry keeps its own schedule
            ping.failures += 1
            if ping.failures > self.retries:
                ping.due = None
                log.warning(
                    "WebSub ping of %s about %s failed %d times (%s); retrying at the next notify/flush",
                    hub,
                    topic,
                    ping.failures,
                    reason,
                )
                return
            delay = min(self.max_backoff, self.backoff * 2 ** (ping.failures - 1))
            if retry_after is not None:
                delay = min(self.max_backoff, max(delay, retry_after))
            ping.due = self._clock() + delay
            log.info("WebSub ping of %s about %s failed (%s); retry in %.1f s", hub, topic, reason, delay)

    # -- worker -------------------------------------------------------------------------------

    def _past_deadline(self) -> bool:
        with self._cond:
            return self._deadline is not None and self._clock() >= self._deadline

    def _rearm(self, now: float) -> None:
        for ping in self._pending.values():
            if ping.due is None:
                ping.failures = 0
                ping.due = now

    def _next_due(self) -> float | None:
        dues = [ping.due for ping in self._pending.values() if ping.due is not None]
        return min(dues) if dues else None

    def _wait_for_work(self) -> bool:
        """Block until a ping is due (True) or the worker should stop (False)."""
        with self._cond:
            while True:
                now = self._clock()
                nxt = self._next_due()
                if self._closing:
                    assert self._deadline is not None
                    if nxt is None or nxt > self._deadline or now >= self._deadline:
                        return False
                if nxt is not None and nxt <= now:
                    return True
                wait = None if nxt is None else nxt - now
                if self._closing and self._deadline is not None:
                    wait = self._deadline - now if wait is None else min(wait, self._deadline - now)
                self._cond.wait(wait)

    def _run(self) -> None:
        while self._wait_for_work():
            try:
                self.deliver_due()
            except Exception:  # a bug; keep the worker alive for the next publish
                log.exception("WebSub delivery failed unexpectedly")
                with self._cond:
                    self._cond.wait(1.0)
