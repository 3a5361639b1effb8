"""feedsvc.serve against a real uvicorn on 127.0.0.1 (free port), checked with httpx."""

from __future__ import annotations

import gzip
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from feedsvc.config import FeedSettings, PaperSettings, Settings
from feedsvc.errors import FeedsvcError
from feedsvc.serve import ServerHandle, link_header, start_in_thread

BASE = "https://paper.example/"
HUB = "https://hub.example/"
SECRET = "TOP-SECRET-OUTSIDE-THE-FOLDER"

pytestmark = pytest.mark.e2e

ATOM = (
    '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
    + "<entry><title>钱塘新区报 要闻</title></entry>" * 20
    + "</feed>\n"
)
JSON = (
    json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "钱塘新区报",
            "items": [{"id": str(i), "content_text": f"要闻 {i}"} for i in range(30)],
        },
        ensure_ascii=False,
    )
    + "\n"
)
OPML = (
    '<?xml version="1.0" encoding="utf-8"?>\n<opml version="2.0"><body>'
    + ('<outline text="要闻" xmlUrl="https://paper.example/sections/yaowen.atom"/>' * 10)
    + "</body></opml>\n"
)
HTML = "<!doctype html><meta charset=utf-8><title>钱塘新区报</title>" + "<p>要闻</p>" * 50 + "\n"


def make_settings(hubs: tuple[str, ...] = (HUB,)) -> Settings:
    return Settings(
        paper=PaperSettings(name="钱塘新区报", tag_authority="paper.example,2023", base_url=BASE),
        feeds=FeedSettings(hubs=hubs),
    )


def fill(root: Path) -> None:
    files = {
        "feed.atom": ATOM,
        "feed.json": JSON,
        "feeds.opml": OPML,
        "index.html": HTML,
        "sections/yaowen.atom": ATOM,
        "sections/yaowen.json": JSON,
        "sections/yaowen.html": HTML,
        "archive/feed/1.atom": ATOM,
        "articles/2024/05/01/p1-1.html": HTML,
        ".feed.atom.tmp": SECRET,
        ".hidden/feed.atom": SECRET,
        "sections/.draft.atom": SECRET,
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp_path = tmp_path_factory.mktemp("serve")
    root = tmp_path / "feeds"
    fill(root)
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    (root / "leak.atom").symlink_to(tmp_path / "secret.txt")
    (root / "leakdir").symlink_to(tmp_path)
    (root / "alias.atom").symlink_to(root / "feed.atom")  # inside the folder: fine
    return root


@pytest.fixture(scope="module")
def server(root: Path) -> Iterator[ServerHandle]:
    handle = start_in_thread(root, make_settings(), host="127.0.0.1", port=0)
    try:
        yield handle
    finally:
        assert handle.stop(timeout=5.0)


@pytest.fixture
def client(server: ServerHandle) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=5.0) as c:
        yield c


