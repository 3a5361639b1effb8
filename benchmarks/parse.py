"""Parser throughput on one core: the real sample page and synthetic pages, parsed over and over.

    .venv/bin/python benchmarks/parse.py [--seconds 5] [--pages 200] [--seed 1] [--check]
        [--fail-under PAGES_PER_S]

Times `feedsvc.parse.parse(text, source=…, hints=…)` (decoding is not timed) on the sample page
(the repository's copy in tests/data/pages/ or tests/data/ if there is one, else
../shared/fixtures/qiantang-2023-06-26-p1.txt) and on `--pages` pages of the synthetic archive
(round-robin), in alternating quarter-second slices for `--seconds`. Prints pages per second and
milliseconds per page (goal: 1,000 pages/s on the sample, issue 15).
`--check` also compares each synthetic page's parse with what the generator put on it.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# after the path fix, so that the script runs from anywhere
from benchmarks.make_archive import ArchiveSpec, GeneratedPage, iter_pages
from feedsvc.models import Issue
from feedsvc.parse import ParseHints, from_name, parse

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_NAME = "qiantang-2023-06-26-p1.txt"
SAMPLE_PATHS = (
    ROOT / "tests" / "data" / "pages" / SAMPLE_NAME,
    ROOT / "tests" / "data" / SAMPLE_NAME,
    ROOT.parent / "shared" / "fixtures" / SAMPLE_NAME,
)
GOAL = 1000.0
PUBLICATION = "钱塘新区报"
NAME_EN = "QIANTANG NEW AREA DAILY"
SECTIONS = {1: "要闻", 2: "综合", 3: "民生", 4: "副刊"}


@dataclass(frozen=True, slots=True)
class Sample:
    name: str
    text: str
    kind: str  # "sample" or "synthetic"
    truth: GeneratedPage | None = None


def sample_path() -> Path:
    for path in SAMPLE_PATHS:
        if path.is_file():
            return path
    raise SystemExit(f"sample page not found: {' or '.join(str(p) for p in SAMPLE_PATHS)}")


def load_samples(pages: int, seed: int) -> list[Sample]:
    path = sample_path()
    samples = [Sample(SAMPLE_NAME, path.read_text(encoding="utf-8"), "sample")]
    spec = ArchiveSpec(days=max(1, -(-pages // 4)), seed=seed)
    for page in iter_pages(spec):
        if len(samples) > pages:
            break
        samples.append(Sample(page.name, page.text, "synthetic", page))
    return samples


def make_parser() -> Callable[[Sample], Issue]:
    """`parse` with the hints the pipeline passes: the paper's names and sections, the file name."""
    base = ParseHints(publication=PUBLICATION, name_en=NAME_EN, sections=SECTIONS)
    hints: dict[str, ParseHints] = {}

    def run(sample: Sample) -> Issue:
        hint = hints.get(sample.name)
        if hint is None:
            named = {k: v for k, v in from_name(sample.name).items() if v is not None}
            hint = hints[sample.name] = base.model_copy(update=named)
        return parse(sample.text, source=sample.name, hints=hint)

    return run


def pin_to_one_core() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


def measure(
    samples: Sequence[Sample], run: Callable[[Sample], Issue], seconds: float
) -> dict[str, list[float]]:
    """Seconds per parse, by kind: half the time on the sample page, half on the synthetic pages
    (round-robin), in alternating slices of a quarter second, so that both kinds get many timings
    and share whatever else the machine is doing."""
    timings: dict[str, list[float]] = {"sample": [], "synthetic": []}
    clock = time.perf_counter
    by_kind = {kind: [s for s in samples if s.kind == kind] for kind in timings}
    turn = {kind: 0 for kind in timings}
    deadline = clock() + seconds
    while clock() < deadline:
        for kind, pool in by_kind.items():
            if not pool:
                continue
            slice_end = clock() + _SLICE
            while clock() < slice_end:
                sample = pool[turn[kind] % len(pool)]
                turn[kind] += 1
                started = clock()
                run(sample)
                timings[kind].append(clock() - started)
    return timings


_SLICE = 0.25  # seconds on one kind of page before switching to the other


def _norm(text: str | None) -> str | None:
    return None if text is None else re.sub(r"\s", "", unicodedata.normalize("NFKC", text))


def check(samples: Sequence[Sample], run: Callable[[Sample], Issue]) -> Counter[str]:
    """How many synthetic items the parser recovers as generated, field by field."""
    tally: Counter[str] = Counter()
    for sample in samples:
        if sample.truth is None:
            continue
        got = run(sample).items
        want = sample.truth.items
        tally["items generated"] += len(want)
        tally["items parsed"] += len(got)
        if len(got) != len(want):
            tally["pages with a different item count"] += 1
            continue
        for g, w in zip(got, want, strict=True):
            fields = {
                "kind": g.kind == w.kind,
                "headline": _norm(g.headline) == _norm(w.headline),
                "kicker": _norm(g.kicker) == _norm(w.kicker),
                "contributors": [(c.role, c.name, c.credit) for c in g.contributors] == w.contributors,
                "text": _norm(g.text) == _norm(w.text),
            }
            for name, ok in fields.items():
                tally[f"{name} wrong"] += not ok
            tally["items exactly right"] += all(fields.values())
    return tally


def _ms(values: list[float]) -> str:
    if not values:
        return "-"
    return f"median {statistics.median(values) * 1e3:.2f} ms, mean {statistics.fmean(values) * 1e3:.2f} ms"


def _rate(values: list[float]) -> str:
    return f"{len(values) / sum(values):.0f} pages/s" if values else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--pages", type=int, default=200, help="synthetic pages besides the sample")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--check", action="store_true", help="compare parses with the generated items")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the process to one CPU")
    parser.add_argument("--fail-under", type=float, help="exit 1 below this many pages per second")
    args = parser.parse_args(argv)

    pinned = "not pinned" if args.no_pin else pin_to_one_core()
    samples = load_samples(args.pages, args.seed)
    run = make_parser()
    for sample in samples:  # warm up, and fail early on a page the parser rejects
        run(sample)
    if args.check:
        for name, count in sorted(check(samples, run).items()):
            print(f"check: {name}: {count}")
    timings = measure(samples, run, args.seconds)
    every = timings["sample"] + timings["synthetic"]
    rate = len(every) / sum(every)
    print(f"parse: {len(every)} pages in {sum(every):.2f} s of parsing ({pinned})")
    print(f"  sample page    {_ms(timings['sample'])}, {_rate(timings['sample'])}")
    distinct = len(samples) - 1
    print(
        f"  synthetic page {_ms(timings['synthetic'])}, {_rate(timings['synthetic'])} ({distinct} distinct)"
    )
    sample_rate = len(timings["sample"]) / sum(timings["sample"])
    verdict = "met" if sample_rate >= GOAL else "NOT met"
    print(f"  all pages: {rate:.0f} pages/s, {1e3 / rate:.2f} ms/page")
    print(f"  the sample page: {sample_rate:.0f} pages/s (goal {GOAL:.0f} pages/s: {verdict})")
    if args.fail_under is not None and rate < args.fail_under:
        print(f"FAIL: {rate:.0f} pages/s is under {args.fail_under:.0f}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
