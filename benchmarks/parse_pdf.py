"""PDF front end throughput on one core: page PDFs parsed over and over (photos encoded included).

    .venv/bin/python benchmarks/parse_pdf.py [--seconds 3] [--runs 5] [--generated 10] [--cpu N]

Pages: the sample page's PDF (tests/data/pages/qiantang-2023-06-26-p1.pdf, ~5,000 characters,
two images) and `--generated` broadsheet pages of the test generator (tests/pdfpages, all its
layouts; needs its Debian fonts). The process is pinned to one CPU (`--cpu`, default the first
it may use). Each run parses the pages round-robin for `--seconds` and gives pages per second, by
the wall clock and by the process's CPU time (the CPU figure is what one core does when the
machine is shared); the summary gives min / median / max over `--runs` runs, per kind of page.
Goal: 20 broadsheet pages/s on one core.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.stats import spread
from feedsvc.parse import ParseHints
from feedsvc.parse.pdf import parse_pdf

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "pages" / "qiantang-2023-06-26-p1.pdf"
GOAL = 20.0
HINTS = ParseHints(publication="钱塘新区报", name_en="QIANTANG NEW AREA DAILY")


def pages(generated: int) -> dict[str, list[tuple[str, bytes, ParseHints]]]:
    kinds: dict[str, list[tuple[str, bytes, ParseHints]]] = {
        "sample": [(SAMPLE.name, SAMPLE.read_bytes(), HINTS)]
    }
    if generated:
        from tests.pdfpages import LAYOUTS, generate

        made = [generate(2000 + n, LAYOUTS[n % len(LAYOUTS)]) for n in range(generated)]
        kinds["generated"] = [
            (
                f"generated-{p.layout}-{p.seed}.pdf",
                p.pdf,
                ParseHints(publication=p.paper, name_en=p.name_en),
            )
            for p in made
        ]
    return kinds


def chars_of(data: bytes) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    try:
        textpage = doc[0].get_textpage()
        return int(textpage.count_chars())
    finally:
        doc.close()


def run(batch: list[tuple[str, bytes, ParseHints]], seconds: float) -> tuple[float, float]:
    """(pages/s by the wall clock, pages/s by CPU time) parsing `batch` round-robin."""
    count = 0
    wall, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - wall < seconds:
        name, data, hints = batch[count % len(batch)]
        parse_pdf(data, source=name, hints=hints)
        count += 1
    return count / (time.perf_counter() - wall), count / (time.process_time() - cpu)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--generated", type=int, default=10)
    parser.add_argument("--cpu", type=int, default=None)
    args = parser.parse_args(argv)
    cpu = args.cpu if args.cpu is not None else min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    kinds = pages(args.generated)
    print(f"pinned to CPU {cpu}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for kind, batch in kinds.items():
        sizes = [chars_of(data) for _, data, _ in batch]
        for name, data, hints in batch:  # warm up: first loads, caches
            parse_pdf(data, source=name, hints=hints)
        walls, cpus = [], []
        for _ in range(args.runs):
            wall, by_cpu = run(batch, args.seconds)
            walls.append(wall)
            cpus.append(by_cpu)
        print(
            f"{kind:9} {len(batch):3} page(s), {statistics.fmean(sizes):6.0f} chars/page: "
            f"pages/s min / median / max  wall {spread(walls, '6.1f')}   CPU {spread(cpus, '6.1f')}"
        )
    print(f"goal: {GOAL:.0f} broadsheet pages/s on one core")
    return 0


if __name__ == "__main__":
    sys.exit(main())
