"""Cold and warm `feedsvc regenerate`, this checkout against another one, alternately (A/B/A/B).

    .venv/bin/python benchmarks/regen_ab.py --other /path/to/checkout [--years 10 | --days N]
        [--runs 3] [--seed 1] [--cold-only] [--keep] [--out benchmarks/out]

The machine these figures come from is shared and noisy, so a change is measured against the code
it changes in the same minutes: each round runs the other checkout (A) and then this one (B), each
as `feedsvc regenerate` of a copy of the cached store (benchmarks/archive_store.py) into an empty
output folder (cold), then again with nothing changed (warm); both checkouts run with this venv,
their own package first on PYTHONPATH. Each figure is printed as min / median / max with the load
average. An output folder is set aside, not deleted, until all runs are done: ext4 creates files
slowly for some minutes after a large tree is deleted, which would penalize the run after it.
Search is off (FEEDSVC_SITE__SEARCH=false), as in benchmarks/run.py.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# after the path fix, so that the script runs from anywhere
from benchmarks import archive_store
from benchmarks.archive_store import OUT, OUTPUT_DIR, cached_store, copy_instance, spec_for
from benchmarks.run import Regenerated, regenerate
from benchmarks.stats import spread

ROOT = Path(__file__).resolve().parents[1]


def run_as(checkout: Path, folder: Path) -> Regenerated:
    """`regenerate` with `checkout`'s package first on the path."""
    saved = archive_store.ROOT
    archive_store.ROOT = checkout  # child_env puts ROOT first on PYTHONPATH
    try:
        return regenerate(folder)
    finally:
        archive_store.ROOT = saved


def line(label: str, runs: list[Regenerated]) -> str:
    return (
        f"{label:<10} wall {spread([r.seconds for r in runs], '6.1f', 's')}"
        f" | peak RSS {spread([r.rss_mb for r in runs], '4.0f', 'MB')}"
        f" | anon {spread([r.anon_mb for r in runs], '4.0f', 'MB')}"
        f" | PSS all {spread([r.tree_mb for r in runs], '4.0f', 'MB')}"
        f" | written {runs[-1].written:,}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--other", type=Path, required=True, help="the checkout to compare with (A)")
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--days", type=int, help="number of daily issues (overrides --years)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cold-only", action="store_true", help="skip the warm runs")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="leave the output folders (deleting 100k files slows file creation)",
    )
    parser.add_argument("--out", type=Path, default=OUT, help="cache and work folder (default: %(default)s)")
    args = parser.parse_args(argv)
    built = cached_store(spec_for(years=args.years, days=args.days, seed=args.seed), out=args.out)
    work = args.out / "regen-ab"
    trash = work / "trash"
    if work.exists():  # left by a run stopped halfway: set aside, deleted at the end with the rest
        stale = args.out / f"regen-ab-{time.time_ns()}"
        work.rename(stale)
        work.mkdir()
        stale.rename(work / "stale")
    trash.mkdir(parents=True)
    sides = {"A": args.other.resolve(), "B": ROOT}
    results: dict[str, dict[str, list[Regenerated]]] = {s: {"cold": [], "warm": []} for s in sides}
    load: list[float] = []
    try:
        for n in range(args.runs):
            for side, checkout in sides.items():
                instance = work / side
                copy_instance(built, instance)
                if (instance / OUTPUT_DIR).exists():
                    (instance / OUTPUT_DIR).rename(trash / f"{side}-{n}")
                load.append(os.getloadavg()[0])
                cold = run_as(checkout, instance)
                results[side]["cold"].append(cold)
                print(f"[{time.strftime('%H:%M:%S')}] {side} cold {cold.seconds:.1f} s", file=sys.stderr)
                if not args.cold_only:
                    load.append(os.getloadavg()[0])
                    warm = run_as(checkout, instance)
                    results[side]["warm"].append(warm)
                    print(f"[{time.strftime('%H:%M:%S')}] {side} warm {warm.seconds:.1f} s", file=sys.stderr)
        label = f"{args.days} days" if args.days is not None else f"{args.years} years"
        print(  # before the output folders are deleted, which takes long
            f"regenerate {label}, {args.runs} runs each, A = {sides['A']}, B = {sides['B']};"
            f" load average (1 min) {min(load):.1f}-{max(load):.1f}; min / median / max"
        )
        for side in sides:
            for kind, runs in results[side].items():
                if runs:
                    print(line(f"{side} {kind}", runs), flush=True)
    finally:
        if args.keep:  # set aside under a new name: the next run starts with an empty work folder
            work.rename(args.out / f"regen-ab-kept-{time.time_ns()}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
