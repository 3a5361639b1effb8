"""Crash safety: `feedsvc ingest`, `feedsvc regenerate [--reparse]` and `feedsvc run` killed with
SIGKILL at many points of the write path (deterministically, by `feedsvc.faults`: FEEDSVC_CRASH_AT),
then run again.

After every kill: each file in the output folder is a complete, valid document (Atom parses without
complaint, JSON is a JSON Feed 1.1, HTML is whole); a leftover temporary file is hidden (its name
starts with a dot); no submission is lost (its bytes are in the store, or the file is still in the
inbox or .processing/). After the same command runs again (or the daemon restarts and takes its
.processing/ leftovers) the output folder holds exactly the bytes of an uninterrupted run, no
temporary file is left and the publish-pending marker is gone. The clock is fixed (FEEDSVC_NOW).

The cases are independent (each on its own copy of a prepared instance) and run a few at a time
in a thread pool, started when the module's first test asks for them.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.e2e_helpers import SAMPLE, drop
from tests.fault_helpers import (
    BAD,
    JOURNAL,
    MANIFEST,
    MANIFEST_PARTS,
    SIGKILLED,
    T0,
    Instance,
    check_output,
    corrected_sample,
    diff,
    next_issue,
)

pytestmark = pytest.mark.e2e

WORKERS = max(3, min(6, (os.cpu_count() or 2) + 2))  # the daemon cases mostly wait
CORRECTED = "qiantang-2023-06-26-p1-corrected.txt"
NEXT = "qiantang-2023-06-27-p1.txt"
GARBAGE = "scan.txt"  # PDF bytes named .txt: the parser rejects it

# (command, FEEDSVC_CRASH_AT). `ingest` ingests the corrected sample page (edits, a retraction, an
# emptied contributor feed: files written and removed) and then the next issue's front page into
# an instance holding the sample page; `regenerate` and `regenerate --reparse` run on an instance
# whose store holds all three while its output folder still shows only the first (plus an obsolete
# temporary file); `run` is the daemon taking the two pages and a garbage file from its inbox.
CASES: list[tuple[str, str]] = [
    ("ingest", "pipeline.ingest.parsed:1"),
    ("ingest", "pipeline.marker.set:1"),
    ("ingest", "store.add_submission.uncommitted:1"),
    ("ingest", "pipeline.ingest.added:1"),
    ("ingest", "store.apply.uncommitted:1"),
    ("ingest", "pipeline.ingest.applied:1"),
    ("ingest", "publish.replace.writing:1"),
    ("ingest", "publish.replace.synced:1"),
    ("ingest", "publish.replace.synced:9"),
    ("ingest", "publish.write.replaced:18"),
    ("ingest", "pipeline.publish.written:1"),
    ("ingest", "publish.remove.file:1"),
    ("ingest", "publish.remove.unlinked:3"),
    ("ingest", "pipeline.publish.removed:1"),
    ("ingest", "pipeline.publish.done:1"),
    ("ingest", "store.add_submission.uncommitted:2"),
    ("ingest", "store.apply.uncommitted:2"),
    ("ingest", "pipeline.ingest.applied:2"),
    ("ingest", "publish.replace.synced:24"),
    ("ingest", "pipeline.publish.written:2"),
    ("regenerate", "pipeline.marker.set:1"),
    ("regenerate", "publish.write.file:1"),
    ("regenerate", "publish.replace.synced:7"),
    ("regenerate", "publish.write.replaced:15"),
    ("regenerate", "pipeline.publish.written:1"),
    ("regenerate", "publish.remove.file:1"),
    ("regenerate --reparse", "store.apply.uncommitted:1"),
    ("regenerate --reparse", "pipeline.regenerate.reparsed:2"),
    ("run", "inbox.take.renamed:1"),
    ("run", "pipeline.ingest.added:1"),
    ("run", "store.apply.uncommitted:1"),
    ("run", "publish.replace.synced:3"),
    ("run", "publish.remove.unlinked:1"),
    ("run", "inbox.done.before:1"),
    ("run", "pipeline.publish.written:2"),
    ("run", "inbox.fail.noted:1"),
    ("run", "inbox.fail.moved:1"),
]


@dataclass
class World:
    """Prepared instances (copied for each case) and the outputs of uninterrupted runs."""

    root: Path
    submissions: dict[str, Path]
    base: Instance  # the sample page ingested at T0
    stale: Instance  # store with all three pages, output folder of `base` plus a stray temp file
    reference: dict[str, dict[str, bytes]] = field(default_factory=dict)  # command → output tree
    base_tree: dict[str, bytes] = field(default_factory=dict)
    stale_tree: dict[str, bytes] = field(default_factory=dict)


@dataclass
class Outcome:
    crashed: subprocess.CompletedProcess[str] | int
    after_crash: dict[str, bytes]
    stored_after_crash: dict[str, str]
    waiting_after_crash: dict[str, bytes]  # files in the inbox and .processing/
    failed_after_crash: list[str]
    rerun: str  # what the second run said
    after_rerun: dict[str, bytes]
    stored_after_rerun: dict[str, str]
    pending_after_rerun: bool
    failed_after_rerun: list[str]
    notes: dict[str, str] = field(default_factory=dict)


def _ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _prepare(root: Path) -> World:
    subs = root / "submissions"
    subs.mkdir()
    submissions = {CORRECTED: subs / CORRECTED, NEXT: subs / NEXT, GARBAGE: subs / GARBAGE}
    submissions[CORRECTED].write_bytes(corrected_sample())
    submissions[NEXT].write_bytes(next_issue())
    submissions[GARBAGE].write_bytes((BAD / "pdf-renamed.txt").read_bytes())

    base = Instance(root / "base")
    _ok(base.cli("ingest", str(SAMPLE), now=T0))
    world = World(root=root, submissions=submissions, base=base, stale=base)

    ref = base.copy(root / "ref-ingest")
    _ok(ref.cli("ingest", str(submissions[CORRECTED]), str(submissions[NEXT])))
    world.reference["ingest"] = ref.tree()

    stale = ref.copy(root / "stale")
    shutil.rmtree(stale.output)
    shutil.copytree(base.output, stale.output)
    (stale.output / "sections" / ".yaowen.atom.x1y2z3.feedsvc-tmp").write_bytes(b"<?xml half a fee")
    world.stale = stale
    world.base_tree, world.stale_tree = base.tree(), stale.tree()
    check_output(world.base_tree, temp_allowed=False)  # the cases skip files with these bytes
    check_output(world.stale_tree, temp_allowed=True)
    for command in ("regenerate", "regenerate --reparse"):
        inst = stale.copy(root / f"ref-{command.replace(' --', '-')}")
        _ok(inst.cli(*command.split()))
        world.reference[command] = inst.tree()
    for tree in world.reference.values():
        check_output(tree, temp_allowed=False)
    return world


def _run_cli_case(world: World, command: str, crash: str, folder: Path) -> Outcome:
    start = world.base if command == "ingest" else world.stale
    inst = start.copy(folder)
    args = command.split()
    if command == "ingest":
        args += [str(world.submissions[CORRECTED]), str(world.submissions[NEXT])]
    crashed = inst.cli(*args, crash=crash)
    after_crash, stored = inst.tree(), inst.originals()
    rerun = inst.cli(*args)
    return Outcome(
        crashed=crashed,
        after_crash=after_crash,
        stored_after_crash=stored,
        waiting_after_crash={},
        failed_after_crash=[],
        rerun=f"exit {rerun.returncode}\n{rerun.stdout}\n{rerun.stderr}",
        after_rerun=inst.tree(),
        stored_after_rerun=inst.originals(),
        pending_after_rerun=inst.pending,
        failed_after_rerun=[],
    )


def _failed(inst: Instance) -> list[str]:
    folder = inst.inbox / "failed"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def _settled(inst: Instance) -> bool:
    waiting = [p for p in inst.inbox.iterdir() if p.is_file()]
    processing = list((inst.inbox / ".processing").iterdir())
    note = inst.inbox / "failed" / f"{GARBAGE}.error.txt"
    return not waiting and not processing and note.exists() and not inst.pending


def _run_daemon_case(world: World, crash: str, folder: Path) -> Outcome:
    inst = world.base.copy(folder)
    for n, name in enumerate((CORRECTED, NEXT, GARBAGE), start=1):
        path = drop(inst.inbox, name, world.submissions[name].read_bytes())
        os.utime(path, ns=(n * 10**12, n * 10**12))  # taken in this order; renamed in: ready at once
    daemon = inst.start_daemon(crash=crash, log_name="crashed.log")
    code = daemon.wait(timeout=60)
    daemon.log.close()
    notes = {"crashed.log": daemon.logs()}
    after_crash, stored = inst.tree(), inst.originals()
    waiting, failed = inst.inbox_files(), _failed(inst)

    daemon = inst.start_daemon(log_name="restarted.log")
    try:
        daemon.wait_for("the daemon to start", lambda: "watching" in daemon.logs(), timeout=60)
        daemon.wait_for("the inbox to be worked off", lambda: _settled(inst), timeout=60)
    finally:
        daemon.stop()
    notes["restarted.log"] = daemon.logs()
    return Outcome(
        crashed=code,
        after_crash=after_crash,
        stored_after_crash=stored,
        waiting_after_crash=waiting,
        failed_after_crash=failed,
        rerun=daemon.logs(),
        after_rerun=inst.tree(),
        stored_after_rerun=inst.originals(),
        pending_after_rerun=inst.pending,
        failed_after_rerun=_failed(inst),
        notes=notes,
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return _prepare(tmp_path_factory.mktemp("crash"))


@pytest.fixture(scope="module")
def outcomes(world: World) -> Iterator[dict[tuple[str, str], Future[Outcome]]]:
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures: dict[tuple[str, str], Future[Outcome]] = {}
        for n, (command, crash) in enumerate(CASES):
            folder = world.root / f"case-{n:02d}"
            if command == "run":
                futures[command, crash] = pool.submit(_run_daemon_case, world, crash, folder)
            else:
                futures[command, crash] = pool.submit(_run_cli_case, world, command, crash, folder)
        yield futures
        for future in futures.values():
            future.cancel()


def served(tree: dict[str, bytes]) -> dict[str, bytes]:
    return {rel: data for rel, data in tree.items() if not any(p.startswith(".") for p in rel.split("/"))}


def listed(tree: dict[str, bytes]) -> set[str]:
    """The files the manifest in `tree` lists (its own lines, as before the parts, its parts' and
    its journal's whole lines)."""
    lines = tree[MANIFEST].decode("utf-8").split("\n")[2:]
    journaled = tree.get(JOURNAL, b"")
    lines += journaled[: journaled.rfind(b"\n") + 1].decode("utf-8").split("\n")
    for rel, data in tree.items():
        if rel.startswith(MANIFEST_PARTS + "/") and not rel.rsplit("/", 1)[-1].startswith("."):
            lines += data.decode("utf-8").split("\n")[1:]
    return {line for line in lines if line}


def test_points_are_many_and_distinct() -> None:
    from feedsvc.faults import POINTS

    assert len(set(CASES)) == len(CASES)
    points = {crash.partition(":")[0] for _, crash in CASES}
    assert points <= POINTS
    assert len(points) >= 20, sorted(POINTS - points)


def test_references_are_complete(world: World) -> None:
    ingest = check_output(world.reference["ingest"], temp_allowed=False)
    assert "contributors/chen-yijun.atom" not in ingest  # emptied by the correction
    assert "articles/2023/06/27/p1-01.html" in ingest
    for command in ("regenerate", "regenerate --reparse"):
        assert world.reference[command] == world.reference["ingest"], diff(
            world.reference[command], world.reference["ingest"]
        )


@pytest.mark.parametrize(("command", "crash"), CASES, ids=[f"{c}@{p}" for c, p in CASES])
def test_killed_then_run_again(
    command: str, crash: str, world: World, outcomes: dict[tuple[str, str], Future[Outcome]]
) -> None:
    out = outcomes[command, crash].result(timeout=600)
    code = out.crashed if isinstance(out.crashed, int) else out.crashed.returncode
    assert code == SIGKILLED, f"not killed at {crash} (exit {code}): {out.crashed}"

    # after the kill: every served file is a whole, valid document; temporary files are hidden
    reference = world.reference["ingest" if command == "run" else command]
    start = world.stale_tree if command.startswith("regenerate") else world.base_tree
    check_output(out.after_crash, temp_allowed=True, known=(start, reference))  # checked once, above
    # nothing feedsvc wrote is forgotten: each file new since the start is listed in the manifest
    # (an ingest lists a batch in its parts before renaming it; a regenerate in its journal)
    new = {rel for rel, data in served(out.after_crash).items() if start.get(rel) != data}
    assert new <= listed(out.after_crash), sorted(new - listed(out.after_crash))
    # nothing lost: each submission's bytes are stored, or still waiting in the inbox
    if command == "run":
        waiting = {_sha(data) for data in out.waiting_after_crash.values()}
        for name in (CORRECTED, NEXT):
            sha = _sha(world.submissions[name].read_bytes())
            assert sha in out.stored_after_crash or sha in waiting, f"{name} lost after {crash}"
        garbage = _sha(world.submissions[GARBAGE].read_bytes())
        assert garbage in waiting or GARBAGE in out.failed_after_crash, "the garbage file vanished"
    assert all(status in ("received", "applied") for status in out.stored_after_crash.values())

    # after running again: exactly the uninterrupted run's bytes, nothing left over
    check_output(out.after_rerun, temp_allowed=False, known=(reference,))
    assert out.after_rerun == reference, (
        f"differs from an uninterrupted run: {diff(out.after_rerun, reference)}\n{out.rerun}"
    )
    assert not out.pending_after_rerun, out.rerun
    expected = {
        _sha(SAMPLE.read_bytes()),
        *(_sha(world.submissions[n].read_bytes()) for n in (CORRECTED, NEXT)),
    }
    assert out.stored_after_rerun == dict.fromkeys(expected, "applied"), out.rerun
    if command == "run":
        assert out.failed_after_rerun == [GARBAGE, f"{GARBAGE}.error.txt"], out.notes
