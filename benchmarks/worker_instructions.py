"""Instructions per entry of a cold regenerate's worker loop, counted by valgrind (callgrind): a
figure that does not move with the load of a shared machine, unlike times.

    .venv/bin/python benchmarks/worker_instructions.py [--root TREE] [--runs 6] [--repeat 1]
        [--keep DIR] [--functions 30]

Runs `valgrind --tool=callgrind` (PYTHONHASHSEED=0) over this script in a child process: it makes
a `render.pool.Worker` on the cached 1-year store (`benchmarks/archive_store.py`; no output
folder, so every entry is rendered), renders the store's last run of issues once (the templates
compiled, the caches warm), then calls `render_days` over its first `--runs` runs, each result
pickled as a worker sends it back; and again over 0 runs. It prints the difference divided by the
entries rendered, `--repeat` times. `--root`: the tree whose `feedsvc` renders (default: this
one; the store and the settings are this tree's). `--keep DIR` keeps callgrind's two outputs
there; `--functions N` prints the N C functions (callgrind_annotate, exclusive) whose counts
grew most per entry, which says where the instructions go: the interpreter, dict look-ups,
allocation, encoding, regular expressions.
"""

from __future__ import annotations

import argparse
import collections
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
_RUN_DAYS = 8  # as render/builder.py hands them out


def worker_loop(root: Path, folder: Path, runs: int) -> int:
    """The child's work (see the docstring); the number of entries rendered."""
    sys.path.insert(0, str(root))
    import feedsvc
    from feedsvc.config import load_settings
    from feedsvc.render.common import Site
    from feedsvc.render.pool import Worker
    from feedsvc.render.pool import runs as cut

    assert Path(feedsvc.__file__).is_relative_to(root), feedsvc.__file__
    settings = load_settings(HERE / "config" / "feedsvc.toml", cwd=folder)
    settings = settings.model_copy(update={"site": settings.site.model_copy(update={"search": False})})
    from feedsvc import collector

    if hasattr(collector, "for_a_worker"):  # as `pool._start` does in a worker process (cold9 on)
        collector.for_a_worker()
    worker = Worker(Site.from_settings(settings), settings.paths.store, None)
    try:
        tasks = cut(worker.store.issue_dates(), _RUN_DAYS)
        worker.render_days(tasks[-1])  # templates compiled, caches warm
        count = 0
        for task in tasks[:runs]:
            done = worker.render_days(task)
            pickle.dumps(done, protocol=pickle.HIGHEST_PROTOCOL)
            count += len(done[0])
    finally:
        worker.close()
    return count


def collected(root: Path, folder: Path, runs: int, out: Path | None) -> tuple[int, int]:
    """(instructions, entries) of the child over `runs` runs, under callgrind."""
    env = {**os.environ, "PYTHONHASHSEED": "0", "FEEDSVC_SITE__SEARCH": "false"}
    command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out or os.devnull}"]
    command += [sys.executable, __file__, "--root", str(root), "--store", str(folder), "--loop", str(runs)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    entries = re.search(r"^entries (\d+)$", done.stdout, re.MULTILINE)
    if found is None or entries is None:
        raise SystemExit(f"no instruction count in valgrind's output:\n{done.stderr[-2000:]}")
    return int(found.group(1)), int(entries.group(1))


def by_function(path: Path) -> collections.Counter[str]:
    """Exclusive instructions by function, as callgrind_annotate lists them."""
    listing = subprocess.run(
        ["callgrind_annotate", "--inclusive=no", "--threshold=100", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    counts: collections.Counter[str] = collections.Counter()
    for line in listing.splitlines():
        found = re.match(r"\s*([\d,]+) \([\s\d.]+%\)\s+(.*)$", line)
        if found and "PROGRAM TOTALS" not in line:
            name = re.sub(r"^.*/", "", found.group(2).split(" [")[0])
            counts[name] += int(found.group(1).replace(",", ""))
    return counts


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=HERE, help="the tree whose feedsvc renders")
    ap.add_argument("--runs", type=int, default=6, help="runs of 8 issues rendered (6: ~1,160 entries)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--keep", type=Path, help="keep callgrind's outputs in this folder")
    ap.add_argument("--functions", type=int, default=0, help="list the N functions that grew most")
    ap.add_argument("--store", type=Path, help=argparse.SUPPRESS)  # the child's instance folder
    ap.add_argument("--loop", type=int, help=argparse.SUPPRESS)  # the child valgrind runs
    args = ap.parse_args(argv)
    root = args.root.resolve()
    if args.loop is not None:
        print(f"entries {worker_loop(root, args.store, args.loop)}")
        return 0
    sys.path.insert(0, str(HERE))
    from benchmarks.archive_store import cached_store, spec_for

    folder = cached_store(spec_for(years=1, days=None, seed=1)).folder
    if args.functions and not args.keep:
        raise SystemExit("--functions needs --keep")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    for n in range(args.repeat):
        outs = [args.keep / f"callgrind.{n}.{runs}.out" if args.keep else None for runs in (0, args.runs)]
        (base, _), (total, entries) = (
            collected(root, folder, r, o) for r, o in zip((0, args.runs), outs, strict=True)
        )
        print(f"{root}: {(total - base) / entries / 1e6:.3f} M instructions an entry ({entries:,} entries)")
        if args.functions and outs[0] and outs[1]:
            grew = by_function(outs[1])
            grew.subtract(by_function(outs[0]))
            whole = sum(grew.values())
            for name, count in grew.most_common(args.functions):
                print(f"  {count / entries:9.0f} {100 * count / whole:5.1f} %  {name[:100]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
