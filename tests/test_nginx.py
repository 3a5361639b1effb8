"""The nginx site of `feedsvc deploy nginx` under the real nginx binary (CI installs nginx; missing
nginx fails). Requests carry `Host: feeds.test`, the host of the paper's base_url.

nginx runs in the foreground with its own prefix, pid, logs and temp folders under tmp_path, on
127.0.0.1 and a free port, and is stopped (SIGQUIT, then SIGKILL) at the end.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from feedsvc import cli
from feedsvc.config import Settings
from feedsvc.deploy import nginx_site
from feedsvc.errors import ConfigError

NGINX = Path("/usr/sbin/nginx")
HUB = "https://hub.example/"
SECRET = "TOP-SECRET-OUTSIDE-THE-FOLDER"
HOST = "feeds.test"

pytestmark = pytest.mark.e2e

ATOM = (
    '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
    + "<entry><title>钱塘新区报 要闻</title></entry>" * 20
    + "</feed>\n"
)
RSS = (
    '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
    + "<item/>" * 40
    + "</channel></rss>\n"
)
JSON = '{"version": "https://jsonfeed.org/version/1.1", "title": "钱塘新区报", "items": []}\n' + " " * 300
OPML = (
    '<?xml version="1.0" encoding="utf-8"?>\n<opml version="2.0"><body>'
    + ('<outline text="要闻" xmlUrl="https://paper.example/sections/yaowen.atom"/>' * 10)
    + "</body></opml>\n"
)
HTML = "<!doctype html><meta charset=utf-8><title>钱塘新区报</title>" + "<p>要闻</p>" * 50 + "\n"

MAIN_CONF = """\
{user}
daemon off;
master_process on;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log notice;
events {{ worker_connections 64; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {site};
}}
"""


@dataclass
class Nginx:
    url: str
    port: int
    root: Path
    error_log: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fill(root: Path, outside: Path) -> None:
    files = {
        "feed.atom": ATOM,
        "feed.json": JSON,
        "feed.rss": RSS,
        "feeds.opml": OPML,
        "index.html": HTML,
        "sections/yaowen.atom": ATOM,
        "archive/feed/1.atom": ATOM,
        ".feed.atom.tmp": SECRET,
        ".hidden/feed.atom": SECRET,
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (outside / "secret.txt").write_text(SECRET, encoding="utf-8")
    (root / "leak.atom").symlink_to(outside / "secret.txt")


def wait_listening(proc: subprocess.Popen[bytes], port: int, error_log: Path, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log = error_log.read_text() if error_log.exists() else ""
            raise RuntimeError(f"nginx exited with {proc.returncode}:\n{log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"nginx did not listen on 127.0.0.1:{port} within {timeout} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGQUIT)  # graceful shutdown
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture(scope="module")
def nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nginx]:
    if not NGINX.exists():
        pytest.fail(f"{NGINX} not found: install the Debian package nginx-light (CI installs it)")
    tmp = tmp_path_factory.mktemp("nginx")
    root = tmp / "feeds"
    root.mkdir()
    fill(root, tmp)
    error_log = tmp / "error.log"
    proc: subprocess.Popen[bytes] | None = None
    for _ in range(3):  # the free port may be taken between probing and nginx binding it
        port = free_port()
        site = tmp / "feedsvc.conf"
        paper = _settings(root, f"http://{HOST}/", [HUB])
        site.write_text(nginx_site(tmp / "feedsvc.toml", {"paper": paper}, listen=f"127.0.0.1:{port}"))
        conf = tmp / "nginx.conf"
        user = "user root root;" if os.geteuid() == 0 else ""
        conf.write_text(MAIN_CONF.format(user=user, tmp=tmp, site=site), encoding="utf-8")
        check = subprocess.run(
            [str(NGINX), "-t", "-p", str(tmp), "-c", str(conf), "-e", str(error_log)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert check.returncode == 0, f"nginx -t rejected the config:\n{check.stderr}"
        proc = subprocess.Popen(
            [str(NGINX), "-p", str(tmp), "-c", str(conf), "-e", str(error_log)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_listening(proc, port, error_log)
            break
        except RuntimeError:
            stop(proc)
            if "Address already in use" not in error_log.read_text():
                raise
    assert proc is not None and proc.poll() is None
    try:
        yield Nginx(url=f"http://{HOST}", port=port, root=root, error_log=error_log)
    finally:
        stop(proc)


@pytest.fixture
def client(nginx: Nginx) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://127.0.0.1:{nginx.port}", headers={"Host": HOST}, timeout=5.0) as c:
        yield c


@pytest.mark.parametrize(
    ("path", "media_type", "body"),
    [
        ("/feed.atom", "application/atom+xml; charset=utf-8", ATOM),
        ("/feed.json", "application/feed+json; charset=utf-8", JSON),
        ("/feed.rss", "application/rss+xml; charset=utf-8", RSS),
        ("/feeds.opml", "text/x-opml; charset=utf-8", OPML),
        ("/index.html", "text/html; charset=utf-8", HTML),
        ("/", "text/html; charset=utf-8", HTML),
    ],
)
def test_media_types(client: httpx.Client, path: str, media_type: str, body: str) -> None:
    response = client.get(path, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert "content-encoding" not in response.headers
    assert response.text == body


@pytest.mark.parametrize("path", ["/feed.atom", "/feed.json", "/feeds.opml", "/index.html"])
def test_gzip_when_asked(client: httpx.Client, path: str) -> None:
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    zipped = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in zipped.headers["vary"].lower()
    assert zipped.text == plain.text  # httpx decodes
    assert zipped.headers["content-type"] == plain.headers["content-type"]


def test_link_header_on_feeds(client: httpx.Client, nginx: Nginx) -> None:
    for path in ("/feed.atom", "/feed.json", "/feed.rss", "/sections/yaowen.atom", "/archive/feed/1.atom"):
        link = client.get(path).headers["link"]
        assert link == f'<{nginx.url}{path}>; rel="self", <{HUB}>; rel="hub"'
    for path in ("/", "/index.html", "/feeds.opml"):
        assert "link" not in client.get(path).headers


@pytest.mark.parametrize(
    ("path", "cache_control"),
    [
        ("/feed.atom", "public, max-age=300"),
        ("/feeds.opml", "public, max-age=300"),
        ("/archive/feed/1.atom", "public, max-age=86400"),
        ("/", "public, max-age=60"),
        ("/index.html", "public, max-age=60"),
    ],
)
def test_cache_control(client: httpx.Client, path: str, cache_control: str) -> None:
    assert client.get(path).headers["cache-control"] == cache_control


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_conditional_get_with_the_etag(client: httpx.Client, encoding: str) -> None:
    first = client.get("/feed.atom", headers={"Accept-Encoding": encoding})
    etag = first.headers["etag"]
    assert etag.startswith("W/" if encoding == "gzip" else '"')
    assert first.headers["last-modified"].endswith("GMT")

    again = client.get("/feed.atom", headers={"Accept-Encoding": encoding, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["cache-control"] == "public, max-age=300"

    since = client.get(
        "/feed.atom",
        headers={"Accept-Encoding": encoding, "If-Modified-Since": first.headers["last-modified"]},
    )
    assert since.status_code == 304

    stale = client.get("/feed.atom", headers={"Accept-Encoding": encoding, "If-None-Match": '"other"'})
    assert stale.status_code == 200


@pytest.mark.parametrize(
    "path", ["/.feed.atom.tmp", "/.hidden/feed.atom", "/%2ehidden/feed.atom", "/leak.atom", "/missing.atom"]
)
def test_hidden_escaping_and_missing(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (403, 404)
    assert SECRET not in response.text


def _settings(output: Path, base_url: str, hubs: list[str]) -> Settings:
    return Settings(
        paper={"name": "钱塘新区报", "tag_authority": "paper.example,2023", "base_url": base_url},
        paths={"output": output},
        feeds={"hubs": hubs},
    )


def test_the_site_refuses_what_nginx_would_misread(tmp_path: Path) -> None:
    def render(base_url: str, hubs: list[str]) -> str:
        return nginx_site(tmp_path / "feedsvc.toml", {"p": _settings(tmp_path, base_url, hubs)})

    with pytest.raises(ConfigError, match="--listen"):  # hubs and base_url are made ASCII-safe by config
        nginx_site(tmp_path, {"p": _settings(tmp_path, "https://x/", [])}, listen="80; return 200")
    with pytest.raises(ConfigError, match="loopback"):
        render("http://127.0.0.1:8000/", [])
    with pytest.raises(ConfigError, match="absolute"):
        nginx_site(tmp_path, {"p": _settings(Path("feeds"), "https://x/", [])})
    text = render("https://example.com/", [])
    assert "@" not in text.replace("@system", "")
    assert 'set $feedsvc_origin "https://example.com";' in text
    assert f'root "{tmp_path}";' in text and "server_name example.com;" in text
    two = render("https://example.com/paper/", ["https://a.example/", "https://b.example/"])
    assert (
        'set $feedsvc_hub_links ", <https://a.example/>; rel=\\"hub\\", <https://b.example/>; rel=\\"hub\\"";'
        in two
    )
    assert "location /paper/ {" in two and f'alias "{tmp_path}/";' in two


def test_deploy_nginx_fills_from_the_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "feedsvc.toml"
    config.write_text(
        '[paper]\nname = "钱塘新区报"\ntag_authority = "paper.example,2023"\n'
        'base_url = "https://feeds.paper.example/"\n'
        '[paths]\noutput = "out"\n'
        '[feeds]\nhubs = ["https://hub.example/"]\n',
        encoding="utf-8",
    )
    assert cli.main(["--config", str(config), "deploy", "nginx", "--listen", "8080"]) == 0
    text = capsys.readouterr().out
    assert "listen 8080;" in text
    assert "server_name feeds.paper.example;" in text
    assert f'root "{Path.cwd() / "out"}";' in text  # relative folders: the working folder's
    assert 'set $feedsvc_hub_links ", <https://hub.example/>; rel=\\"hub\\"";' in text

    assert cli.main(["--config", str(tmp_path / "missing.toml"), "deploy", "nginx"]) == 2
    assert "configuration file not found" in capsys.readouterr().err
