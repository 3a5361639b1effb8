"""Many ingests one after another in one process, as the daemon runs them: is memory bounded?

    .venv/bin/python benchmarks/ingest_memory.py [--ingests 50] [--every 10] [--days N]

Uses the base output `benchmarks/ingest.py` made for this code (run that first): a working copy of
it in `OUT/ingest/<store>/memory/`, the start-up objects frozen as the daemon does
(`collector.freeze_startup`), then `--ingests` new 4-page issues ingested with
`pipeline.ingest_file`. Prints, every `--every` ingests, the process's resident memory (its
anonymous part: the store's memory-mapped pages aside) and the objects the collector tracks, and
at the end the CPU and wall time per ingest (min / median / max). Search is off. The working copy
is deleted at the end.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.archive_store import OUT, cached_store, spec_for  # noqa: E402
from benchmarks.ingest import ingest, working_copy  # noqa: E402
from benchmarks.run import new_issues  # noqa: E402


def _memory() -> str:
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = value.strip()
    return f"RSS {fields.get('VmRSS', '?')} (anonymous {fields.get('RssAnon', '?')})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--days", type=int, help="number of daily issues (overrides --years)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ingests", type=int, default=50)
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    built = cached_store(spec_for(years=args.years, days=args.days, seed=args.seed), out=args.out)
    folder = args.out / "ingest" / built.folder.name
    base = folder / "base-this"
    if not (base / ".regenerated").is_file():
        raise SystemExit(f"{base}: no base output; run benchmarks/ingest.py first")
    issues = new_issues(built.last_date, args.ingests, args.seed, folder / "memory-issues")
    work = folder / "memory"
    working_copy(base, work)
    from feedsvc import collector

    collector.freeze_startup()
    walls, cpus = [], []
    try:
        print(f"before: {_memory()}, {len(gc.get_objects())} objects tracked")
        for n, path in enumerate(issues, 1):
            seconds, _, cpu = ingest(work, path)
            walls.append(seconds * 1000)
            cpus.append(cpu * 1000)
            if n % args.every == 0 or n == len(issues):
                print(f"after {n:3d} ingests: {_memory()}, {len(gc.get_objects())} objects tracked")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for name, values in (("wall", walls), ("CPU", cpus)):
        low, mid, high = min(values), statistics.median(values), max(values)
        print(f"{name:4s} per ingest min/median/max {low:,.0f} / {mid:,.0f} / {high:,.0f} ms")
    print(f"at {time.strftime('%H:%M:%S')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
