"""A file renamed into the inbox is taken at once, not at the next periodic scan: with a scan
every 60 s, a page dropped (written as .part, then renamed) is published within seconds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e_helpers import ROOT, SAMPLE, drop, wait_for, write_config

pytestmark = pytest.mark.e2e


def test_a_renamed_file_is_scanned_at_once(tmp_path: Path) -> None:
    config = write_config(tmp_path, port=8000, scan_interval=60.0)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    early = inbox / "empty.txt"  # there before the start: the first scan sets it aside
    early.write_bytes(b"")
    os.utime(early, ns=(1_000_000_000, 1_000_000_000))  # written long ago: complete at first sight
    log = tmp_path / "daemon.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FEEDSVC_NOW": "2023-06-27T10:00:00+08:00"}
    started = time.monotonic()  # the next periodic scan comes 60 s after the first, later than this
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "feedsvc.cli", "--config", str(config), "run"],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_for("the first scan", (inbox / "failed" / "empty.txt.error.txt").exists, timeout=40)
        drop(inbox, SAMPLE.name, SAMPLE.read_bytes())  # .part, then renamed in
        left = started + 55 - time.monotonic()
        assert left > 5, "the machine is too slow for this test's 60 s scan interval"
        wait_for(
            "the page published by a woken scan", (tmp_path / "feeds" / "feed.atom").exists, timeout=left
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, log.read_text()
