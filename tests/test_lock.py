"""One lock file: writers exclude each other across processes and threads; one daemon per store."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from feedsvc import lock
from feedsvc.errors import LockError

HOLD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from feedsvc import lock
    what, folder = sys.argv[1], Path(sys.argv[2])
    if what == "daemon":
        held = lock.DaemonLock(folder)
        print("held", flush=True)
        time.sleep(30)
    else:
        with lock.writer(folder):
            print("held", flush=True)
            time.sleep(30)
    """
)


def _hold(what: str, folder: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, what, str(folder)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_daemon_refuses_to_start(tmp_path: Path) -> None:
    other = _hold("daemon", tmp_path)
    try:
        with pytest.raises(LockError, match="already running"):
            lock.DaemonLock(tmp_path)
    finally:
        other.kill()
        other.wait()
    lock.DaemonLock(tmp_path).release()  # a killed daemon's lock is gone with it


def test_a_writer_waits_for_another_process_and_gives_up_after_its_timeout(tmp_path: Path) -> None:
    other = _hold("writer", tmp_path)
    try:
        with (
            pytest.raises(LockError, match="another feedsvc process is writing"),
            lock.writer(tmp_path, timeout=0.3),
        ):
            pass
    finally:
        other.kill()
        other.wait()
    with lock.writer(tmp_path, timeout=1):
        pass


def test_daemon_lock_survives_the_daemons_own_writes(tmp_path: Path) -> None:
    held = lock.DaemonLock(tmp_path)
    with lock.writer(tmp_path):
        pass
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from pathlib import Path; from feedsvc import lock; lock.DaemonLock(Path(sys.argv[1]))", str(tmp_path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode != 0 and "already running" in proc.stderr
    held.release()


def test_writers_in_threads_of_one_process_take_turns(tmp_path: Path) -> None:
    inside = 0
    overlap = False

    def work() -> None:
        nonlocal inside, overlap
        with lock.writer(tmp_path):
            inside += 1
            overlap = overlap or inside > 1
            time.sleep(0.02)
            inside -= 1

    threads = [threading.Thread(target=work) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not overlap
