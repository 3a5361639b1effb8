"""feedsvc beside its peer: Pelican, the static site generator a newsroom would pick instead.

    .venv/bin/python benchmarks/peer.py [--years 1 | --days N] [--runs 3] [--seed 1]

The same synthetic archive (benchmarks/archive_store.py's cached store of `--years` of daily 4-page
issues) goes to both:

- feedsvc: `feedsvc regenerate` of the store, as a child process (what benchmarks/run.py times);
- Pelican: every live entry of the store as a Markdown article (title, date, modified, category =
  its section, authors = each contributor, the paragraphs), built by `pelican` with feeds for all
  entries, each category and each author (Atom and RSS, 50 entries each, like feedsvc's
  subscription documents), article pages, index, category and author pages paginated by 50.
  Slugs keep Han characters (`SLUGIFY_USE_UNICODE`): transliterated, homophone names such as
  张伟 and 章伟 would share one author feed. Pelican is installed into its own venv under
  benchmarks/out/pelican-venv (never a dependency of feedsvc; PyPI must be reachable once).

Both are timed cold (empty output folder; for Pelican also no content cache) and warm (the output
of the run before, and Pelican's content cache on), alternately, `--runs` times each, as wall time
including the interpreter's start. Prints each median (min-max) and the ratio Pelican / feedsvc.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# after the path fix, so that the script runs from anywhere
from benchmarks.archive_store import (
    CONFIG,
    OUT,
    OUTPUT_DIR,
    Built,
    cached_store,
    child_env,
    copy_instance,
    spec_for,
)
from feedsvc.records import PAPER, Entry
from feedsvc.store import Store

PELICAN = "pelican[markdown]==4.12.0"
VENV = "pelican-venv"
RUNS = 3

PELICAN_CONF = """\
SITENAME = "钱塘新区报"
SITEURL = ""
AUTHOR = "钱塘新区报"
TIMEZONE = "Asia/Shanghai"
DEFAULT_LANG = "zh"
PATH = "content"
ARTICLE_PATHS = ["articles"]
PAGE_PATHS = []
STATIC_PATHS = []
SLUGIFY_USE_UNICODE = True
DEFAULT_PAGINATION = 50
FEED_MAX_ITEMS = 50
FEED_DOMAIN = "https://paper.example"
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = "feeds/all.rss.xml"
CATEGORY_FEED_ATOM = "feeds/category/{slug}.atom.xml"
CATEGORY_FEED_RSS = "feeds/category/{slug}.rss.xml"
AUTHOR_FEED_ATOM = "feeds/author/{slug}.atom.xml"
AUTHOR_FEED_RSS = "feeds/author/{slug}.rss.xml"
FEED_ATOM = None
FEED_RSS = None
TRANSLATION_FEED_ATOM = None
TRANSLATION_FEED_RSS = None
TAG_FEED_ATOM = None
TAG_FEED_RSS = None
ARTICLE_URL = "articles/{slug}.html"
ARTICLE_SAVE_AS = "articles/{slug}.html"
TAGS_SAVE_AS = ""
TAG_SAVE_AS = ""
ARCHIVES_SAVE_AS = ""
YEAR_ARCHIVE_SAVE_AS = ""
MONTH_ARCHIVE_SAVE_AS = ""
DAY_ARCHIVE_SAVE_AS = ""
DELETE_OUTPUT_DIRECTORY = False
CACHE_PATH = "cache"
CACHE_CONTENT = {cache}
LOAD_CONTENT_CACHE = {cache}
"""

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|!])")


def note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------- Pelican


def pelican(venv: Path = OUT / VENV) -> Path:
    """The `pelican` program of its own venv (benchmarks/out/pelican-venv), installed first if missing."""
    program = venv / "bin" / "pelican"
    if not program.is_file():
        note(f"installing {PELICAN} into {venv} (once)")
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", PELICAN], check=True)
    return program


def _text(value: str) -> str:
    """One line of Markdown text (metadata values, paragraphs): markup characters escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(value.split()))


def markdown(entry: Entry) -> str:
    """One entry as a Pelican Markdown article."""
    slug = entry.path.removeprefix("articles/").removesuffix(".html").replace("/", "-")
    lines = [
        f"Title: {' '.join(entry.title.split())}",
        f"Date: {entry.published.isoformat()}",
        f"Modified: {entry.updated.isoformat()}",
        f"Slug: {slug}",
    ]
    if entry.section:
        lines.append(f"Category: {entry.section}")
    names = list(dict.fromkeys(p.name for p in entry.contributors))
    if names:
        lines.append(f"Authors: {', '.join(names)}")
    lines.append(f"Summary: {_text(entry.summary)}")
    lines.append("")
    lines += [f"{_text(paragraph)}\n" for paragraph in entry.paragraphs]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class Site:
    folder: Path
    articles: int
    categories: int
    authors: int


