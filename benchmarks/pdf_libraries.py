"""What the PDF front end needs from a PDF library, timed on one page with each candidate.

    .venv/bin/python benchmarks/pdf_libraries.py [PDF] [--runs 7]

Reads every character with its box, font and size, the drawn lines and rectangles and the images
of the page (default: the sample page's PDF, tests/data/pages/qiantang-2023-06-26-p1.pdf), with
  - pypdfium2 (PDFium; Apache-2.0/BSD): what feedsvc uses, `feedsvc.parse.pdf.reader.read_page`;
  - pdfminer.six (pure Python; MIT): its page aggregator without layout analysis (LTChar, LTLine,
    LTRect, LTCurve, LTImage),
    (not a dependency of feedsvc: `.venv/bin/pip install pdfminer.six` to compare).
Prints what each found and its time per page, min / median / max over `--runs` runs.
PyMuPDF is not a candidate: AGPL.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SAMPLE = Path(__file__).resolve().parents[1] / "tests" / "data" / "pages" / "qiantang-2023-06-26-p1.pdf"
Found = dict[str, int]


def with_pdfium(data: bytes) -> Found:
    from feedsvc.parse.pdf.reader import open_document, read_pages

    doc = open_document(data, "benchmark.pdf")
    try:
        found = {"chars": 0, "rules": 0, "boxes": 0, "images": 0, "sizes": 0}
        for _, content in read_pages(doc):
            found["chars"] += len(content.chars)
            found["rules"] += len(content.rules)
            found["boxes"] += len(content.boxes)
            found["images"] += len(content.images)
            found["sizes"] += len({(c.size, c.weight) for c in content.chars})
        return found
    finally:
        doc.close()


def with_pdfminer(data: bytes) -> Found:
    import io

    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LTChar, LTContainer, LTCurve, LTImage, LTLine, LTRect
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    found = {"chars": 0, "rules": 0, "boxes": 0, "images": 0, "sizes": 0}
    faces: set[tuple[str, float]] = set()

    def walk(items: object) -> None:
        for item in items:  # type: ignore[attr-defined]
            if isinstance(item, LTChar):
                if not item.get_text().isspace():
                    found["chars"] += 1
                    faces.add((item.fontname, round(item.size, 1)))
            elif isinstance(item, LTLine):
                found["rules"] += 1
            elif isinstance(item, LTRect):
                found["boxes"] += 1
            elif isinstance(item, LTCurve):
                found["rules"] += 1
            elif isinstance(item, LTImage):
                found["images"] += 1
            elif isinstance(item, LTContainer):
                walk(item)

    resources = PDFResourceManager()
    device = PDFPageAggregator(resources, laparams=None)  # no layout analysis: characters as drawn
    interpreter = PDFPageInterpreter(resources, device)
    for page in PDFPage.get_pages(io.BytesIO(data)):
        interpreter.process_page(page)
        walk(device.get_result())
    found["sizes"] = len(faces)
    return found


def timed(read: Callable[[bytes], Found], data: bytes, runs: int) -> tuple[Found, list[float]]:
    found = read(data)  # warm up (imports, caches)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        read(data)
        times.append(time.perf_counter() - started)
    return found, times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("pdf", nargs="?", type=Path, default=SAMPLE)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    data = args.pdf.read_bytes()
    import os

    print(f"{args.pdf.name}: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for name, read in (("pypdfium2", with_pdfium), ("pdfminer.six", with_pdfminer)):
        try:
            found, times = timed(read, data, args.runs)
        except ImportError as exc:
            print(f"{name:13} not installed ({exc.name}): .venv/bin/pip install pdfminer.six")
            continue
        ms = [t * 1000 for t in times]
        what = ", ".join(f"{v} {k}" for k, v in found.items())
        print(
            f"{name:13} {min(ms):7.1f} / {statistics.median(ms):7.1f} / {max(ms):7.1f} ms per page"
            f" (min / median / max of {args.runs}); found {what}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
