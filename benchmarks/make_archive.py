"""A deterministic synthetic archive of daily issues, as exported page text, for benchmarks at scale.

    .venv/bin/python benchmarks/make_archive.py OUT_DIR [--years 10] [--start 2014-01-01] [--seed 1]
        [--days N] [--pages-per-issue 4] [--paper qiantang] [--per-issue] [--truth FILE.jsonl]

One file per page, `<paper>-YYYY-MM-DD-p<N>.txt`, in the submission format of the real sample page:
each text block on one line (its visual lines joined by single spaces, wrapped every 12–26
characters), blocks separated by blank lines. Page 1 prints the masthead and the front-page
furniture; pages 2… a header `第N版 <section>` (some issues a dated running head). Items: articles
(kicker, headline, subtitle, `■记者 X` bylines or `本报讯(记者 X 通讯员 Y)` datelines, bodies of
recombined sentences, paragraphs split across blocks mid-word) and photos (title, caption, credit
line `记者 X 摄`). Same arguments, same bytes: each issue draws from its own seeded generator.

`--truth` writes what each page holds (one JSON object per page) to a file outside OUT_DIR, so OUT_DIR
can be used as an inbox. Importable: `generate(out_dir, ArchiveSpec(days=3))`, `iter_pages(spec)`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# after the path fix, so that the script runs from anywhere
from benchmarks.issue import ArchiveSpec, GeneratedPage, ItemTruth, iter_issues, iter_pages

__all__ = ["ArchiveSpec", "GeneratedPage", "ItemTruth", "Summary", "generate", "iter_issues", "iter_pages"]


def years_to_days(start: dt.date, years: int) -> int:
    """Days from `start` to the same date `years` later (28 February for a 29 February start)."""
    try:
        end = start.replace(year=start.year + years)
    except ValueError:
        end = start.replace(year=start.year + years, day=28)
    return (end - start).days


@dataclass(slots=True)
class Summary:
    files: int = 0
    pages: int = 0
    articles: int = 0
    photos: int = 0
    bytes: int = 0
    seconds: float = 0.0
    contributors: set[str] = field(default_factory=set)

    @property
    def items(self) -> int:
        return self.articles + self.photos

    def add(self, other: Summary) -> None:
        self.files += other.files
        self.pages += other.pages
        self.articles += other.articles
        self.photos += other.photos
        self.bytes += other.bytes
        self.contributors |= other.contributors

    def line(self) -> str:
        return (
            f"{self.files} files, {self.pages} pages, {self.items} items ({self.photos} photos), "
            f"{len(self.contributors)} contributors, {self.bytes / 1e6:.1f} MB in {self.seconds:.1f} s"
        )


def split(spec: ArchiveSpec, parts: int) -> list[ArchiveSpec]:
    """Consecutive runs of days; each issue seeds its own generator, so the bytes do not change."""
    size = -(-spec.days // max(1, parts))
    return [
        replace(spec, start=spec.start + dt.timedelta(days=at), days=min(size, spec.days - at),
                first_issue=spec.first_issue + at)
        for at in range(0, spec.days, size)
    ]  # fmt: skip


def _write(out_dir: Path, spec: ArchiveSpec, per_issue: bool, truth: Path | None) -> Summary:
    summary = Summary()
    with ExitStack() as stack:
        truth_file = stack.enter_context(truth.open("w", encoding="utf-8")) if truth else None
        for pages in iter_issues(spec):
            if per_issue:
                files = [(f"{spec.paper}-{pages[0].date.isoformat()}.txt", "\f".join(p.text for p in pages))]
            else:
                files = [(p.name, p.text) for p in pages]
            for name, text in files:
                data = text.encode()
                (out_dir / name).write_bytes(data)
                summary.files += 1
                summary.bytes += len(data)
            for page in pages:
                summary.pages += 1
                for item in page.items:
                    summary.photos += item.kind == "photo"
                    summary.articles += item.kind == "article"
                    summary.contributors.update(name for _, name, _ in item.contributors)
                if truth_file:
                    truth_file.write(json.dumps(page.truth(), ensure_ascii=False) + "\n")
    return summary


def generate(
    out_dir: Path,
    spec: ArchiveSpec,
    *,
    per_issue: bool = False,
    truth: Path | None = None,
    jobs: int = 1,
) -> Summary:
    """Write the archive into `out_dir` (created): one file per page, or per issue with pages split
    by `\f`; with `truth`, each page's expected items as JSON lines. `jobs` processes share the days."""
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    chunks = split(spec, jobs * 4 if jobs > 1 else 1)
    parts = [truth.with_name(f"{truth.name}.part{i}") for i in range(len(chunks))] if truth else []
    summary = Summary()
    if len(chunks) == 1:
        summary.add(_write(out_dir, spec, per_issue, truth))
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [
                pool.submit(_write, out_dir, chunk, per_issue, parts[i] if parts else None)
                for i, chunk in enumerate(chunks)
            ]
            for future in futures:
                summary.add(future.result())
        if truth:
            with truth.open("wb") as joined:
                for part in parts:
                    joined.write(part.read_bytes())
                    part.unlink()
    summary.seconds = time.perf_counter() - started
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--days", type=int, help="number of daily issues (overrides --years)")
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2014, 1, 1))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pages-per-issue", type=int, default=4)
    parser.add_argument("--paper", default="qiantang", help="file name prefix")
    parser.add_argument("--first-issue", type=int, default=1, help="issue number (总第N期) of the first day")
    parser.add_argument("--per-issue", action="store_true", help="one file per issue, pages split by \\f")
    parser.add_argument("--truth", type=Path, help="write each page's expected items (JSON lines) here")
    parser.add_argument("--jobs", type=int, default=min(8, os.cpu_count() or 1), help="worker processes")
    args = parser.parse_args(argv)
    if args.pages_per_issue < 1 or (args.days is not None and args.days < 1) or args.years < 1:
        parser.error("--days, --years and --pages-per-issue must be at least 1")
    if args.truth and args.truth.resolve().parent == args.out_dir.resolve():
        parser.error("--truth must not be written into OUT_DIR (it would be read as a submission)")
    days = args.days if args.days is not None else years_to_days(args.start, args.years)
    spec = ArchiveSpec(
        start=args.start,
        days=days,
        pages_per_issue=args.pages_per_issue,
        seed=args.seed,
        paper=args.paper,
        first_issue=args.first_issue,
    )
    summary = generate(args.out_dir, spec, per_issue=args.per_issue, truth=args.truth, jobs=args.jobs)
    print(f"{args.out_dir}: {summary.line()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
