"""What file creation alone costs: an output folder's files written again by `publish.write`.

    .venv/bin/python benchmarks/file_creation.py SOURCE [--runs 2] [--scratch DIR] [--settle 330]

Reads every file below SOURCE (a kept regenerate output, e.g. `benchmarks/run.py --keep` leaves
one in benchmarks/out/work/archive-1/feeds) into memory, then, `--runs` times, writes them with
`publish.write` (one writer thread, temporary files, `syncfs`, renames: what a cold regenerate's
writing costs without its rendering) into a new folder under `--scratch`, twice per run:
- `fresh`: no files deleted on the file system for the last minutes;
- `after deleting`: right after deleting the previous copy (what a benchmark that removes its
  last output before a cold run measures).
Prints wall, user and system seconds of each. On ext4 without a journal the kernel avoids reusing
an inode deleted in the last 60 s (300 s while its inode table block is dirty) and searches past
every such inode for each new file (`recently_deleted` in fs/ext4/ialloc.c): see
docs/PERFORMANCE.md, "File creation after deletions". A fresh write waits `--settle` s first.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from feedsvc import publish

SETTLE = 330.0


def read_all(source: Path) -> list[tuple[str, bytes]]:
    files = []
    for folder, _, names in os.walk(source):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                files.append((os.path.relpath(path, source), f.read()))
    return sorted(files)


def timed(target: Path, files: list[tuple[str, bytes]]) -> tuple[float, float, float]:
    before, started = os.times(), time.perf_counter()
    publish.write(target, iter(files))
    after = os.times()
    return time.perf_counter() - started, after.user - before.user, after.system - before.system


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("source", type=Path)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--scratch", type=Path, default=Path(__file__).parent / "out" / "file-creation")
    ap.add_argument("--settle", type=float, default=SETTLE, help="seconds to wait before a fresh write")
    args = ap.parse_args(argv)
    files = read_all(args.source)
    print(f"{len(files):,} files, {sum(len(d) for _, d in files) / 1e6:,.0f} MB from {args.source}")
    results: dict[str, list[tuple[float, float, float]]] = {"fresh": [], "after deleting": []}
    shutil.rmtree(args.scratch, ignore_errors=True)
    for run in range(args.runs):
        os.sync()
        print(f"waiting {args.settle:.0f} s for earlier deletions to settle", flush=True)
        time.sleep(args.settle)
        first, second = args.scratch / f"a{run}", args.scratch / f"b{run}"
        results["fresh"].append(timed(first, files))
        shutil.rmtree(first)
        results["after deleting"].append(timed(second, files))
        shutil.rmtree(second)
        for kind, got in results.items():
            wall, user, system = got[-1]
            print(
                f"run {run + 1} {kind:>14}: {wall:5.1f} s wall, {user:4.1f} s user, {system:5.1f} s system",
                flush=True,
            )
    for kind, got in results.items():
        walls = sorted(g[0] for g in got)
        low, mid, high = walls[0], statistics.median(walls), walls[-1]
        print(f"{kind:>14}: wall min/median/max {low:.1f} / {mid:.1f} / {high:.1f} s")
    shutil.rmtree(args.scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
