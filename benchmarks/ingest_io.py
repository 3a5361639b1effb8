"""Where an ingest's wall time goes on the I/O side, this code against another version.

    .venv/bin/python benchmarks/ingest_io.py (--against SRC | --unsynced) [--runs 3] [--rounds 2]
        [--dirty-mb N | --sync]

Uses `benchmarks/ingest.py`'s regenerated 10-year output (`OUT/ingest/<store>/base-this` and
`base-against`: run that script once first) and its issues. Each round, each version in a child
process of its own (alternately): a warm-up ingest, then `--runs` issues ingested one after another
into a working copy of the base, each timed in pieces by wrappers around functions every version
has (no profiler):

- `writer tail`: from the last file handed to `publish.write` to its return (the writer thread's
  backlog, making the files durable, the renames, fsyncs of the folders, listing them);
- `manifest.read` / `manifest.write`: the output manifest (the read is cached within a process);
- `store.close`: closing the store (SQLite checkpoints its write-ahead log there);
- `ingest`: the whole `pipeline.ingest_file`, and the process's user and system CPU time in it.

`--unsynced` compares this code with itself made not to sync (`os.fdatasync`, `os.fsync` and
`syncfs` made no-ops in the child: never for real use), both from `base-this`: what making an
ingest's files durable adds to its wall time.

Before each ingest, `--sync` writes back everything dirty (a quiet disk); `--dirty-mb N` has
another process leave N MB written and not synced (what a regenerate, a backup or a log leaves on
a busy machine: `syncfs` waits for it). Prints min / median / max milliseconds per piece.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if os.environ.get("FEEDSVC_INGEST_BENCH_CODE"):  # a child measuring another version: its code first
    sys.path.insert(0, os.environ["FEEDSVC_INGEST_BENCH_CODE"])

from benchmarks.archive_store import OUT, cached_store, child_env, instance_settings, spec_for  # noqa: E402
from benchmarks.ingest import ingest, working_copy  # noqa: E402
from benchmarks.run import new_issues  # noqa: E402

PIECES = ("writer tail", "manifest.read", "manifest.write", "store.close", "ingest", "user CPU", "system CPU")


def _timed(owner: Any, name: str, times: dict[str, list[float]], key: str) -> None:
    real: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            times.setdefault(key, []).append(time.perf_counter() - started)

    setattr(owner, name, wrapper)


def _tail(times: dict[str, list[float]]) -> None:
    from feedsvc import publish

    real = publish.write

    def write(output: Path, files: Any, **kwargs: Any) -> list[str]:
        handed: list[float] = []

        def counted() -> Any:
            yield from files
            handed.append(time.perf_counter())

        written = real(output, counted(), **kwargs)
        if handed:
            times.setdefault("writer tail", []).append(time.perf_counter() - handed[0])
        return written

    publish.write = write  # type: ignore[assignment]


def _before_each(dirty_mb: int, sync: bool, folder: Path) -> None:
    if sync:
        os.sync()
    if dirty_mb:
        code = f"open({str(folder / 'dirt')!r}, 'wb').write(b'x' * ({dirty_mb} << 20))"
        subprocess.run([sys.executable, "-c", code], check=True)


def _no_syncs() -> None:
    """Every way feedsvc makes data durable made a no-op (`--unsynced`: a measurement only)."""
    from feedsvc import durable

    os.fdatasync = os.fsync = lambda fd: None
    durable._SYNCFS = None  # sync_path(..., whole_fs=True) then reports False: callers fsync (no-op)


def round_(base: Path, work: Path, issues: list[Path], dirty_mb: int, sync: bool) -> dict[str, list[float]]:
    """The issues into a copy of `base` in this process, each timed in pieces."""
    from feedsvc import manifest, pipeline
    from feedsvc.store import Store

    if os.environ.get("FEEDSVC_INGEST_IO_UNSYNCED"):
        _no_syncs()

    shutil.rmtree(work / "warm-up", ignore_errors=True)
    ingest(work / "warm-up", issues[0])  # imports, caches
    working_copy(base, work / "archive")
    times: dict[str, list[float]] = {}
    _tail(times)
    for owner, name in ((manifest, "read"), (manifest, "write"), (Store, "close")):
        _timed(owner, name, times, f"{owner.__name__.rsplit('.', 1)[-1].lower()}.{name}")
    settings = instance_settings(work / "archive")
    for path in issues:
        _before_each(dirty_mb, sync, work)
        cpu, started = os.times(), time.perf_counter()
        pipeline.ingest_file(settings, path, dt.datetime.now(settings.paper.tz))
        seconds, after = time.perf_counter() - started, os.times()
        times.setdefault("ingest", []).append(seconds)
        times.setdefault("user CPU", []).append(after.user - cpu.user)
        times.setdefault("system CPU", []).append(after.system - cpu.system)
    shutil.rmtree(work, ignore_errors=True)
    return times


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        base, work, dirty, sync, *names = argv[1:]
        print(json.dumps(round_(Path(base), Path(work), [Path(p) for p in names], int(dirty), sync == "1")))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--against", type=Path, help="another version's source tree")
    which.add_argument("--unsynced", action="store_true", help="this code against itself not syncing")
    parser.add_argument("--runs", type=int, default=3, help="issues ingested per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--dirty-mb", type=int, default=0)
    parser.add_argument("--sync", action="store_true")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    built = cached_store(spec_for(years=10, days=None, seed=1), out=args.out)
    folder = args.out / "ingest" / built.folder.name
    issues = new_issues(built.last_date, args.runs, 1, folder / "issues")
    versions = {"this": ROOT, "against": args.against.resolve()} if args.against else {}
    if args.unsynced:
        versions = {"synced": ROOT, "unsynced": ROOT}
    results: dict[str, dict[str, list[float]]] = {name: {} for name in versions}
    for n in range(args.rounds):
        for name, code in versions.items():
            base = folder / f"base-{name if args.against else 'this'}"
            if not (base / ".regenerated").is_file():
                raise SystemExit(f"{base}: not made yet (run benchmarks/ingest.py once)")
            print(f"[{time.strftime('%H:%M:%S')}] round {n + 1}: {name}", file=sys.stderr)
            env = child_env(PYTHONPATH=str(code))
            env["FEEDSVC_INGEST_BENCH_CODE"] = str(code)
            if name == "unsynced":
                env["FEEDSVC_INGEST_IO_UNSYNCED"] = "1"
            flags = [str(args.dirty_mb), "1" if args.sync else "0"]
            command = [sys.executable, __file__, "--child", str(base), str(folder / "work"), *flags]
            out = subprocess.run([*command, *map(str, issues)], env=env, check=True, stdout=subprocess.PIPE)
            for key, values in json.loads(out.stdout).items():
                results[name].setdefault(key, []).extend(values)
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average {load}; before each ingest: {'sync' if args.sync else 'nothing'}, "
          f"{args.dirty_mb} MB left dirty by another process; ms, min / median / max")  # fmt: skip
    for piece in PIECES:
        cells = []
        for name in versions:
            values = [v * 1e3 for v in results[name].get(piece, [])]
            low, mid, high = (min(values), statistics.median(values), max(values)) if values else (0, 0, 0)
            cell = f"{low:6.1f} / {mid:6.1f} / {high:6.1f}" if values else "-"
            cells.append(f"{name} {cell:>26}")
        print(f"{piece:15} " + "   ".join(cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
