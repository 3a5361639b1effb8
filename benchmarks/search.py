"""How long the Pagefind index of one year takes to build (what an ingest into that year costs).

    .venv/bin/python benchmarks/search.py [--items-per-day 24] [--runs 3]

Synthetic entries (random Chinese text from the sample page's characters, ~900 characters each)
for a month and a whole year of daily issues; prints min/median/max seconds per size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feedsvc.records import Entry
from feedsvc.render.common import Site
from feedsvc.search import _index
from tests.render_helpers import entry, settings

SAMPLE = Path(__file__).resolve().parent.parent / "tests" / "data" / "pages" / "qiantang-2023-06-26-p1.txt"


def entries(days: int, per_day: int, rng: random.Random) -> list[Entry]:
    chars = [c for c in SAMPLE.read_text(encoding="utf-8") if "\u4e00" <= c <= "\u9fff"]
    out = []
    for d in range(days):
        day = dt.date(2023, 1, 1) + dt.timedelta(days=d)
        for i in range(per_day):
            text = ["".join(rng.choices(chars, k=300)) for _ in range(3)]
            title = "".join(rng.choices(chars, k=14))
            out.append(entry(day, 1 + i // 6, 1 + i % 6, title=title, paragraphs=text))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items-per-day", type=int, default=24)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    site = Site.from_settings(settings(Path("/nonexistent")))
    rng = random.Random(1)
    for label, days in (("a month", 30), ("a year", 365)):
        batch = entries(days, args.items_per_day, rng)
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            files = _index(site, batch)
            times.append(time.perf_counter() - start)
        size = sum(len(v) for v in files.values())
        print(
            f"index {label}: {len(batch)} items, {len(files)} files, {size / 1e6:.1f} MB;"
            f" min {min(times):.1f} s, median {statistics.median(times):.1f} s, max {max(times):.1f} s"
        )


if __name__ == "__main__":
    main()
