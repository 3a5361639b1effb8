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

from feedsvc import editors_cli, lock, pipeline, published
from feedsvc.config import Settings
from feedsvc.errors import ConfigError, LockError, StoreError
from tests.e2e_helpers import SAMPLE
from tests.fault_helpers import Instance
from tests.ingest_helpers import NOW, START, generated_issues, ingest, ingest_each
from tests.render_helpers import instance_settings, tree

# holds byte 1 as `feedsvc run` does, announcing the note it is given (after `delay` seconds)
HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from feedsvc import lock, published
    folder, note, delay = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])

    def announce():
        print("locked", flush=True)
        time.sleep(delay)
        (folder / published.DAEMON_NAME).write_text(note + "\\n", encoding="utf-8")

    held = lock.DaemonLock(folder, announce=announce if note else None)
    print("held", flush=True)
    time.sleep(60)
    """
)


@contextmanager
def _daemon_elsewhere(folder: Path, note: str = "", *, delay: float = 0) -> Iterator[subprocess.Popen[str]]:
    """A daemon's lock held by another process; with `note`, announced as `daemon_lock` does.
    Yields once the lock is taken (not yet announced, when `delay` is given)."""
    args = [sys.executable, "-c", HOLDER, str(folder), note, str(delay)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == ("locked" if note else "held")
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
            lock.DaemonLock(tmp_path)
        other = subprocess.run(
            [sys.executable, "-c", HOLDER, str(tmp_path), "", "0"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert other.returncode != 0 and "already running" in other.stderr
    finally:
        ours.release()
    lock.DaemonLock(tmp_path).release()


def test_a_daemon_starting_is_judged_by_its_own_note_not_the_last_ones(tmp_path: Path) -> None:
    """A daemon restarted with new settings takes its lock, then announces them: a command with the
    new settings run in between waits for the announcement and goes on; it is not refused by what
    the daemon before it had noted."""
    settings = instance_settings(tmp_path)
    ingest_each(settings, tmp_path, generated_issues(1))
    renamed = _renamed(settings, "另一张报")
    (settings.paths.store / published.DAEMON_NAME).write_text(published.note(settings), encoding="utf-8")
    with _daemon_elsewhere(settings.paths.store, published.note(renamed), delay=1.0):
        pipeline.regenerate(renamed, NOW)
    assert pipeline.output_behind(renamed) is None


@pytest.mark.parametrize(
    "publish",
    [
        pytest.param(lambda s, tmp: ingest(s, tmp, generated_issues(2)[1][:1]), id="ingest"),
        pytest.param(lambda s, tmp: pipeline.regenerate(s, NOW), id="regenerate"),
        pytest.param(lambda s, tmp: editors_cli.approve(s, NOW, entry_id=None, day=START), id="approve"),
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
        looks = tmp_path / "theme"
        looks.mkdir()
        (looks / "base.html").write_text("{% block main %}{% endblock %}\n", encoding="utf-8")
        themed = settings.model_copy(update={"site": settings.site.model_copy(update={"theme": looks})})
        with pytest.raises(ConfigError, match=r"other settings \(the site's templates or static files\)"):
            publish(themed, tmp_path)
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


def test_a_daemon_note_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    settings = instance_settings(tmp_path)
    ingest_each(settings, tmp_path, generated_issues(1))
    with _daemon_elsewhere(settings.paths.store, "not a note"):
        with pytest.raises(ConfigError, match="daemon-with in the store folder is not a note of this"):
            pipeline.regenerate(settings, NOW)
        (settings.paths.store / published.DAEMON_NAME).write_bytes(b"\xff\xfe")
        with pytest.raises(ConfigError, match="daemon-with: unreadable"):
            pipeline.regenerate(settings, NOW)


def test_the_daemon_keeps_what_it_runs_with(tmp_path: Path) -> None:
    settings = instance_settings(tmp_path)
    held = published.daemon_lock(settings)  # as `feedsvc run` and the papers' service start
    try:
        kept = (settings.paths.store / published.DAEMON_NAME).read_text(encoding="utf-8")
        assert kept == published.note(settings) + "\n"
        with pytest.raises(LockError, match="already running"):  # one daemon a store, here too
            published.daemon_lock(settings)
    finally:
        held.release()


def test_a_note_that_cannot_be_written_stops_the_start_and_lets_the_lock_go(tmp_path: Path) -> None:
    settings = instance_settings(tmp_path)
    (settings.paths.store / published.DAEMON_NAME).mkdir(parents=True)  # a folder in its way
    with pytest.raises(StoreError, match="daemon-with: cannot write"):
        published.daemon_lock(settings)
    assert not lock.daemon_elsewhere(settings.paths.store)
    (settings.paths.store / published.DAEMON_NAME).rmdir()
    published.daemon_lock(settings).release()


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
