"""A full disk or a read-only output folder: publishing fails cleanly and catches up later.

In-process (always): ENOSPC while a file's data is written (`feedsvc.faults`), EROFS when the
temporary file is created (`os.open`, the first write on a read-only file system), a
failure after some files were written, EROFS while deleting obsolete outputs. Each must raise a
PublishError naming the output path and the cause, leave the old files intact byte for byte (or,
for files already written, the new complete version; never a temporary file), set the
publish-pending marker and keep the submission in the store; the next run (regenerate, another
ingest, the daemon's next tick) must bring the output folder to exactly what an undisturbed run
writes.

As subprocesses: `feedsvc ingest` exits 2 naming the path, and `feedsvc run` goes on through the
failure, retries on its ticks and catches up once the disk takes writes again. With a real small
tmpfs (filled up, or remounted read-only) when this process may mount one (root with
CAP_SYS_ADMIN; tests run as root in CI, where chmod would not stop a write), and always with the
fault hook (FEEDSVC_FAIL_AT=…:ENOSPC:<flag file>).
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest

from feedsvc import faults, lock, pipeline
from feedsvc.config import Settings, load_settings
from feedsvc.daemon import Daemon
from feedsvc.errors import PublishError
from tests.e2e_helpers import SAMPLE, drop
from tests.fault_helpers import (
    MANIFEST,
    MANIFEST_PARTS,
    T0,
    T1,
    Instance,
    check_output,
    corrected_sample,
    diff,
    next_issue,
)

NOW0 = pipeline.dt.datetime.fromisoformat(T0)
NOW1 = pipeline.dt.datetime.fromisoformat(T1)
CORRECTED = "qiantang-2023-06-26-p1-corrected.txt"
NEXT = "qiantang-2023-06-27-p1.txt"


class Prepared:
    """The sample page published at T0 (`base`), the two later submissions, and the output trees of
    undisturbed runs that ingest the correction (`one`) or the correction and the next issue (`both`)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        subs = root / "submissions"
        subs.mkdir()
        self.corrected = subs / CORRECTED
        self.corrected.write_bytes(corrected_sample())
        self.next = subs / NEXT
        self.next.write_bytes(next_issue())
        self.base = Instance(root / "base")
        pipeline.ingest_file(settings_of(self.base), SAMPLE, NOW0)
        one = self.copy("ref-one")
        pipeline.ingest_file(settings_of(one), self.corrected, NOW1)
        self.one = one.tree()
        both = self.copy("ref-both")
        for path in (self.corrected, self.next):
            pipeline.ingest_file(settings_of(both), path, NOW1)
        self.both = both.tree()

    def copy(self, name: str) -> Instance:
        return self.base.copy(self.root / name)


def settings_of(inst: Instance) -> Settings:
    return load_settings(inst.config, cwd=inst.folder)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    return Prepared(tmp_path_factory.mktemp("faults"))


@pytest.fixture
def inst(prepared: Prepared, tmp_path: Path) -> Instance:
    return prepared.base.copy(tmp_path / "instance")


@contextmanager
def injected(point: str, code: int = errno.ENOSPC) -> Iterator[None]:
    """Raise OSError(code) at a fault point, in this process, for the duration."""
    saved = faults._fail, faults.ACTIVE
    faults._fail, faults.ACTIVE = (point, code, ""), True
    try:
        yield
    finally:
        faults._fail, faults.ACTIVE = saved


