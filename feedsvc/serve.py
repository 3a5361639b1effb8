"""HTTP serving of the output folder: a starlette app under uvicorn.

`make_app` builds the ASGI app, `serve` runs it in the foreground (`feedsvc serve`) and
`start_in_thread` runs it beside the daemon (`feedsvc run --serve`) with a handle to stop it.

What the app adds to starlette's `StaticFiles` (which already does ETag, Last-Modified, 304 on
If-None-Match / If-Modified-Since, HEAD, ranges and the realpath containment check):

* the feed media types with `charset=utf-8` (`MEDIA_TYPES`), `/` and directories serve index.html;
* `Cache-Control` by kind of file (`cache_control_for`);
* on feed documents (`*.atom`, `*.json`) a `Link` header: the canonical `rel="self"` URL under
  `paper.base_url` (the same URL the WebSub pinger announces) and one `rel="hub"` per
  `feeds.hubs` entry, so subscribers can discover the hubs;
* gzip when the client accepts it (`GZipMiddleware`); a gzipped body gets a weak ETag, as nginx
  does, because its bytes differ from the identity body's;
* every path segment starting with `.` is refused (404), symlinks leading out of the folder too.

`feedsvc deploy nginx` (deploy.py) prints an nginx site sending the same headers, for serving
the folder with nginx instead.
"""

from __future__ import annotations

import logging
import os
import socket
import stat
import threading
import time
import types
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO
from urllib.parse import quote

import anyio
import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from feedsvc.config import Settings
from feedsvc.errors import FeedsvcError
from feedsvc.httpguard import guarded_protocol, raise_file_limit
from feedsvc.signals import StopSignals

log = logging.getLogger(__name__)

