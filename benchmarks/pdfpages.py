"""Write a set of generated broadsheet page PDFs of about 5,000 characters each, for timing the PDF
front end (`feedsvc parse X.pdf`, `parse_pdf`) on pages like a paper's.

    .venv/bin/python benchmarks/pdfpages.py OUT_DIR [--count 20] [--chars 5000] [--first-seed 0]

Pages come from tests/pdfpages (seeded: the same arguments give the same files), all layouts in
turn; a page is kept when its text is within 15 % of --chars. Each PDF is written with its truth
(`<name>.expected.json`). Prints one line per page, then the total.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.pdfpages import LAYOUTS, GeneratedPage, generate


def page_set(count: int, chars: int, first_seed: int = 0) -> list[GeneratedPage]:
    """`count` pages of `chars` characters (within 15 %), layouts in turn, seeds from `first_seed`."""
    pages: list[GeneratedPage] = []
    seed = first_seed
    while len(pages) < count:
        layout = LAYOUTS[len(pages) % len(LAYOUTS)]
        page = generate(seed, layout)
        seed += 1
        if abs(page.chars - chars) <= 0.15 * chars:
            pages.append(page)
        if seed - first_seed > 200 * count:
            raise SystemExit(f"no pages of about {chars} characters found: try another --chars")
    return pages


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", type=Path)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--chars", type=int, default=5000)
    parser.add_argument("--first-seed", type=int, default=0)
    args = parser.parse_args(argv)
    args.folder.mkdir(parents=True, exist_ok=True)
    total = 0
    for page in page_set(args.count, args.chars, args.first_seed):
        name = f"{page.layout}-{page.seed}"
        (args.folder / f"{name}.pdf").write_bytes(page.pdf)
        truth = json.dumps(page.truth, ensure_ascii=False, indent=1) + "\n"
        (args.folder / f"{name}.expected.json").write_text(truth, encoding="utf-8")
        total += page.chars
        print(f"{args.folder / name}.pdf  {page.chars} characters, {len(page.pdf)} bytes")
    print(f"{args.count} pages, {total} characters, mean {total / max(1, args.count):.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