@contextmanager
def read_only_output(output: Path) -> Iterator[None]:
    """Creating a file below `output` fails as on a read-only file system."""
    real = os.open

    def open_(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & os.O_CREAT and (output == Path(path).parent or output in Path(path).parents):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real(path, flags, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(os, "open", open_)
        yield


def assert_old_or_new(tree: dict[str, bytes], old: dict[str, bytes], new: dict[str, bytes]) -> None:
    """Each file holds either its old or its new bytes; nothing else is there."""
    check_output(tree, temp_allowed=False)
    for rel, data in tree.items():
        assert data in (old.get(rel), new.get(rel)), f"{rel}: neither the old nor the new version"


def assert_kept(inst: Instance, data: bytes) -> None:
    assert inst.originals().get(hashlib.sha256(data).hexdigest()) == "applied"


# ------------------------------------------------------------------------------------ in process


def test_disk_full_keeps_the_old_feeds_and_regenerate_catches_up(inst: Instance, prepared: Prepared) -> None:
    settings = settings_of(inst)
    before = inst.tree()
    with injected("publish.replace.writing"), pytest.raises(PublishError) as raised:
        pipeline.ingest_file(settings, prepared.corrected, NOW1)
    message = str(raised.value)
    path = message.partition(":")[0]
    assert path in prepared.one and "No space left on device" in message, message
    assert inst.tree() == before  # nothing replaced, no temporary file left
    assert inst.pending
    assert_kept(inst, prepared.corrected.read_bytes())

    report = pipeline.regenerate(settings, NOW1)  # the disk takes writes again
    assert inst.tree() == prepared.one, diff(inst.tree(), prepared.one)
    assert not inst.pending
    assert report.changed_feeds


def test_full_midway_then_the_next_ingest_catches_up(inst: Instance, prepared: Prepared) -> None:
    settings = settings_of(inst)
    before = inst.tree()
    output = settings.paths.output
    real = os.replace
    calls = {"n": 0}

    def replace(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        if output in Path(dst).parents:
            calls["n"] += 1
            if calls["n"] > 4:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(src, dst, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(os, "replace", replace)
        with pytest.raises(PublishError, match="cannot write: No space left on device"):
            pipeline.ingest_file(settings, prepared.corrected, NOW1)
    assert calls["n"] == 5
    assert_old_or_new(inst.tree(), before, prepared.one)
    assert diff(inst.tree(), before), "the first files should have been written"
    assert inst.pending

    pipeline.ingest_file(settings, prepared.next, NOW1)  # the marker makes it rewrite everything
    assert inst.tree() == prepared.both, diff(inst.tree(), prepared.both)
    assert not inst.pending


def test_read_only_output_folder(inst: Instance, prepared: Prepared) -> None:
    settings = settings_of(inst)
    before = inst.tree()
    with read_only_output(settings.paths.output), pytest.raises(PublishError) as raised:
        pipeline.ingest_file(settings, prepared.corrected, NOW1)
    assert "cannot write: Read-only file system" in str(raised.value)
    assert str(raised.value).partition(":")[0] in prepared.one
    assert inst.tree() == before
    assert inst.pending
    assert_kept(inst, prepared.corrected.read_bytes())
    # the same file again (an editor retrying) is not a duplicate to skip while the output is behind
    report = pipeline.ingest_file(settings, prepared.corrected, NOW1)
    assert not report.duplicate
    assert inst.tree() == prepared.one, diff(inst.tree(), prepared.one)
    assert not inst.pending


def test_obsolete_files_that_cannot_be_deleted(inst: Instance, prepared: Prepared) -> None:
    settings = settings_of(inst)
    with injected("publish.remove.file", errno.EROFS), pytest.raises(PublishError) as raised:
        pipeline.ingest_file(settings, prepared.corrected, NOW1)
    assert "cannot delete: Read-only file system" in str(raised.value)
    obsolete = sorted(set(inst.tree()) - set(prepared.one))
    assert obsolete and str(raised.value).partition(":")[0] == obsolete[0]
    # (the manifest still lists the files it could not delete)
    unchanged = {k: v for k, v in prepared.one.items() if k != MANIFEST and not k.startswith(MANIFEST_PARTS)}
    assert {k: v for k, v in inst.tree().items() if k in unchanged} == unchanged
    assert inst.pending
    pipeline.regenerate(settings, NOW1)
    assert inst.tree() == prepared.one
    assert not inst.pending


def test_daemon_ticks_through_a_full_disk(
    inst: Instance, prepared: Prepared, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_of(inst)
    daemon = Daemon(settings, clock=lambda: NOW1)
    before = inst.tree()
    caplog.set_level(logging.INFO)
    dropped = drop(inst.inbox, CORRECTED, prepared.corrected.read_bytes())
    os.utime(dropped, ns=(10**12, 10**12))  # renamed in after its last write: taken at the first scan
    with injected("publish.replace.writing"):
        daemon.tick()
        assert not list(inst.inbox.glob("*.txt")) and not list((inst.inbox / ".processing").iterdir())
        assert not list((inst.inbox / "failed").iterdir())
        assert_kept(inst, prepared.corrected.read_bytes())
        assert "publish failed, will retry" in caplog.text
        for _ in range(3):
            daemon.tick()  # retries, and goes on failing
        assert caplog.text.count("publish still failing") == 3
        assert inst.tree() == before
        assert inst.pending
    daemon.tick()
    assert "published everything again (an earlier publish failed" in caplog.text
    assert inst.tree() == prepared.one, diff(inst.tree(), prepared.one)
    assert not inst.pending


def test_daemon_keeps_a_submission_the_store_could_not_take(
    inst: Instance, prepared: Prepared, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_of(inst)
    daemon = Daemon(settings, clock=lambda: NOW1)
    daemon.retry_delays = (0.0, 0.0, 0.0)
    before = inst.tree()
    caplog.set_level(logging.INFO)
    dropped = drop(inst.inbox, CORRECTED, prepared.corrected.read_bytes())
    os.utime(dropped, ns=(10**12, 10**12))
    processing = inst.inbox / ".processing"
    with injected("store.add_submission.uncommitted"):
        daemon.tick()  # taken, but the store's disk is full: it waits in .processing/
        assert [p.name for p in processing.iterdir()] == [CORRECTED]
        assert not list((inst.inbox / "failed").iterdir())
        assert "not stored, will retry" in caplog.text and "No space left on device" in caplog.text
        daemon.tick()  # tried again, and fails again
        assert caplog.text.count("not stored, will retry") == 2
        assert [p.name for p in processing.iterdir()] == [CORRECTED]
        assert inst.tree() == before
    daemon.tick()  # the disk takes it now
    assert not list(processing.iterdir()) and not list((inst.inbox / "failed").iterdir())
    assert_kept(inst, prepared.corrected.read_bytes())
    assert inst.tree() == prepared.one, diff(inst.tree(), prepared.one)


def test_daemon_sets_a_submission_aside_when_every_retry_failed(inst: Instance, prepared: Prepared) -> None:
    daemon = Daemon(settings_of(inst), clock=lambda: NOW1)
    daemon.retry_delays = (0.0,)
    dropped = drop(inst.inbox, CORRECTED, prepared.corrected.read_bytes())
    os.utime(dropped, ns=(10**12, 10**12))
    with injected("store.add_submission.uncommitted"):
        daemon.tick()
        daemon.tick()
    assert not list((inst.inbox / ".processing").iterdir())
    failed = inst.inbox / "failed"
    assert (failed / CORRECTED).read_bytes() == prepared.corrected.read_bytes()
    reason = (failed / f"{CORRECTED}.error.txt").read_text(encoding="utf-8")
    assert "cannot store a submission: No space left on device" in reason, reason
    assert reason.rstrip().endswith("(tried 2 times)"), reason


def test_the_daemon_retry_rechecks_the_marker_under_the_lock(
    inst: Instance, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The marker seen by a tick may belong to an ingest that holds the writer lock and clears it
    when done: the retry then has nothing to do (no full rewrite of a large archive)."""
    settings = settings_of(inst)
    daemon = Daemon(settings, clock=lambda: NOW1)
    (inst.output / "index.html").unlink()  # a full rewrite would put it back
    marker = inst.store / pipeline.PENDING_MARKER
    marker.touch()
    real = lock.writer

    @contextmanager
    def writer(folder: Path, **kwargs: Any) -> Iterator[None]:
        with real(folder, **kwargs):
            marker.unlink(missing_ok=True)  # the ingest holding the lock finished meanwhile
            yield

    caplog.set_level(logging.INFO)
    with monkeypatch.context() as mp:
        mp.setattr(lock, "writer", writer)
        daemon.tick()
    assert not (inst.output / "index.html").exists()
    assert "republished" not in caplog.text and not inst.pending

    marker.touch()  # a real failure left it: the retry rewrites everything
    daemon.tick()
    assert (inst.output / "index.html").exists() and not inst.pending
    assert "published everything again (an earlier publish failed" in caplog.text


# ------------------------------------------------------------------------------------ processes


def _can_mount() -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    probe = Path(tempfile.mkdtemp(prefix="feedsvc-mount-probe-"))
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)],
            capture_output=True,
            check=False,
            timeout=10,
        )
        if done.returncode != 0:
            return False
        subprocess.run(["umount", str(probe)], check=True, timeout=10)
        return True
    except (OSError, subprocess.SubprocessError):
        return False
    finally:
        with suppress(OSError):
            probe.rmdir()


CAN_MOUNT = _can_mount()


def require_mount(can_mount: bool, env: Mapping[str, str]) -> None:
    """Real full and read-only disks need a tmpfs mount. CI runs as root and must run them: there
    (CI=true) a missing capability fails the test; elsewhere (a developer without root) it skips."""
    if can_mount:
        return
    reason = "cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)"
    if env.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"{reason}: CI must run the full and read-only disk tests", pytrace=False)
    pytest.skip(reason)


def test_require_mount_fails_in_ci_and_skips_elsewhere() -> None:
    require_mount(True, {"CI": "true"})  # capable: runs
    with pytest.raises(pytest.fail.Exception, match="CI must run"):
        require_mount(False, {"CI": "true"})
    with pytest.raises(pytest.skip.Exception):
        require_mount(False, {})


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, timeout=10)


def _fill(folder: Path) -> Path:
    """Fill the file system of `folder` up to the last byte."""
    filler = folder / ".filler"  # hidden: not an output
    with filler.open("wb", buffering=0) as f:
        for size in (1 << 16, 1 << 12, 1 << 8, 1):
            with suppress(OSError):
                while True:
                    f.write(b"\0" * size)
    return filler


class Disk:
    """The output folder's trouble, switched on and off: `full` (tmpfs filled up), `read-only`
    (tmpfs remounted ro) or `injected` (FEEDSVC_FAIL_AT with a flag file)."""

    def __init__(self, kind: str, inst: Instance) -> None:
        self.kind, self.inst = kind, inst
        self.flag = inst.folder / "disk-is-full"
        self.fail: str | None = None
        self.mounted = False
        self.filler: Path | None = None
        if kind == "injected":
            self.fail = f"publish.replace.writing:ENOSPC:{self.flag}"
            return
        saved = inst.folder / "feeds-saved"
        inst.output.rename(saved)
        inst.output.mkdir()
        _mount("-t", "tmpfs", "-o", "size=4m,mode=0755", "tmpfs", str(inst.output))
        self.mounted = True
        for item in saved.iterdir():
            shutil.move(str(item), inst.output / item.name)

    @property
    def reason(self) -> str:
        return "Read-only file system" if self.kind == "read-only" else "No space left on device"

    def break_(self) -> None:
        if self.kind == "injected":
            self.flag.touch()
        elif self.kind == "full":
            self.filler = _fill(self.inst.output)
        else:
            _mount("-o", "remount,ro", str(self.inst.output))

    def repair(self) -> None:
        if self.kind == "injected":
            self.flag.unlink()
        elif self.kind == "full":
            assert self.filler is not None
            self.filler.unlink()
        else:
            _mount("-o", "remount,rw", str(self.inst.output))

    def close(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.inst.output)], check=False, timeout=10)


@pytest.fixture(params=["injected", "full", "read-only"])
def disk(request: pytest.FixtureRequest, inst: Instance) -> Iterator[Disk]:
    if request.param != "injected":
        require_mount(CAN_MOUNT, os.environ)
    d = Disk(request.param, inst)
    try:
        yield d
    finally:
        d.close()


def _served(tree: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in tree.items() if not any(p.startswith(".") for p in k.split("/"))}


@pytest.mark.e2e
def test_cli_and_daemon_through_a_bad_disk(disk: Disk, inst: Instance, prepared: Prepared) -> None:
    before = _served(inst.tree())
    disk.break_()

    # the one-shot command: exit 2, one line naming the path and the cause; nothing replaced
    done = inst.cli("ingest", str(prepared.corrected), fail=disk.fail)
    assert done.returncode == 2, done
    line = done.stderr.strip()
    assert line.startswith("feedsvc: ") and f"cannot write: {disk.reason}" in line, line
    assert line.removeprefix("feedsvc: ").partition(":")[0] in prepared.one, line
    assert _served(inst.tree()) == before
    assert inst.pending
    assert_kept(inst, prepared.corrected.read_bytes())

    # the daemon takes the next page, cannot publish it either, and keeps trying
    daemon = inst.start_daemon(fail=disk.fail)
    try:
        drop(inst.inbox, NEXT, prepared.next.read_bytes())
        daemon.wait_for("the page to be stored", lambda: not any(inst.inbox_files()), timeout=30)
        # the same error at every retry is logged once a minute (feedsvc.logs.RepeatFilter, issue 9):
        # that it goes on retrying shows below, when the output catches up once the disk is repaired
        daemon.wait_for("a retry", lambda: daemon.logs().count("publish still failing") >= 1, timeout=30)
        assert f"cannot write: {disk.reason}" in daemon.logs()
        assert _served(inst.tree()) == before
        assert inst.pending
        assert_kept(inst, prepared.next.read_bytes())
        assert not list((inst.inbox / "failed").iterdir())

        disk.repair()
        daemon.wait_for("the output to catch up", lambda: not inst.pending, timeout=30)
        tree = inst.tree()
        assert _served(tree) == _served(prepared.both), diff(_served(tree), _served(prepared.both))
        check_output(tree, temp_allowed=False)
    finally:
        daemon.stop()


def test_fault_points_are_no_ops_when_unset() -> None:
    assert faults.CRASH_ENV not in os.environ and faults.FAIL_ENV not in os.environ
    assert not faults.ACTIVE
    hits = dict(faults._hits)
    faults.checkpoint("publish.replace.writing")  # not even counted
    assert faults._hits == hits
