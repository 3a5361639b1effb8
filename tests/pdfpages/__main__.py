"""`python -m tests.pdfpages score [--seeds N] [--layout L] [-v]`: parse generated pages with the PDF
front end and print each page's score and per layout min/median/mean (the figures the PDF route is
judged by). `python -m tests.pdfpages write DIR [--count N] [--layout L]`: write pages as
DIR/<layout>-<seed>.pdf beside their truth, DIR/<layout>-<seed>.expected.json (for
../shared/tools/compare-parse and `feedsvc parse`)."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from tests.pdfpages import LAYOUTS, generate


def score_pages(seeds: range, layouts: list[str], verbose: bool) -> int:
    from feedsvc import preview
    from feedsvc.parse import ParseHints
    from feedsvc.parse.pdf import parse_pdf
    from tests.scoring import score

    by: dict[str, list[float]] = {layout: [] for layout in layouts}
    for seed in seeds:
        for layout in layouts:
            page = generate(seed, layout)
            start = time.perf_counter()
            hints = ParseHints(publication=page.paper, name_en=page.name_en)
            try:
                issue = parse_pdf(page.pdf, source=f"{layout}-{seed}.pdf", hints=hints).issue
            except Exception as exc:  # a crash scores 0 and is shown, the run goes on
                print(f"{layout:13s} {seed:6d} ERROR {exc!r}")
                by[layout].append(0.0)
                continue
            result = score(page.truth, json.loads(preview.as_json(issue)))
            by[layout].append(result.score)
            print(f"{layout:13s} {seed:6d} {result.summary()} ({time.perf_counter() - start:.2f} s)")
            if verbose:
                for problem in result.problems:
                    print(f"      {problem}")
    every = [s for v in by.values() for s in v]
    for layout, values in [*by.items(), ("all", every)]:
        print(
            f"{layout:13s} pages {len(values):3d}  mean {statistics.fmean(values):.3f}  min {min(values):.3f}"
            f"  median {statistics.median(values):.3f}  max {max(values):.3f}"
        )
    return 0 if statistics.fmean(every) >= 0.97 else 1


def write_pages(folder: Path, seeds: range, layouts: list[str]) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    for seed in seeds:
        for layout in layouts:
            page = generate(seed, layout)
            (folder / f"{layout}-{seed}.pdf").write_bytes(page.pdf)
            truth = json.dumps(page.truth, ensure_ascii=False, indent=1) + "\n"
            (folder / f"{layout}-{seed}.expected.json").write_text(truth, encoding="utf-8")
            print(f"{folder / f'{layout}-{seed}.pdf'}: {page.chars} characters")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.pdfpages", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("score", "write"):
        p = sub.add_parser(name)
        if name == "write":
            p.add_argument("folder", type=Path)
        p.add_argument("--seeds", type=int, default=10, help="how many seeds per layout")
        p.add_argument("--first", type=int, default=0, help="the first seed")
        p.add_argument("--layout", choices=LAYOUTS, action="append", help="only these layouts")
        p.add_argument("-v", action="store_true", help="score: print what differs")
    args = parser.parse_args(argv)
    seeds = range(args.first, args.first + args.seeds)
    layouts = args.layout or list(LAYOUTS)
    if args.command == "score":
        return score_pages(seeds, layouts, args.v)
    return write_pages(args.folder, seeds, layouts)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
