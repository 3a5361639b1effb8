"""Does a change to the parser keep its output? Digests of the parse of a large set of inputs, to
compare between two trees (a speed-up must give the same output for every input).

    .venv/bin/python benchmarks/parse_same.py OUT.json [--root TREE] [--against OTHER.json]
        [--days 40] [--pdfs 22] [--shared DIR]

Parses, with the `feedsvc` of `--root` (default: this tree), every text under tests/data and
`--shared` (default: ../shared/fixtures beside this checkout, left out if missing), the synthetic
pages of `--days` days of three seeded archives (benchmarks/make_archive.py), and three mutated
copies of each (odd spaces, tabs, broken and joined lines, stray marks; seeded), each through
`parse` and `parse_bytes`; then the sample PDF, the page PDFs in tests/data and `--pdfs` generated
page PDFs (tests/pdfpages) through `parse_pdf`.
Writes {input: sha256 of its parse (or of its error)} to OUT.json and prints the count and one
digest over all. `--against` compares with a file written by another tree and lists what differs
(exit status 1 if anything does). Typical use: run it once with `--root /work/main`, once here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from feedsvc.models import Issue

HERE = Path(__file__).resolve().parents[1]
SHARED = HERE.parent / "shared" / "fixtures"  # the shared samples, beside the checkout
ODD = (" ", "  ", "\u3000", "\t", "\u00a0", " \u3000", "\u2002", "   ")
MARKS = (
    "（",
    "）",
    "(",
    ")",
    "。",
    "，",
    "摄",
    "记者",
    "■",
    "版",
    "\u200b",
    "\r",
    "\x0b",
    "\ue000",
    "”",
    "“",
)


def mutate(text: str, rng: random.Random) -> str:
    """A copy with odd spaces, tabs, broken and joined lines and stray marks."""
    out: list[str] = []
    breaks = rng.random() < 0.5
    for ch in text:
        r = rng.random()
        if ch == " " and r < 0.15:
            out.append(rng.choice(ODD))
            continue
        if ch == " " and r < 0.25:
            out.append("\n" if breaks else " ")
            continue
        if ch == "\n" and r < 0.05:
            out.append("\n" + rng.choice(("\u3000\u3000", "  ", "\t", "")))
            continue
        if ch == "\n" and r < 0.08:
            continue
        if r < 0.003:
            out.append(rng.choice(MARKS))
        out.append(ch)
    return "".join(out)


def files(root: Path, shared: Path, suffix: str) -> list[tuple[str, Path]]:
    """(key, path) of each input file: the tree's own by their path in it, the shared samples as
    shared/NAME (the same key whichever tree parses them)."""
    own = sorted((root / "tests" / "data").rglob(f"*{suffix}"))
    return [(str(p.relative_to(root)), p) for p in own] + [
        (f"shared/{p.name}", p) for p in sorted(shared.glob(f"*{suffix}"))
    ]


def texts(root: Path, shared: Path, days: int) -> Iterator[tuple[str, str, str]]:
    """(key, file name, text) of each text."""
    from benchmarks.make_archive import ArchiveSpec, iter_pages

    for key, path in files(root, shared, ".txt"):
        yield key, path.name, path.read_text(encoding="utf-8", errors="replace")
    for seed in (1, 2, 3):
        for page in iter_pages(ArchiveSpec(days=days, seed=seed)):
            yield f"synthetic{seed}/{page.name}", page.name, page.text


def pdfs(root: Path, shared: Path, generated: int) -> Iterator[tuple[str, bytes, str, str]]:
    """(name, data, publication, English name) of each PDF."""
    from tests.pdfpages import LAYOUTS, generate

    for key, path in files(root, shared, ".pdf"):
        yield key, path.read_bytes(), "钱塘新区报", "QIANTANG NEW AREA DAILY"
    for n in range(generated):
        page = generate(3000 + n, LAYOUTS[n % len(LAYOUTS)])
        yield f"gen-{n}-{LAYOUTS[n % len(LAYOUTS)]}.pdf", page.pdf, page.paper, page.name_en


def digest(call: Callable[[], Issue]) -> str:
    """sha256 of the parse's JSON, or of its ParseError."""
    from feedsvc.errors import ParseError

    try:
        out = call().model_dump_json()
    except ParseError as exc:
        out = f"ParseError {exc}"
    return hashlib.sha256(out.encode("utf-8", "surrogatepass")).hexdigest()


def run(root: Path, shared: Path, days: int, generated: int) -> dict[str, str]:
    from feedsvc.parse import ParseHints, parse, parse_bytes
    from feedsvc.parse.pdf import parse_pdf

    def pdf_issue(data: bytes, source: str, hints: ParseHints) -> Issue:
        return parse_pdf(data, source=source, hints=hints).issue

    hints = ParseHints(
        publication="钱塘新区报",
        name_en="QIANTANG NEW AREA DAILY",
        sections={1: "要闻", 2: "综合", 3: "民生", 4: "副刊"},
    )
    rng = random.Random(42)
    out: dict[str, str] = {}
    for key, name, original in texts(root, shared, days):
        copies = [original, *(mutate(original, rng) for _ in range(3))]
        for k, text in enumerate(copies):
            out[f"parse:{key}#{k}"] = digest(partial(parse, text, source=name, hints=hints))
            data = text.encode("utf-8", "surrogatepass")
            out[f"bytes:{key}#{k}"] = digest(partial(parse_bytes, data, source=name, hints=hints))
    for name, data, paper, name_en in pdfs(root, shared, generated):
        pdf_hints = ParseHints(publication=paper, name_en=name_en)
        out[f"pdf:{name}"] = digest(partial(pdf_issue, data, Path(name).name, pdf_hints))
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--root", type=Path, default=HERE, help="the tree whose feedsvc parses")
    ap.add_argument("--against", type=Path, help="a file written by another tree, to compare with")
    ap.add_argument("--days", type=int, default=40)
    ap.add_argument("--pdfs", type=int, default=22)
    ap.add_argument("--shared", type=Path, default=SHARED, help="the shared samples' folder")
    args = ap.parse_args(argv)
    root = args.root.resolve()
    sys.path.insert(0, str(root))
    if not args.shared.is_dir():
        print(f"note: {args.shared}: no such folder, the shared samples are left out", file=sys.stderr)
    results = run(root, args.shared, args.days, args.pdfs)
    import feedsvc

    print(f"parsed by {Path(feedsvc.__file__).parent}")
    args.out.write_text(json.dumps(results, indent=0, sort_keys=True), encoding="utf-8")
    total = hashlib.sha256("".join(f"{k}={v}\n" for k, v in sorted(results.items())).encode())
    print(f"{len(results)} parses ({sum(k.startswith('pdf:') for k in results)} PDFs): {total.hexdigest()}")
    if args.against is None:
        return 0
    other: dict[str, str] = json.loads(args.against.read_text(encoding="utf-8"))
    differ = sorted(k for k in results.keys() | other.keys() if results.get(k) != other.get(k))
    for key in differ[:40]:
        print(f"differs: {key}")
    print(f"{len(differ)} of {len(results)} differ from {args.against}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