def raw_get(server: ServerHandle, target: str) -> tuple[int, bytes]:
    """GET with the request target sent as is (httpx would normalise dot segments)."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5.0)
    try:
        conn.putrequest("GET", target, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("path", "media_type", "body"),
    [
        ("/feed.atom", "application/atom+xml; charset=utf-8", ATOM),
        ("/feed.json", "application/feed+json; charset=utf-8", JSON),
        ("/feeds.opml", "text/x-opml; charset=utf-8", OPML),
        ("/index.html", "text/html; charset=utf-8", HTML),
        ("/", "text/html; charset=utf-8", HTML),
        ("/sections/yaowen.html", "text/html; charset=utf-8", HTML),
        ("/archive/feed/1.atom", "application/atom+xml; charset=utf-8", ATOM),
    ],
)
def test_media_types(client: httpx.Client, path: str, media_type: str, body: str) -> None:
    response = client.get(path, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert response.text == body
    assert "content-encoding" not in response.headers


def test_head_has_headers_no_body(client: httpx.Client) -> None:
    response = client.head("/feed.atom")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert response.headers["content-length"] == str(len(ATOM.encode()))
    assert response.content == b""


def test_etag_and_conditional_get(client: httpx.Client) -> None:
    identity = {"Accept-Encoding": "identity"}
    first = client.get("/feed.json", headers=identity)
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"') and last_modified.endswith("GMT")

    again = client.get("/feed.json", headers={**identity, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == "public, max-age=300"

    since = client.get("/feed.json", headers={**identity, "If-Modified-Since": last_modified})
    assert since.status_code == 304

    stale = client.get("/feed.json", headers={**identity, "If-None-Match": '"not-it"'})
    assert stale.status_code == 200 and stale.text == JSON


def test_etag_changes_when_the_file_changes(client: httpx.Client, root: Path) -> None:
    path = root / "sections" / "changing.atom"
    path.write_text(ATOM, encoding="utf-8")
    os.utime(path, (1_600_000_000, 1_600_000_000))
    etag = client.get("/sections/changing.atom").headers["etag"]
    path.write_text(ATOM + "<!-- changed -->\n", encoding="utf-8")
    os.utime(path, (1_700_000_000, 1_700_000_000))
    response = client.get("/sections/changing.atom", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.text.endswith("<!-- changed -->\n")


def test_gzip_when_asked(client: httpx.Client) -> None:
    plain = client.get("/feed.atom", headers={"Accept-Encoding": "identity"})
    zipped = client.get("/feed.atom", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in zipped.headers["vary"].lower()
    assert zipped.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert int(zipped.headers["content-length"]) < len(ATOM.encode())
    assert zipped.text == ATOM  # httpx decodes
    # the gzip body differs from the identity body: weak validator, as nginx does
    assert zipped.headers["etag"] == "W/" + plain.headers["etag"]
    assert "link" in zipped.headers and "cache-control" in zipped.headers

    revalidated = client.get(
        "/feed.atom", headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["etag"]}
    )
    assert revalidated.status_code == 304
    assert revalidated.headers["etag"] == zipped.headers["etag"]


def test_gzip_raw_bytes(server: ServerHandle) -> None:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5.0)
    try:
        conn.request("GET", "/feeds.opml", headers={"Accept-Encoding": "gzip"})
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    assert response.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(body).decode("utf-8") == OPML


def test_link_headers_on_feeds(client: httpx.Client) -> None:
    for path in ("/feed.atom", "/feed.json", "/sections/yaowen.atom", "/archive/feed/1.atom"):
        link = client.get(path).headers["link"]
        assert link == f'<{BASE}{path[1:]}>; rel="self", <{HUB}>; rel="hub"'
    for path in ("/", "/index.html", "/feeds.opml", "/sections/yaowen.html"):
        assert "link" not in client.get(path).headers


def test_link_header_shape() -> None:
    from pathlib import PurePosixPath

    value = link_header(
        "https://x.example/", PurePosixPath("contributors/张三.atom"), ["https://h1/", "https://h2/"]
    )
    assert value == (
        '<https://x.example/contributors/%E5%BC%A0%E4%B8%89.atom>; rel="self", '
        '<https://h1/>; rel="hub", <https://h2/>; rel="hub"'
    )
    assert link_header("https://x.example/", PurePosixPath("feed.atom"), []) == (
        '<https://x.example/feed.atom>; rel="self"'
    )


@pytest.mark.parametrize(
    ("path", "cache_control"),
    [
        ("/feed.atom", "public, max-age=300"),
        ("/sections/yaowen.json", "public, max-age=300"),
        ("/feeds.opml", "public, max-age=300"),
        ("/archive/feed/1.atom", "public, max-age=86400"),
        ("/", "public, max-age=60"),
        ("/articles/2024/05/01/p1-1.html", "public, max-age=60"),
    ],
)
def test_cache_control(client: httpx.Client, path: str, cache_control: str) -> None:
    assert client.get(path).headers["cache-control"] == cache_control


@pytest.mark.parametrize(
    "target",
    [
        "/../secret.txt",
        "/sections/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/sections/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/.%2e/secret.txt",
        "//etc/passwd",
        "/%2fetc/passwd",
        "/leak.atom",
        "/leakdir/secret.txt",
        "/.feed.atom.tmp",
        "/.hidden/feed.atom",
        "/%2ehidden/feed.atom",
        "/sections/.draft.atom",
        "/feed.atom%00.html",
        "/nothing-here.atom",
        "/sections/",  # a folder without index.html
    ],
)
def test_nothing_outside_or_hidden(server: ServerHandle, target: str) -> None:
    status, body = raw_get(server, target)
    assert status == 404
    assert SECRET.encode() not in body


def test_symlink_within_the_folder_is_served(client: httpx.Client) -> None:
    response = client.get("/alias.atom")
    assert response.status_code == 200 and response.text == ATOM


def test_only_get_and_head(client: httpx.Client) -> None:
    assert client.post("/feed.atom", content=b"x").status_code == 405


def test_missing_folder_serves_404_until_it_exists(tmp_path: Path) -> None:
    root = tmp_path / "not-yet"
    handle = start_in_thread(root, make_settings(hubs=()), host="127.0.0.1", port=0)
    with handle, httpx.Client(base_url=handle.url, timeout=5.0) as c:
        assert c.get("/feed.atom").status_code == 404
        fill(root)
        response = c.get("/feed.atom")
        assert response.status_code == 200
        assert response.headers["link"] == f'<{BASE}feed.atom>; rel="self"'


def test_stop_closes_the_port(root: Path) -> None:
    handle = start_in_thread(root, make_settings(), host="127.0.0.1", port=0)
    assert handle.running
    assert httpx.get(handle.url + "feed.atom", timeout=5.0).status_code == 200
    assert handle.stop(timeout=5.0)
    assert not handle.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(handle.url + "feed.atom", timeout=2.0)


def test_busy_port_is_a_clear_error(root: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(FeedsvcError, match=f"cannot listen on 127.0.0.1:{port}"):
            start_in_thread(root, make_settings(), host="127.0.0.1", port=port)


SERVE_SCRIPT = """
import logging, sys
from pathlib import Path
from feedsvc.config import FeedSettings, PaperSettings, Settings
from feedsvc.serve import serve
logging.basicConfig(level=logging.INFO)
settings = Settings(
    paper=PaperSettings(name="x", tag_authority="paper.example,2023", base_url="https://paper.example/"),
    feeds=FeedSettings(hubs=()),
)
serve(Path(sys.argv[1]), settings, "127.0.0.1", int(sys.argv[2]))
"""


def test_serve_in_the_foreground_stops_on_sigterm(root: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE_SCRIPT, str(root), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10.0
        while True:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/feed.atom", timeout=1.0)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.05)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
