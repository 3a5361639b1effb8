"""Issue 9, items 9 and 13: the HTTP server against idle connections, floods and odd requests.

A real uvicorn on 127.0.0.1 (free port) in a thread, as `feedsvc run --serve` runs it.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.staticfiles import StaticFiles

from feedsvc.config import PaperSettings, ServeSettings, Settings
from feedsvc.logs import RateLimited, RepeatFilter
from feedsvc.serve import ServerHandle, accepts_gzip, start_in_thread

pytestmark = pytest.mark.e2e

ATOM = (
    '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
    + "<entry/>" * 200
    + "</feed>\n"
)


def settings(**serve: float) -> Settings:
    return Settings(
        paper=PaperSettings(
            name="钱塘新区报", tag_authority="paper.example,2023", base_url="https://paper.example/"
        ),
        serve=ServeSettings(**serve),  # type: ignore[arg-type]
    )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "feeds"
    (root / "sections").mkdir(parents=True)
    (root / "feed.atom").write_text(ATOM, encoding="utf-8")
    (root / "sections" / "index.html").write_text("<!doctype html><p>sections</p>\n", encoding="utf-8")
    return root


@pytest.fixture
def server(root: Path) -> Iterator[ServerHandle]:
    handle = start_in_thread(root, settings(max_connections=20, header_timeout=1.0), host="127.0.0.1", port=0)
    try:
        yield handle
    finally:
        handle.stop(timeout=5.0)


def closed_by_server(sock: socket.socket, deadline: float) -> bool:
    """Wait until the server closes `sock` (EOF or reset), up to `deadline` (monotonic)."""
    sock.settimeout(0.2)
    while time.monotonic() < deadline:
        try:
            if sock.recv(1) == b"":
                return True
        except TimeoutError:
            continue
        except ConnectionError:
            return True
    return False


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


# ------------------------------------------------------------------------------------ item 9


def test_idle_connections_are_closed_and_capped(server: ServerHandle) -> None:
    """Before: a connection that sent nothing stayed open for good, one file descriptor each, so
    ~1,000 of them ended serving (and the daemon's inbox scan: EMFILE)."""
    base = open_fds()
    idle = [socket.create_connection((server.host, server.port)) for _ in range(60)]
    try:
        deadline = time.monotonic() + 10
        # beyond the cap (20) the server closes new connections at once; the rest after 1 s
        assert all(closed_by_server(s, deadline) for s in idle)
        assert open_fds() <= base + len(idle) + 5  # the server holds none of them now
        with httpx.Client(base_url=server.url, timeout=5.0) as client:
            assert client.get("/feed.atom").status_code == 200  # and it still serves
    finally:
        for s in idle:
            s.close()


def test_a_slow_request_head_is_cut_off(server: ServerHandle) -> None:
    with socket.create_connection((server.host, server.port)) as sock:
        sock.sendall(b"GET /feed.atom HTTP/1.1\r\nHost: x\r\n")  # never the blank line
        assert closed_by_server(sock, time.monotonic() + 10)


def test_a_keep_alive_connection_serves_several_requests(server: ServerHandle) -> None:
    with httpx.Client(base_url=server.url, timeout=5.0) as client:
        for _ in range(3):
            assert client.get("/feed.atom").status_code == 200


def test_a_repeated_error_is_logged_once_per_interval(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    logger = logging.getLogger("feedsvc.test.flood")
    logger.setLevel(logging.INFO)
    handler = logging.Handler()
    records: list[logging.LogRecord] = []
    handler.emit = records.append  # type: ignore[method-assign]
    handler.addFilter(RepeatFilter(interval=60.0, clock=lambda: now[0]))
    logger.addHandler(handler)
    try:
        for _ in range(1000):
            logger.error("socket.accept() out of system resource")
        logger.info("taken: a.txt")
        logger.info("taken: a.txt")  # information is never held back
        now[0] += 61
        logger.error("socket.accept() out of system resource")
    finally:
        logger.removeHandler(handler)
    texts = [r.getMessage() for r in records]
    assert texts.count("socket.accept() out of system resource") == 1
    assert texts.count("taken: a.txt") == 2
    assert texts[-1].endswith("[repeated 999 more times in the last 60 s, not logged]")

    limited = RateLimited(logging.getLogger("feedsvc.test.limited"), clock=lambda: now[0])
    caplog.set_level(logging.ERROR)
    for _ in range(50):
        limited.error("inbox scan failed: %s", "EMFILE")
    assert caplog.text.count("inbox scan failed: EMFILE") == 1


# ------------------------------------------------------------------------------------ item 13


def test_a_file_replaced_after_its_stat_is_served_whole(
    server: ServerHandle, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The publisher replaces a file (shorter) between the server's stat and its open: before, the
    old length went out with the new bytes (a short read and a traceback)."""
    real = StaticFiles.lookup_path
    shorter = '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"/>\n'

    def lookup_then_replace(self: StaticFiles, path: str) -> tuple[str, os.stat_result | None]:
        found = real(self, path)
        if path == "feed.atom":
            tmp = root / ".feed.atom.tmp"
            tmp.write_text(shorter, encoding="utf-8")
            os.replace(tmp, root / "feed.atom")
        return found

    monkeypatch.setattr(StaticFiles, "lookup_path", lookup_then_replace)
    with httpx.Client(base_url=server.url, timeout=5.0) as client:
        response = client.get("/feed.atom", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.text == shorter
    assert int(response.headers["content-length"]) == len(shorter.encode())


@pytest.mark.parametrize(
    ("accept", "gzipped"),
    [("gzip", True), ("gzip;q=0", False), ("gzip; q=0.0, identity", False), ("br, gzip;q=0.5", True),
     ("identity", False), ("*", False), ("deflate, gzip;q=0, *;q=1", False)],
)  # fmt: skip
def test_gzip_only_when_accepted(server: ServerHandle, accept: str, gzipped: bool) -> None:
    assert accepts_gzip(accept) is gzipped
    with httpx.Client(base_url=server.url, timeout=5.0) as client:
        response = client.get("/feed.atom", headers={"Accept-Encoding": accept})
    assert response.status_code == 200
    assert (response.headers.get("content-encoding") == "gzip") is gzipped


def test_a_redirect_never_echoes_the_host_header(server: ServerHandle) -> None:
    with socket.create_connection((server.host, server.port)) as sock:
        sock.sendall(b"GET /sections HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()
    assert head.startswith("http/1.1 307")
    assert "location: /sections/" in head and "evil.example" not in head
