"""Fault injection for tests: crash or fail at named points in the write path. Off unless asked.

    FEEDSVC_CRASH_AT=<point>:<n>              SIGKILL this process the n-th time it reaches <point>
    FEEDSVC_FAIL_AT=<point>:<ERRNO>[:<flag>]  raise OSError(ERRNO) each time it reaches <point>
                                              (only while the file <flag> exists, if given)

e.g. `FEEDSVC_CRASH_AT=publish.replace.synced:3` or `FEEDSVC_FAIL_AT=publish.replace.writing:ENOSPC`.
The variables are read once, at import; when neither is set, `checkpoint` returns at once. The
points are the `checkpoint("…")` calls in pipeline, publish, store and inbox (`POINTS` lists them).
For tests only: nothing in production sets these variables.
"""

from __future__ import annotations

import errno
import os
import signal
import threading

CRASH_ENV = "FEEDSVC_CRASH_AT"
FAIL_ENV = "FEEDSVC_FAIL_AT"

POINTS = frozenset(
    {
        "pipeline.ingest.parsed",  # a submission read and parsed, before the writer lock
        "pipeline.marker.set",  # the publish-pending marker set, the store not yet changed
        "store.add_submission.uncommitted",  # inside the transaction storing the original bytes
        "pipeline.ingest.added",  # the original stored (committed), not applied
        "store.apply.uncommitted",  # inside apply's transaction, every row written
        "pipeline.ingest.applied",  # the issue applied (committed), nothing published
        "pipeline.regenerate.reparsed",  # regenerate --reparse: one stored original applied again
        "publish.write.file",  # about to write an output file whose bytes changed
        "publish.replace.writing",  # the temporary file being written (data passed to write())
        "publish.replace.synced",  # the temporary file complete and fsynced, not renamed
        "publish.write.replaced",  # an output file replaced, its folder not yet fsynced
        "publish.remove.file",  # about to delete an obsolete output
        "publish.remove.unlinked",  # an obsolete output deleted, its folder maybe not yet
        "pipeline.publish.written",  # every output written, obsolete ones not yet deleted
        "pipeline.publish.removed",  # obsolete outputs deleted, marker not yet cleared
        "pipeline.publish.done",  # marker cleared
        "inbox.take.renamed",  # a submission moved into .processing/
        "inbox.fail.noted",  # a rejected submission's reason written in failed/, the file not yet moved
        "inbox.fail.moved",  # a rejected submission moved into failed/ beside its reason
        "inbox.done.before",  # a stored submission about to leave .processing/
    }
)


def _parse(env: str, value: str) -> tuple[str, str, str]:
    point, sep, rest = value.partition(":")
    if point not in POINTS or not sep:
        raise SystemExit(f"{env}={value!r}: expected <point>:<…> with a point in feedsvc.faults.POINTS")
    arg, _, extra = rest.partition(":")
    return point, arg, extra


_crash: tuple[str, int] | None = None
_fail: tuple[str, int, str] | None = None
_hits: dict[str, int] = {}
_count = threading.Lock()  # publish.write hits its points from several threads

if _crash_spec := os.environ.get(CRASH_ENV):
    _point, _n, _ = _parse(CRASH_ENV, _crash_spec)
    _crash = (_point, int(_n))
if _fail_spec := os.environ.get(FAIL_ENV):
    _point, _name, _flag = _parse(FAIL_ENV, _fail_spec)
    _fail = (_point, int(getattr(errno, _name)), _flag)
ACTIVE = _crash is not None or _fail is not None


def checkpoint(point: str) -> None:
    """A named point in the write path: does nothing unless FEEDSVC_CRASH_AT / FEEDSVC_FAIL_AT name it."""
    if ACTIVE:
        _hit(point)


def _hit(point: str) -> None:
    with _count:
        count = _hits[point] = _hits.get(point, 0) + 1
    if _crash is not None and _crash == (point, count):
        os.kill(os.getpid(), signal.SIGKILL)
    if _fail is not None and _fail[0] == point and (not _fail[2] or os.path.exists(_fail[2])):
        code = _fail[1]
        raise OSError(code, f"{os.strerror(code)} (injected at {point})")