MEDIA_TYPES: dict[str, str] = {
    ".atom": "application/atom+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}
FEED_SUFFIXES = frozenset({".atom", ".rss", ".json"})

CACHE_FEED = "public, max-age=300"
CACHE_ARCHIVE = "public, max-age=86400"
CACHE_HTML = "public, max-age=60"

GZIP_MINIMUM_SIZE = 256


def cache_control_for(rel: PurePosixPath) -> str:
    """Cache-Control for a file at `rel` (relative to the output folder).

    Archive pages (RFC 5005) change rarely: a day. Subscription feeds and feeds.opml: five
    minutes, about one scan of a reader. HTML pages and anything else: one minute.
    """
    if rel.suffix in FEED_SUFFIXES and rel.parts[:1] == ("archive",):
        return CACHE_ARCHIVE
    if rel.suffix in FEED_SUFFIXES or rel.suffix == ".opml":
        return CACHE_FEED
    return CACHE_HTML


def self_url(base_url: str, rel: PurePosixPath) -> str:
    """The canonical absolute URL of the output file `rel`: `paper.base_url` + path."""
    return base_url.rstrip("/") + "/" + quote(rel.as_posix(), safe="/")


def link_header(base_url: str, rel: PurePosixPath, hubs: Sequence[str]) -> str:
    """`Link` value for a feed document: rel="self" first, then one rel="hub" per hub."""
    links = [f'<{self_url(base_url, rel)}>; rel="self"']
    links += [f'<{hub}>; rel="hub"' for hub in hubs]
    return ", ".join(links)


def _hidden(parts: Sequence[str]) -> bool:
    return any(part.startswith(".") and part != "." for part in parts)


class FeedFiles(StaticFiles):
    """`StaticFiles` over the output folder with feed media types and headers.

    The folder may not exist yet (before the first publish): requests then get 404 rather than
    starlette's configuration error, and files appear as soon as the publisher writes them.
    """

    def __init__(self, root: Path, *, base_url: str, hubs: Sequence[str] = ()) -> None:
        super().__init__(directory=root, html=True, check_dir=False, follow_symlink=False)
        self.root = root
        self.base_url = base_url
        self.hubs = tuple(hubs)

    async def check_config(self) -> None:
        # a missing folder is served as an empty one; see the class docstring
        return None

    def get_path(self, scope: Scope) -> str:
        path = super().get_path(scope)
        if _hidden(path.split(os.sep)):
            raise HTTPException(status_code=404)
        return path

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        real_root = Path(os.path.realpath(self.root))
        try:
            rel = PurePosixPath(Path(full_path).relative_to(real_root).as_posix())
        except ValueError:  # lookup_path already refuses this; belt and braces
            raise HTTPException(status_code=404) from None
        if _hidden(rel.parts):
            raise HTTPException(status_code=404)
        headers = {"Cache-Control": cache_control_for(rel)}
        if rel.suffix in FEED_SUFFIXES:
            headers["Link"] = link_header(self.base_url, rel, self.hubs)
        # Serve the file opened now, with its own size and date: the publisher may have replaced
        # it since `lookup_path` looked (a shorter new file under the old length was a short read).
        try:
            fd = os.open(full_path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
        except OSError:
            raise HTTPException(status_code=404) from None
        file = os.fdopen(fd, "rb")
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):
            file.close()
            raise HTTPException(status_code=404)
        response = OpenFileResponse(
            file,
            full_path,
            status_code=status_code,
            headers=headers,
            media_type=MEDIA_TYPES.get(rel.suffix),
            stat_result=opened,
        )
        if status_code == 200 and self.is_not_modified(response.headers, Headers(scope=scope)):
            file.close()
            return NotModifiedResponse(response.headers)
        return response

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if isinstance(response, RedirectResponse):
            # a folder without its slash: never echo the request's Host header into Location
            target = quote(scope.get("root_path", "") + scope["path"] + "/", safe="/")
            response.headers["location"] = target
        return response


class OpenFileResponse(FileResponse):
    """A `FileResponse` sending an already open file (its `stat_result` from `os.fstat`)."""

    def __init__(self, file: BinaryIO, path: str | os.PathLike[str], **kwargs: Any) -> None:
        super().__init__(path, **kwargs)
        self._file = file

    @asynccontextmanager
    async def _open_file(self) -> AsyncIterator[anyio.AsyncFile[bytes]]:
        wrapped = anyio.wrap_file(self._file)
        try:
            yield wrapped
        finally:
            with anyio.CancelScope(shield=True):
                await wrapped.aclose()


def accepts_gzip(accept_encoding: str) -> bool:
    """Does an Accept-Encoding value name gzip with a weight above 0 (RFC 9110 12.5.3: `gzip;q=0`
    refuses it)? Like nginx, gzip is sent only when named, not for `*`."""
    named: float | None = None
    for part in accept_encoding.lower().split(","):
        coding, _, params = part.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    weight = float(value.strip())
                except ValueError:
                    weight = 0.0
        coding = coding.strip()
        if coding in ("gzip", "x-gzip"):
            named = weight if named is None else max(named, weight)
    return named is not None and named > 0


class GzipOnlyIfAccepted:
    """Show `GZipMiddleware` an Accept-Encoding of `gzip` only when the client accepts gzip by
    RFC 9110 (it looks for the substring `gzip`, so `gzip;q=0` got gzip)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw = [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]
            value = Headers(scope=scope).get("accept-encoding", "")
            if accepts_gzip(value):
                raw.append((b"accept-encoding", b"gzip"))
            scope = {**scope, "headers": raw}
        await self.app(scope, receive, send)


class WeakETagWhenEncoded:
    """Make the ETag weak when the body went out content-encoded (gzip).

    A strong ETag promises byte-identical bodies; the gzip body and the identity body differ, so
    the gzip one gets `W/"…"`, as nginx does. A 304 echoes the weak form when the client sent it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if_none_match = Headers(scope=scope).get("if-none-match", "")
        sent_weak = {tag.strip()[2:] for tag in if_none_match.split(",") if tag.strip().startswith("W/")}

        async def send_weak(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=message.setdefault("headers", []))
                etag = headers.get("etag")
                if etag and not etag.startswith("W/"):
                    encoded = "content-encoding" in headers
                    echoed = message["status"] == 304 and etag in sent_weak
                    if encoded or echoed:
                        headers["etag"] = "W/" + etag
            await send(message)

        await self.app(scope, receive, send_weak)


def make_app(root: Path, settings: Settings) -> Starlette:
    """The ASGI app serving the output folder `root` (see the module docstring)."""
    return app_for([Mount("/", app=feed_files(root, settings))])


def feed_files(root: Path, settings: Settings) -> FeedFiles:
    """The files of one paper's output folder `root`, with its base URL and hubs."""
    if not root.is_dir():
        log.warning("output folder %s does not exist yet; serving 404 until it does", root)
    return FeedFiles(root, base_url=settings.paper.base_url, hubs=settings.feeds.hubs)


def app_for(routes: Sequence[BaseRoute]) -> Starlette:
    """The app around `routes` (mounts of `feed_files`): gzip, and weak ETags when encoded."""
    return Starlette(
        routes=list(routes),
        middleware=[
            Middleware(WeakETagWhenEncoded),
            Middleware(GzipOnlyIfAccepted),
            Middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_SIZE),
        ],
    )


