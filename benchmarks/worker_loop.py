"""A regenerate's worker loop in one process: `render.pool.Worker.render_days` over every run of
issues of the cached synthetic store, into an empty output folder (every entry rendered).

    .venv/bin/python benchmarks/worker_loop.py [--days 365 | --years N] [--seed 1] [--runs 3]
        [--profile out.prof] [--pieces]

What a cold regenerate's workers do, without the main process, the writer or a second process
beside it: the figure to watch when making the workers' rendering cheaper (their CPU is the limit
of a cold regenerate on two cores). Prints the loop's seconds (min / median / max over `--runs`),
and per entry; `--profile` writes a cProfile of one more loop; `--pieces` times each piece of an
entry's rendering on its own (the article page, each feed format, the issue pages, `pack` and
pickling what goes back to the main process).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import functools
import pickle
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# after the path fix, so that the script runs from anywhere
from benchmarks.archive_store import cached_store, instance_settings, spec_for
from benchmarks.stats import spread
from feedsvc import collector
from feedsvc.records import Entry
from feedsvc.render import html
from feedsvc.render.common import EntryParts, Site, entry_parts
from feedsvc.render.feeds import FORMATS
from feedsvc.render.issues import IssuePlace, neighbours
from feedsvc.render.pool import Days, Worker, issue_outputs, pack, runs

_RUN_DAYS = 8  # as render/builder.py hands them out


def loop(worker: Worker, tasks: list[Days]) -> tuple[int, int]:
    """Every run rendered; (entries, bytes pickled as a worker sends them back)."""
    count = size = 0
    for task in tasks:
        done = worker.render_days(task)
        count += len(done[0])
        size += len(pickle.dumps(done, protocol=pickle.HIGHEST_PROTOCOL))
    return count, size


def _each(render: Callable[[Site, EntryParts], bytes], site: Site, parts: list[EntryParts]) -> None:
    for p in parts:
        render(site, p)


def pieces(worker: Worker, tasks: list[Days]) -> None:
    """Each piece of the loop timed alone over the same entries (µs an entry)."""
    site = worker.site
    days = [d for t in tasks for d in t.days]
    by_day: dict[dt.date, list[Entry]] = {}
    for e in worker.store.entries_between(days[0], days[-1]):
        by_day.setdefault(e.issue_date, []).append(e)
    pairs = [(e, around[e.id]) for es in by_day.values() for around in [neighbours(es)] for e in es]
    n = len(pairs)

    def timed(label: str, fn: Callable[[], object], per: int = n) -> None:
        start = time.perf_counter()
        fn()
        print(f"  {label:<24} {(time.perf_counter() - start) / per * 1e6:8.1f} µs")

    timed("entry_parts", lambda: [entry_parts(site, e) for e, _ in pairs])
    parts = [entry_parts(site, e) for e, _ in pairs]
    digest = "0" * 64
    timed(
        "article page",
        lambda: [html.article_page(site, e, p, digest, a) for (e, a), p in zip(pairs, parts, strict=True)],
    )
    for fmt in FORMATS:
        timed(f"feed bytes {fmt.ext}", functools.partial(_each, fmt.entry, site, parts))
    timed("pack", lambda: [pack(e, slim=True) for e, _ in pairs])
    made = [
        (pack(e, slim=True), tuple(fmt.entry(site, p) for fmt in FORMATS), b"x" * 6000)
        for (e, _), p in zip(pairs, parts, strict=True)
    ]
    timed("pickle (page 6 kB)", lambda: pickle.dumps(made, protocol=pickle.HIGHEST_PROTOCOL))
    blob = pickle.dumps(made, protocol=pickle.HIGHEST_PROTOCOL)
    timed("unpickle", lambda: pickle.loads(blob))
    timed(
        "issue page (an issue)",
        lambda: [issue_outputs(worker.renderer, IssuePlace(d), es) for d, es in by_day.items()],
        len(by_day),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--days", type=int, help="number of daily issues (overrides --years)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", type=Path, help="write a cProfile of one more loop here")
    parser.add_argument("--pieces", action="store_true", help="time each piece of the loop alone")
    args = parser.parse_args(argv)

    spec = spec_for(years=args.years, days=args.days, seed=args.seed)
    built = cached_store(spec)
    settings = instance_settings(built.folder)
    site = Site.from_settings(settings)
    collector.for_a_worker()  # as `pool._start` does in a worker process
    worker = Worker(site, built.store, None)
    try:
        tasks = runs(worker.store.issue_dates(), _RUN_DAYS)
        loop(worker, tasks[:2])  # templates compiled, caches warm
        seconds = []
        count = size = 0
        for _ in range(args.runs):
            start = time.perf_counter()
            count, size = loop(worker, tasks)
            seconds.append(time.perf_counter() - start)
        print(
            f"worker loop, {count:,} entries in {len(tasks)} runs: {spread(seconds, '.2f', 's')}"
            f" ({min(seconds) / count * 1e6:.0f} µs an entry at best; {size / 1e6:.1f} MB pickled back)"
        )
        if args.pieces:
            pieces(worker, tasks)
        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(loop, worker, tasks)
            profiler.dump_stats(args.profile)
            print(f"profile: {args.profile}")
    finally:
        worker.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