def write_site(built: Built, folder: Path) -> Site:
    """The archive's live entries as a Pelican site in `folder` (content/articles/YYYY/MM/DD/*.md)."""
    shutil.rmtree(folder, ignore_errors=True)
    content = folder / "content" / "articles"
    count = 0
    sections: set[str | None] = set()
    people: set[str] = set()
    with Store.open(built.store) as store:
        for entry in store.entries(PAPER):
            target = content / f"{entry.path.removeprefix('articles/').removesuffix('.html')}.md"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(markdown(entry), encoding="utf-8")
            count += 1
            sections.add(entry.section)
            people.update(p.name for p in entry.contributors)
    return Site(folder, count, len(sections), len(people))


def pelican_run(program: Path, site: Site, *, warm: bool) -> float:
    """One Pelican build: cold (no output, no cache) or warm (both from the run before)."""
    (site.folder / "pelicanconf.py").write_text(PELICAN_CONF.replace("{cache}", str(warm)), encoding="utf-8")
    if not warm:
        shutil.rmtree(site.folder / "output", ignore_errors=True)
        shutil.rmtree(site.folder / "cache", ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(
        [str(program), "content", "-o", "output", "-s", "pelicanconf.py", "-q"],
        cwd=site.folder,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


# ----------------------------------------------------------------------------------------- feedsvc


def feedsvc_run(folder: Path, *, warm: bool) -> float:
    """One `feedsvc regenerate` of the instance in `folder`: cold (empty output) or warm."""
    if not warm:
        shutil.rmtree(folder / OUTPUT_DIR, ignore_errors=True)
    command = [sys.executable, "-m", "feedsvc.cli", "--config", str(CONFIG), "--log-level", "WARNING"]
    started = time.perf_counter()
    subprocess.run(
        [*command, "regenerate"], cwd=folder, env=child_env(), check=True, stdout=subprocess.DEVNULL
    )
    return time.perf_counter() - started


# ------------------------------------------------------------------------------------------- both


@dataclass(frozen=True, slots=True)
class Timings:
    feedsvc_cold: list[float]
    feedsvc_warm: list[float]
    pelican_cold: list[float]
    pelican_warm: list[float]


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} s ({min(values):.1f}-{max(values):.1f})"


@dataclass(frozen=True, slots=True)
class Result:
    label: str
    site: Site
    timings: Timings

    @property
    def cold_ratio(self) -> float:
        return statistics.median(self.timings.pelican_cold) / statistics.median(self.timings.feedsvc_cold)

    @property
    def warm_ratio(self) -> float:
        return statistics.median(self.timings.pelican_warm) / statistics.median(self.timings.feedsvc_warm)

    def summary(self) -> str:
        t = self.timings
        return (
            f"cold: feedsvc {spread(t.feedsvc_cold)}, Pelican {spread(t.pelican_cold)}:"
            f" {self.cold_ratio:.1f}×; warm: feedsvc {spread(t.feedsvc_warm)},"
            f" Pelican {spread(t.pelican_warm)}: {self.warm_ratio:.1f}×"
            f" (medians of {len(t.feedsvc_cold)}; {self.site.articles:,} entries, {self.site.categories}"
            f" sections, {self.site.authors} contributors)"
        )


def measure(built: Built, label: str, *, runs: int = RUNS, out: Path = OUT) -> Result:
    """Both generators on `built`'s archive, cold and warm alternately, `runs` times each, working
    in `out`/peer (removed at the end)."""
    program = pelican()
    work = out / "peer"
    shutil.rmtree(work, ignore_errors=True)
    try:
        site = write_site(built, work / "pelican")
        copy_instance(built, work / "feedsvc")
        steps: list[tuple[str, Callable[[], float]]] = [
            ("feedsvc_cold", lambda: feedsvc_run(work / "feedsvc", warm=False)),
            ("pelican_cold", lambda: pelican_run(program, site, warm=False)),
            ("feedsvc_warm", lambda: feedsvc_run(work / "feedsvc", warm=True)),
            ("pelican_warm", lambda: pelican_run(program, site, warm=True)),
        ]
        found: dict[str, list[float]] = {name: [] for name, _ in steps}
        for n in range(runs):
            for name, step in steps:
                seconds = step()
                found[name].append(seconds)
                note(f"[{time.strftime('%H:%M:%S')}] peer run {n + 1}/{runs}: {name} {seconds:.1f} s")
        return Result(label, site, Timings(**found))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--days", type=int, help="number of daily issues (overrides --years)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--runs", type=int, default=RUNS, help="cold and warm runs of each (default: %(default)s)"
    )
    parser.add_argument(
        "--out", type=Path, default=OUT, help="cache and working folder (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    if args.runs < 1 or args.years < 1 or (args.days is not None and args.days < 1):
        parser.error("--runs, --years and --days must be at least 1")
    label = f"{args.days} days" if args.days is not None else f"{args.years} year{'s' * (args.years > 1)}"
    built = cached_store(spec_for(years=args.years, days=args.days, seed=args.seed), out=args.out)
    load = os.getloadavg()[0]
    result = measure(built, label, runs=args.runs, out=args.out)
    print(
        f"feedsvc and Pelican on {label} of synthetic issues; load average (1 min)"
        f" {min(load, os.getloadavg()[0]):.1f}-{max(load, os.getloadavg()[0]):.1f}"
    )
    print(result.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
