"""A one-shot command with settings other than the running daemon's is refused (`published.check_daemon`):
the daemon, finding the output made with settings not its own, would publish everything again, and
the two would undo each other's work at every run. With the daemon's settings, it goes on."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from feedsvc import lock, pipeline, published
from feedsvc.config import Settings
from feedsvc.daemon import Daemon
from feedsvc.errors import ConfigError, LockError
from tests.e2e_helpers import SAMPLE
from tests.fault_helpers import Instance
from tests.ingest_helpers import NOW, generated_issues, ingest, ingest_each
from tests.render_helpers import instance_settings, tree

# holds byte 1 as `feedsvc run` does and keeps the note it is given as the daemon's
HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from feedsvc import lock, published
    folder = Path(sys.argv[1])
    held = lock.DaemonLock(folder)
    if len(sys.argv) > 2:
        (folder / published.DAEMON_NAME).write_text(sys.argv[2] + "\\n", encoding="utf-8")
    print("held", flush=True)
    time.sleep(60)
    """
)


@contextmanager
def _daemon_elsewhere(folder: Path, note: str | None = None) -> Iterator[subprocess.Popen[str]]:
    args = [sys.executable, "-c", HOLDER, str(folder), *([] if note is None else [note])]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        yield proc
    finally:
        proc.kill()
        proc.wait()


def _renamed(settings: Settings, name: str) -> Settings:
    return settings.model_copy(update={"paper": settings.paper.model_copy(update={"name": name})})


def test_daemon_elsewhere_sees_another_process_and_not_this_ones(tmp_path: Path) -> None:
    assert not lock.daemon_elsewhere(tmp_path)
    with _daemon_elsewhere(tmp_path):
        assert lock.daemon_elsewhere(tmp_path)
    assert not lock.daemon_elsewhere(tmp_path)  # it died: its lock with it
    ours = lock.DaemonLock(tmp_path)
    try:
        assert not lock.daemon_elsewhere(tmp_path)  # this process's own daemon
        with pytest.raises(LockError, match="already running"):  # asking kept the lock held
            lock.DaemonLock(tmp_path, sleep=lambda _: None)
        other = subprocess.run(
            [sys.executable, "-c", HOLDER, str(tmp_path)], capture_output=True, text=True, check=False
        )
        assert other.returncode != 0 and "already running" in other.stderr
    finally:
        ours.release()
    lock.DaemonLock(tmp_path).release()


def test_a_daemon_starting_while_a_command_asks_tries_again(tmp_path: Path) -> None:
    """A command asking `daemon_elsewhere` holds byte 1 for an instant: a daemon starting then is
    not refused, it tries again; a daemon really running is refused after its tries."""
    waits: list[float] = []
    with _daemon_elsewhere(tmp_path) as holder:

        def holder_stops(seconds: float) -> None:
            waits.append(seconds)
            if len(waits) == 2:
                holder.kill()
                holder.wait()

        lock.DaemonLock(tmp_path, sleep=holder_stops).release()
    assert len(waits) == 2
    slept: list[float] = []
    with _daemon_elsewhere(tmp_path), pytest.raises(LockError, match="already running"):
        lock.DaemonLock(tmp_path, sleep=slept.append)
    assert len(slept) >= 5


@pytest.mark.parametrize(
    "publish",
    [
        pytest.param(lambda s, tmp: ingest(s, tmp, generated_issues(2)[1][:1]), id="ingest"),
        pytest.param(lambda s, tmp: pipeline.regenerate(s, NOW), id="regenerate"),
    ],
)
def test_a_command_with_other_settings_than_the_running_daemon_is_refused(
    tmp_path: Path, publish: Callable[[Settings, Path], object]
) -> None:
    settings = instance_settings(tmp_path)
    ingest_each(settings, tmp_path, generated_issues(1))
    before = tree(settings.paths.output, hidden=True)
    noted = (settings.paths.store / published.NAME).read_bytes()
    other = _renamed(settings, "另一张报")
    with _daemon_elsewhere(settings.paths.store, published.note(settings)):
        with pytest.raises(ConfigError) as raised:
            publish(other, tmp_path)
        message = str(raised.value)
        assert message.startswith(f"{settings.paths.store / published.DAEMON_NAME}: ")
        assert "the daemon running on this store has other settings (paper.name)" in message
        assert "\n" not in message
        # nothing published: the daemon's output stays as it made it
        assert tree(settings.paths.output, hidden=True) == before
        assert (settings.paths.store / published.NAME).read_bytes() == noted
        publish(settings, tmp_path)  # the daemon's own settings: on it goes
    assert pipeline.output_behind(settings) is None
    publish(other, tmp_path)  # no daemon any more: the settings are the command's to change
    assert pipeline.output_behind(other) is None


def test_a_daemon_of_an_older_version_kept_no_note_and_is_not_asked(tmp_path: Path) -> None:
    settings = instance_settings(tmp_path)
    with _daemon_elsewhere(settings.paths.store):
        ingest_each(settings, tmp_path, generated_issues(1))
        pipeline.regenerate(_renamed(settings, "另一张报"), NOW)
        (settings.paths.store / published.DAEMON_NAME).write_bytes(b"\xff\xfe")
        with pytest.raises(ConfigError, match="daemon-with: unreadable"):
            pipeline.regenerate(settings, NOW)


def test_the_daemon_keeps_what_it_runs_with(tmp_path: Path) -> None:
    settings = instance_settings(tmp_path)
    Daemon(settings, clock=lambda: NOW).tick()
    assert not (settings.paths.store / published.DAEMON_NAME).exists()  # a tick is not a start
    # `start` without a scheduler's jobs running: what `feedsvc run` does first
    from apscheduler.schedulers.background import BackgroundScheduler

    daemon = Daemon(settings, clock=lambda: NOW)
    daemon.start(BackgroundScheduler(timezone="UTC"))
    daemon.close()
    kept = (settings.paths.store / published.DAEMON_NAME).read_text(encoding="utf-8")
    assert kept == published.note(settings) + "\n"


def test_the_command_line_says_so_in_one_line(tmp_path: Path) -> None:
    """`feedsvc run` and `feedsvc ingest` as an operator would start them: the ingest run with
    another paper name in its environment is refused (exit 2, one line naming the file and the
    setting) and leaves the page where it was; run with the daemon's settings it is ingested."""
    inst = Instance(tmp_path / "inst")
    daemon = inst.start_daemon()
    try:
        daemon.wait_for("the daemon's note", (inst.store / published.DAEMON_NAME).exists)
        page = tmp_path / "page.txt"
        page.write_bytes(SAMPLE.read_bytes())
        command = [sys.executable, "-m", "feedsvc.cli", "--config", str(inst.config), "ingest", str(page)]
        env = inst.env("2023-06-26T08:00:00+08:00")
        refused = subprocess.run(
            command, cwd=inst.folder, env={**env, "FEEDSVC_PAPER__NAME": "另一张报"},
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert refused.returncode == 2, refused.stderr
        lines = [line for line in refused.stderr.splitlines() if line.startswith("feedsvc: ")]
        assert len(lines) == 1 and "daemon-with: the daemon running on this store" in lines[0]
        assert "(paper.name)" in lines[0]
        assert page.read_bytes() == SAMPLE.read_bytes()
        done = subprocess.run(
            command, cwd=inst.folder, env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, done.stderr
        assert (inst.output / "feed.atom").is_file()
    finally:
        daemon.stop()
