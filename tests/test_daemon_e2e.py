"""The main job end to end: `feedsvc run --serve` as a subprocess on temporary folders."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e_helpers import ROOT, SAMPLE, HubStub, child_env, drop, free_port, wait_for, write_config

pytestmark = pytest.mark.e2e


class Instance:
    def __init__(self, folder: Path, port: int, hub: HubStub) -> None:
        self.folder, self.port, self.hub = folder, port, hub
        self.config = write_config(folder, port=port, hubs=[hub.url])
        self.inbox = folder / "inbox"
        self.log = (folder / "daemon.log").open("w+")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "feedsvc.cli", "--config", str(self.config), "run", "--serve"],
            cwd=folder,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=child_env(),
        )
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5)
        wait_for("the server", self._up)

    def _up(self) -> bool:
        assert self.proc.poll() is None, self.logs()
        try:
            return self.http.get("/").status_code in (200, 404)
        except httpx.TransportError:
            return False

    def logs(self) -> str:
        self.log.flush()
        return (self.folder / "daemon.log").read_text()

    def feed(self, path: str) -> dict[str, object]:
        response = self.http.get(path)
        return json.loads(response.content) if response.status_code == 200 else {}


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[Instance]:
    hub = HubStub()
    inst = Instance(tmp_path, free_port(), hub)
    try:
        yield inst
    finally:
        if inst.proc.poll() is None:
            inst.proc.kill()
            inst.proc.wait()
        hub.close()
        inst.http.close()


def _pings_for(inst: Instance, name: str) -> set[str]:
    """Every WebSub ping of the publish of `name`: the daemon logs how many feeds it changed (one
    topic each), so this waits for exactly that many pings instead of sleeping and hoping."""
    pattern = re.compile(re.escape(name) + r": .*\((\d+) feeds\)")
    wait_for(f"{name} published", lambda: pattern.search(inst.logs()) is not None)
    match = pattern.search(inst.logs())
    assert match is not None
    count = int(match[1])
    wait_for(f"{count} pings for {name}", lambda: len(inst.hub.topics) >= count)
    topics = inst.hub.take()
    assert len(topics) == count, topics
    return set(topics)


def _items(inst: Instance, path: str) -> list[dict[str, object]]:
    items = inst.feed(path).get("items", [])
    assert isinstance(items, list)
    return items


def test_drop_serve_duplicate_correction_garbage_and_sigterm(instance: Instance) -> None:
    inst = instance
    sample = SAMPLE.read_bytes()

    # 1. a page arrives (.part, then renamed) and is served with its 6 entries on 要闻
    drop(inst.inbox, "qiantang-2023-06-26-p1.txt", sample)
    wait_for("6 entries on 要闻", lambda: len(_items(inst, "/sections/yaowen.json")) == 6)
    first = inst.http.get("/sections/yaowen.atom")
    assert first.headers["content-type"].startswith("application/atom+xml")
    assert (
        inst.http.get("/sections/yaowen.atom", headers={"If-None-Match": first.headers["etag"]}).status_code
        == 304
    )
    ids = {item["id"] for item in _items(inst, "/feed.json")}
    assert len(ids) == 6
    assert f"feedsvc code in {ROOT / 'feedsvc'}" in inst.logs()  # this checkout, not an installed copy
    topics = _pings_for(inst, "qiantang-2023-06-26-p1.txt")
    base = f"http://127.0.0.1:{inst.port}/"
    assert {base + "feed.atom", base + "feed.json", base + "sections/yaowen.atom"} <= topics
    assert all(t.startswith(base) and t.endswith((".atom", ".rss", ".json")) for t in topics)

    # 2. the same bytes again: noted and skipped, nothing rewritten, no pings
    output = inst.folder / "feeds"
    before = {p: p.stat().st_mtime_ns for p in output.rglob("*") if p.is_file()}
    drop(inst.inbox, "again.txt", sample)
    wait_for("the duplicate to be noted", lambda: "identical to a stored submission" in inst.logs())
    assert {p: p.stat().st_mtime_ns for p in output.rglob("*") if p.is_file()} == before
    assert inst.hub.take() == []

    # 3. a corrected copy: one article's text changes; every id stays, one entry is updated
    corrected = sample.decode().replace("协奏曲。", "协奏曲,奋力打造基层治理新样板。").encode()
    assert corrected != sample
    drop(inst.inbox, "qiantang-2023-06-26-p1-corrected.txt", corrected)
    wait_for(
        "the correction",
        lambda: any("新样板" in str(i.get("content_html")) for i in _items(inst, "/feed.json")),
    )
    items = _items(inst, "/feed.json")
    assert {item["id"] for item in items} == ids
    # one entry updated; every entry of the edition has its own instant (printed order)
    assert sum(item["date_modified"] != item["date_published"] for item in items) == 1
    assert len({item["date_modified"] for item in items}) == len(items)
    changed = _pings_for(inst, "qiantang-2023-06-26-p1-corrected.txt")  # none left from the duplicate
    assert base + "feed.atom" in changed and base + "contributors/chen-yijun.atom" not in changed

    # 4. garbage lands in failed/ with its reason; the daemon runs on
    drop(inst.inbox, "scan.txt", b"%PDF-1.7\n\x00\x01binary")
    failed = inst.inbox / "failed"
    wait_for("garbage in failed/", (failed / "scan.txt.error.txt").exists)
    assert "PDF" in (failed / "scan.txt.error.txt").read_text()
    assert (failed / "scan.txt").read_bytes().startswith(b"%PDF")
    assert inst.proc.poll() is None
    assert inst.http.get("/feed.json").status_code == 200

    # 5. SIGTERM: exit 0
    inst.proc.send_signal(signal.SIGTERM)
    assert inst.proc.wait(timeout=20) == 0, inst.logs()
    assert "stopped" in inst.logs()


def test_a_second_daemon_refuses_to_start(instance: Instance) -> None:
    second = subprocess.run(
        [sys.executable, "-m", "feedsvc.cli", "--config", str(instance.config), "run"],
        cwd=instance.folder,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert second.returncode == 2
    assert "already running" in second.stderr


def test_a_broken_theme_stops_the_start_and_the_inbox_keeps_its_file(tmp_path: Path) -> None:
    config = write_config(tmp_path, port=free_port())
    text = config.read_text(encoding="utf-8").replace("[site]\n", '[site]\ntheme = "theme"\n', 1)
    config.write_text(text, encoding="utf-8")
    (tmp_path / "theme").mkdir()
    (tmp_path / "theme" / "feed.html").write_text("<p>\n{{ name | no_such_filter }}\n", encoding="utf-8")
    dropped = drop(tmp_path / "inbox", SAMPLE.name, SAMPLE.read_bytes())
    done = subprocess.run(
        [sys.executable, "-m", "feedsvc.cli", "--config", str(config), "run"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env=child_env(),
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "site.theme: feed.html, line 2: " in done.stderr
    assert "no_such_filter" in done.stderr
    assert "Traceback" not in done.stderr
    assert dropped.read_bytes() == SAMPLE.read_bytes()  # not taken, not failed: still in the inbox
    assert not (tmp_path / "feeds").exists() or not any((tmp_path / "feeds").rglob("*.xml"))