def _bind(host: str, port: int) -> socket.socket:
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0][0]
        return socket.create_server((host, port), family=family)
    except OSError as exc:
        raise FeedsvcError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def _server(app: ASGIApp, settings: Settings) -> uvicorn.Server:
    limits = settings.serve
    config = uvicorn.Config(
        app,
        log_config=None,  # the CLI / daemon configures logging
        lifespan="off",
        server_header=False,
        timeout_graceful_shutdown=5,
        http=guarded_protocol(limits.max_connections, limits.header_timeout),
        timeout_keep_alive=limits.keepalive_timeout,
        h11_max_incomplete_event_size=16 * 1024,  # a request head larger than this is refused
    )
    return uvicorn.Server(config)


class ServerHandle:
    """A server running in a background thread; `stop()` shuts it down cleanly."""

    def __init__(self, server: uvicorn.Server, thread: threading.Thread, sock: socket.socket) -> None:
        self._server = server
        self._thread = thread
        self._sock = sock
        address = sock.getsockname()
        self.host: str = address[0]
        self.port: int = address[1]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop accepting, finish open responses, join the thread. False if it outlived `timeout`."""
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(1.0)
        self._sock.close()
        alive = self._thread.is_alive()
        if alive:
            log.warning("HTTP server thread did not stop within %.1f s", timeout)
        return not alive

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        self.stop()


def start_in_thread(
    root: Path,
    settings: Settings,
    host: str | None = None,
    port: int | None = None,
    *,
    startup_timeout: float = 10.0,
    app: ASGIApp | None = None,
) -> ServerHandle:
    """Serve `root` from a daemon thread; returns once the server accepts connections.

    `port=0` picks a free port (read it from `handle.port`). Signals stay with the main thread:
    the caller stops the server with `handle.stop()`. Raises `FeedsvcError` if the address
    cannot be bound or the server does not start within `startup_timeout` seconds. `app`
    replaces `make_app(root, settings)` (several papers: `router.make_papers_app`).
    """
    host = settings.serve.host if host is None else host
    port = settings.serve.port if port is None else port
    raise_file_limit()
    sock = _bind(host, port)
    server = _server(app or make_app(root, settings), settings)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="feedsvc-http", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(1.0)
            sock.close()
            raise FeedsvcError(f"HTTP server on {host}:{port} did not start")
        time.sleep(0.01)
    handle = ServerHandle(server, thread, sock)
    log.info("serving %s on %s", root, handle.url)
    return handle


def serve(
    root: Path,
    settings: Settings,
    host: str | None = None,
    port: int | None = None,
    *,
    app: ASGIApp | None = None,
) -> None:
    """Serve `root` in the foreground until SIGINT or SIGTERM, then stop cleanly and return.

    Defaults: `serve.host`, `serve.port`. Runs the server in a thread (`start_in_thread`) and
    owns the signals itself, so it returns normally after a signal (uvicorn's own handling would
    re-raise the signal and end the process). Main thread only. Raises `FeedsvcError` if the
    address cannot be bound or the server dies.
    """
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("serve() installs signal handlers: call it from the main thread")
    stopping = threading.Event()
    with (
        StopSignals(stopping, "stopping the HTTP server", logger=log),
        start_in_thread(root, settings, host, port, app=app) as handle,
    ):
        while not stopping.wait(0.5):
            if not handle.running:
                raise FeedsvcError("HTTP server stopped unexpectedly")
