"""Helpers for end-to-end tests: free ports, a temporary instance's config, a WebSub hub stub."""

from __future__ import annotations

import http.server
import os
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "pages" / "qiantang-2023-06-26-p1.txt"


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a child feedsvc process: it imports the code of this checkout (the one
    the suite runs from), whatever copy a shared venv has installed, whatever its working folder."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    inherited = os.environ.get("PYTHONPATH")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + inherited if inherited else "")
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(
    folder: Path,
    *,
    port: int,
    hubs: list[str] = (),  # type: ignore[assignment]
    scan_interval: float = 0.3,
    search: bool = False,
) -> Path:
    """A config for an instance living in `folder` (relative paths resolve against the cwd). The
    search index is off unless `search` (indexing costs seconds per ingest on a busy machine)."""
    base = (ROOT / "config" / "feedsvc.toml").read_text(encoding="utf-8")
    base = base.replace('base_url = "http://127.0.0.1:8000/"', f'base_url = "http://127.0.0.1:{port}/"')
    base = base.replace("port = 8000", f"port = {port}")
    base = base.replace("scan_interval = 2.0", f"scan_interval = {scan_interval}")
    base = base.replace("hubs = []", "hubs = [" + ", ".join(f'"{h}"' for h in hubs) + "]")
    base = base.replace("search = true", f"search = {'true' if search else 'false'}")
    path = folder / "config" / "feedsvc.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(base, encoding="utf-8")
    return path


def drop(inbox: Path, name: str, data: bytes) -> Path:
    """Deliver a file the way an uploader should: write `.part`, then rename into place."""
    inbox.mkdir(parents=True, exist_ok=True)
    part = inbox / f"{name}.part"
    part.write_bytes(data)
    final = inbox / name
    part.rename(final)
    return final


def wait_for(what: str, check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class HubStub:
    """A WebSub hub on 127.0.0.1 that records every publish ping it receives."""

    def __init__(self) -> None:
        self.topics: list[str] = []
        self.lock = threading.Lock()
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
                form = urllib.parse.parse_qs(body)
                with stub.lock:
                    if form.get("hub.mode") == ["publish"]:
                        stub.topics.extend(form.get("hub.url", []))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def take(self) -> list[str]:
        with self.lock:
            topics, self.topics = self.topics, []
        return topics

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# ----------------------------------------------------------------------------------------------
# An instance on temporary folders, served in this process; real programs it is checked with.

LOCAL_ENV = {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


def need_program(name: str, package: str) -> str:
    """The path of `name`, or a failed test saying which Debian package provides it (not a skip:
    a check that silently does not run proves nothing)."""
    import shutil

    import pytest

    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"{name} is not installed: apt-get install {package} (.ci/run installs it)", pytrace=False
        )
    return path


class ServedInstance:
    """feedsvc on `folder` (config, store, output), its output folder served on 127.0.0.1.

    The server runs from the start (an empty folder serves 404), so the port is bound before
    anything is published and the absolute links in the output name the port really served.
    Commands run as the real CLI in a subprocess (`cli`). Stop with `stop()`, or use it in a
    `with` block.
    """

    def __init__(self, folder: Path, *, attempts: int = 5, search: bool = False) -> None:
        from feedsvc.config import load_settings
        from feedsvc.errors import FeedsvcError
        from feedsvc.serve import start_in_thread

        self.folder = folder
        for attempt in range(attempts):
            port = free_port()
            self.config = write_config(folder, port=port, search=search)
            self.settings = load_settings(self.config, cwd=folder)
            try:
                self.server = start_in_thread(self.settings.paths.output, self.settings, "127.0.0.1", port)
                break
            except FeedsvcError:  # someone took the port in between: another one
                if attempt == attempts - 1:
                    raise
        self.url = self.server.url  # http://127.0.0.1:PORT/

    @property
    def output(self) -> Path:
        return self.settings.paths.output

    def cli(self, *args: str, timeout: float = 60.0) -> str:
        """`feedsvc --config … ARGS` in the instance's folder; its stdout. Fails on a non-zero exit."""
        import subprocess
        import sys

        done = subprocess.run(
            [sys.executable, "-m", "feedsvc.cli", "--config", str(self.config), *args],
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env=child_env(),
        )
        assert done.returncode == 0, f"feedsvc {' '.join(args)}: exit {done.returncode}\n{done.stderr}"
        return done.stdout

    def stop(self) -> None:
        assert self.server.stop(), "the HTTP server did not stop"

    def __enter__(self) -> ServedInstance:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
