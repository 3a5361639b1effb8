"""feedsvc.websub: pings to real tiny hub servers on 127.0.0.1, and the retry schedule on a fake clock."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Callable, Iterator
from urllib.parse import parse_qsl

import httpx
import pytest

from feedsvc.config import DaemonSettings, FeedSettings, PaperSettings, Settings
from feedsvc.errors import ConfigError
from feedsvc.websub import Pinger

TOPICS = ["https://paper.example/feed.atom", "https://paper.example/sections/yaowen.json"]


class Hub:
    """A hub stub: records each POST's form fields; answers with `statuses` in turn, then 204."""

    def __init__(
        self,
        statuses: list[int] | None = None,
        headers: dict[str, str] | None = None,
        gate: threading.Event | None = None,
    ) -> None:
        """With a `gate`, each request is held (entered, not answered) until the gate opens."""
        self.statuses = list(statuses or [])
        self.gate = gate
        self.entered = threading.Event()
        self.extra_headers = headers or {}
        self.posts: list[list[tuple[str, str]]] = []
        self.content_types: list[str] = []
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        hub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
                hub.entered.set()
                if hub.gate is not None:
                    hub.gate.wait(30)
                with hub.changed:
                    hub.posts.append(parse_qsl(body, keep_blank_values=True))
                    hub.content_types.append(self.headers.get("Content-Type", ""))
                    status = hub.statuses.pop(0) if hub.statuses else 204
                    hub.changed.notify_all()
                self.send_response(status)
                for name, value in hub.extra_headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hub"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def topics(self) -> list[str]:
        with self.lock:
            return [value for post in self.posts for key, value in post if key == "hub.url"]

    def wait_for(self, predicate: Callable[[Hub], bool], timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        with self.changed:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(left)
            return True

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def hubs() -> Iterator[Callable[..., Hub]]:
    started: list[Hub] = []

    def start(
        statuses: list[int] | None = None,
        headers: dict[str, str] | None = None,
        gate: threading.Event | None = None,
    ) -> Hub:
        hub = Hub(statuses, headers, gate)
        started.append(hub)
        return hub

    yield start
    for hub in started:
        hub.stop()


def refused_url() -> str:
    """A URL on a port where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/hub"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_hub_sees_exactly_the_notified_topics(hubs: Callable[..., Hub]) -> None:
    hub = hubs()
    with Pinger([hub.url], timeout=2.0) as pinger:
        pinger.notify(TOPICS)
        assert hub.wait_for(lambda h: len(h.posts) >= 2)
        assert pinger.close(timeout=2.0)
    assert sorted(hub.topics()) == sorted(TOPICS)
    assert all(dict(post) == {"hub.mode": "publish", "hub.url": dict(post)["hub.url"]} for post in hub.posts)
    assert all(len(post) == 2 for post in hub.posts)  # one topic per request
    assert all(ct.startswith("application/x-www-form-urlencoded") for ct in hub.content_types)


def test_every_hub_gets_every_topic(hubs: Callable[..., Hub]) -> None:
    one, two = hubs(), hubs()
    pinger = Pinger([one.url, two.url], timeout=2.0)
    pinger.notify(TOPICS[:1])
    pinger.notify(TOPICS[1:])
    assert pinger.close(timeout=5.0)
    assert sorted(one.topics()) == sorted(two.topics()) == sorted(TOPICS)
    assert pinger.pending == frozenset()


def test_failing_hub_gets_the_topic_later(hubs: Callable[..., Hub]) -> None:
    hub = hubs(statuses=[500])
    pinger = Pinger([hub.url], timeout=2.0, retries=3, backoff=0.05)
    pinger.notify(TOPICS[:1])
    assert hub.wait_for(lambda h: len(h.posts) >= 2)
    assert pinger.close(timeout=2.0)
    assert hub.topics() == [TOPICS[0], TOPICS[0]]


def test_notify_returns_while_the_hub_still_holds_the_request(hubs: Callable[..., Hub]) -> None:
    """The caller never waits for the network: notify() is back while the hub has the ping in hand
    and has not answered (if notify waited for the answer, it could only return after the gate
    opened, and the hub would have recorded the post by then)."""
    gate = threading.Event()
    hub = hubs(gate=gate)
    pinger = Pinger([hub.url], timeout=30, retries=0)
    pinger.notify(TOPICS[:1])
    assert hub.posts == []  # notify() returned with nothing answered
    assert hub.entered.wait(20)  # … and the worker did send it
    assert hub.posts == []
    gate.set()
    assert hub.wait_for(lambda h: len(h.posts) == 1, timeout=20)
    assert pinger.close(timeout=20)
    assert hub.topics() == TOPICS[:1]


def test_unreachable_hub_neither_blocks_nor_raises(hubs: Callable[..., Hub]) -> None:
    gate = threading.Event()
    good = hubs(gate=gate)
    pinger = Pinger([refused_url(), good.url], timeout=0.5, retries=1, backoff=0.05)
    pinger.notify(TOPICS)
    assert good.posts == []  # the caller did not wait for either hub
    gate.set()
    assert good.wait_for(lambda h: len(h.posts) >= 2, timeout=20)
    started = time.monotonic()
    assert pinger.close(timeout=0.5) is False  # the dead hub's pings are left over
    assert time.monotonic() - started < 10  # bounded by close()'s timeout, not by the network
    assert {topic for _, topic in pinger.pending} == set(TOPICS)
    assert sorted(good.topics()) == sorted(TOPICS)


def test_silent_hub_is_bounded_by_the_timeout() -> None:
    with socket.socket() as blackhole:  # accepts connections (backlog), never answers
        blackhole.bind(("127.0.0.1", 0))
        blackhole.listen()
        pinger = Pinger([f"http://127.0.0.1:{blackhole.getsockname()[1]}/"], timeout=0.3, retries=0)
        started = time.monotonic()
        pinger.notify(TOPICS[:1])
        assert {topic for _, topic in pinger.pending} == set(TOPICS[:1])  # back before any answer
        assert pinger.close(timeout=0.5) is False
        assert time.monotonic() - started < 10  # bounded by the timeouts, not hung


def test_retry_schedule_on_a_fake_clock(hubs: Callable[..., Hub]) -> None:
    hub = hubs(statuses=[503, 503, 503, 503, 503])
    clock = FakeClock()
    pinger = Pinger([hub.url], timeout=2.0, retries=3, backoff=10.0, clock=clock, start=False)
    pinger.notify(TOPICS[:1])
    assert pinger.next_due() == clock.now

    for delay in (10.0, 20.0, 40.0):  # exponential backoff after each failure
        assert pinger.deliver_due() == 0
        assert pinger.next_due() == clock.now + delay
        assert pinger.deliver_due() == 0  # not due yet: no request
        clock.now += delay
    assert len(hub.posts) == 3

    assert pinger.deliver_due() == 0  # 4th failure: retries used up, parked
    assert len(hub.posts) == 4
    assert pinger.next_due() is None
    assert pinger.pending == {(hub.url, TOPICS[0])}
    clock.now += 10_000
    assert pinger.deliver_due() == 0 and len(hub.posts) == 4  # parked pings wait for flush/notify

    pinger.flush()  # re-armed: 503 once more, then success after the backoff
    assert pinger.deliver_due() == 0
    clock.now += 10.0
    assert pinger.deliver_due() == 1
    assert pinger.pending == frozenset()
    assert hub.topics() == [TOPICS[0]] * 6
    assert pinger.close(timeout=0.1)


def test_notify_rearms_parked_pings(hubs: Callable[..., Hub]) -> None:
    hub = hubs(statuses=[500])
    clock = FakeClock()
    pinger = Pinger([hub.url], retries=0, clock=clock, start=False)
    pinger.notify(TOPICS[:1])
    assert pinger.deliver_due() == 0
    assert pinger.next_due() is None  # parked
    pinger.notify(TOPICS[1:])  # the next publish retries the old one too
    assert pinger.deliver_due() == 2
    assert sorted(hub.topics()) == sorted([TOPICS[0], *TOPICS])
    pinger.close()


def test_retry_after_is_honoured_within_the_cap(hubs: Callable[..., Hub]) -> None:
    hub = hubs(statuses=[429, 429], headers={"Retry-After": "120"})
    clock = FakeClock()
    pinger = Pinger([hub.url], backoff=1.0, max_backoff=60.0, clock=clock, start=False)
    pinger.notify(TOPICS[:1])
    pinger.deliver_due()
    assert pinger.next_due() == clock.now + 60.0
    pinger.close(timeout=0.1)


def test_refused_topic_is_dropped(hubs: Callable[..., Hub]) -> None:
    hub = hubs(statuses=[400])
    pinger = Pinger([hub.url], start=False)
    pinger.notify(TOPICS[:1])
    assert pinger.deliver_due() == 0
    assert pinger.pending == frozenset()
    assert len(hub.posts) == 1
    pinger.close()


def test_unreachable_hub_costs_one_attempt_per_round() -> None:
    calls: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        raise httpx.ConnectError("refused", request=request)

    clock = FakeClock()
    pinger = Pinger(
        ["https://dead.example/"], transport=httpx.MockTransport(refuse), clock=clock, start=False
    )
    pinger.notify([f"https://paper.example/sections/{n}.atom" for n in range(20)])
    pinger.deliver_due()
    assert len(calls) == 1  # the other 19 wait for the next round
    assert len(pinger.pending) == 20
    pinger.close(timeout=0.1)


def test_bad_topic_is_refused_up_front(hubs: Callable[..., Hub]) -> None:
    pinger = Pinger([hubs().url], start=False)
    with pytest.raises(ValueError, match="absolute"):
        pinger.notify(["feed.atom"])
    assert pinger.pending == frozenset()
    pinger.close()


def test_no_hubs_no_thread_no_pings() -> None:
    pinger = Pinger([])
    pinger.notify(TOPICS)
    assert pinger.pending == frozenset()
    assert pinger.close(timeout=0.1)


def test_from_settings(hubs: Callable[..., Hub]) -> None:
    hub = hubs()
    settings = Settings(
        paper=PaperSettings(name="钱塘新区报", tag_authority="paper.example,2023"),
        feeds=FeedSettings(hubs=(hub.url,)),
        daemon=DaemonSettings(ping_timeout=1.5, ping_retries=7),
    )
    pinger = Pinger.from_settings(settings, start=False)
    assert pinger.hubs == (hub.url,) and pinger.retries == 7
    pinger.notify(TOPICS[:1])
    assert pinger.deliver_due() == 1
    pinger.close()


def test_bad_hub_in_settings_is_a_config_error() -> None:
    # refused when the settings are made (issue 9, item 12), so no Pinger ever sees it
    with pytest.raises((ConfigError, ValueError), match=r"feeds\.hubs"):
        settings = Settings(
            paper=PaperSettings(name="钱塘新区报", tag_authority="paper.example,2023"),
            feeds=FeedSettings(hubs=("hub.example",)),
        )
        Pinger.from_settings(settings, start=False)


def test_close_stops_at_its_deadline() -> None:
    clock = FakeClock()
    calls: list[str] = []

    def slow(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        clock.now += 5.0  # every ping takes 5 s of the clock
        return httpx.Response(204)

    pinger = Pinger(["https://hub.example/"], transport=httpx.MockTransport(slow), clock=clock, start=False)
    pinger.notify([f"https://paper.example/sections/{n}.atom" for n in range(10)])
    assert pinger.close(timeout=12.0) is False
    assert len(calls) == 3  # at 0, 5 and 10 s; the deadline passed at 12
    assert len(pinger.pending) == 7


def test_notify_after_close_is_ignored(hubs: Callable[..., Hub]) -> None:
    hub = hubs()
    pinger = Pinger([hub.url])
    assert pinger.close(timeout=1.0)
    pinger.notify(TOPICS)
    assert pinger.pending == frozenset()
    assert pinger.close(timeout=0.1)  # twice is fine
    assert hub.posts == []
