"""Several papers, one service: `feedsvc run --serve` on a config listing three papers, one of
which cannot start; the other two ingest, publish and serve, each with its own feeds and ids,
and a bad page in one never stops the other."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.e2e_helpers import ROOT, SAMPLE, drop, free_port, wait_for

pytestmark = pytest.mark.e2e

CONFIG = """\
[instance]
root = "."
[daemon]
scan_interval = 0.3
[serve]
host = "127.0.0.1"
port = {port}

[papers.qiantang]
name = "钱塘新区报"
base_url = "http://127.0.0.1:{port}/qiantang/"
tag_authority = "qiantang.test,2023"

[papers.xiaoshan]
name = "萧山日报"
base_url = "http://127.0.0.1:{port}/xiaoshan/"
tag_authority = "xiaoshan.test,2024"
[papers.xiaoshan.sections]
1 = "头版"

[papers.broken]
name = "坏报"
base_url = "http://127.0.0.1:{port}/broken/"
tag_authority = "broken.test,2024"
[papers.broken.paths]
store = "broken-store"    # a file, not a folder: this paper cannot start
"""


def _items(http: httpx.Client, path: str) -> list[dict[str, object]]:
    try:
        response = http.get(path)
    except httpx.TransportError:  # the server is still starting
        return []
    if response.status_code != 200:
        return []
    items: list[dict[str, object]] = response.json()["items"]
    return items


def _start(tmp_path: Path) -> tuple[subprocess.Popen[bytes], int, Path]:
    """The service on a free port; another port if that one was taken meanwhile."""
    config, log = tmp_path / "feedsvc.toml", tmp_path / "daemon.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FEEDSVC_NOW": "2023-06-27T10:00:00+08:00"}
    for _ in range(5):
        port = free_port()
        config.write_text(CONFIG.format(port=port), encoding="utf-8")
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "feedsvc.cli", "--config", str(config), "run", "--serve"],
                cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_for(
            "the service to listen or fail",
            lambda proc=proc: proc.poll() is not None or "serving" in log.read_text(),
        )
        if proc.poll() is None:
            return proc, port, log
        assert "cannot listen" in log.read_text(), log.read_text()
    raise AssertionError("no free port")


def test_two_papers_one_daemon_one_server(tmp_path: Path) -> None:
    (tmp_path / "broken-store").write_text("not a folder", encoding="utf-8")
    proc, port, log = _start(tmp_path)
    try:
        drop(tmp_path / "xiaoshan" / "inbox", "empty.txt", b"")  # bad input first
        drop(tmp_path / "qiantang" / "inbox", SAMPLE.name, SAMPLE.read_bytes())
        drop(tmp_path / "xiaoshan" / "inbox", SAMPLE.name, SAMPLE.read_bytes())
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            for key in ("qiantang", "xiaoshan"):
                wait_for(f"{key}'s feed", lambda key=key: bool(_items(http, f"/{key}/feed.json")), timeout=60)
            feeds = {key: http.get(f"/{key}/feed.json") for key in ("qiantang", "xiaoshan")}
            ids = {}
            for key, name in (("qiantang", "钱塘新区报"), ("xiaoshan", "萧山日报")):
                data = feeds[key].json()
                assert data["title"].startswith(name)
                assert data["feed_url"] == f"http://127.0.0.1:{port}/{key}/feed.json"
                link = f'<http://127.0.0.1:{port}/{key}/feed.json>; rel="self"'
                assert feeds[key].headers["link"] == link
                ids[key] = {str(item["id"]) for item in data["items"]}
                assert all(i.startswith(f"tag:{key}.test,") for i in ids[key])
            assert ids["qiantang"] and ids["xiaoshan"] and not ids["qiantang"] & ids["xiaoshan"]
            assert http.get("/xiaoshan/index.html").status_code == 200
            assert http.get("/broken/feed.json").status_code == 404
        failed = tmp_path / "xiaoshan" / "inbox" / "failed"
        wait_for("the empty page set aside", (failed / "empty.txt.error.txt").exists)
        assert not (tmp_path / "qiantang" / "inbox" / "failed" / "empty.txt").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    text = log.read_text(encoding="utf-8")
    assert code == 0, text
    assert "paper broken not started" in text and "running 2 papers: qiantang, xiaoshan" in text
    assert "Traceback" not in text
