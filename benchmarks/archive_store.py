"""A store holding the synthetic archive, built once in-process and cached under benchmarks/out/.

    .venv/bin/python benchmarks/archive_store.py [--years 10 | --days N] [--seed 1] [--rebuild]

Each issue of `make_archive`'s archive is one submission (its pages joined by form feeds), parsed
by worker processes and written by `Store.apply` in date order, exactly what `feedsvc ingest` does
before it publishes; nothing is published. The store lands in `benchmarks/out/store-<key>/var/`
(or below `--out`) and is reused while the key (generator arguments, the store's schema version
and the generator's sources) stays the same; `--rebuild` builds it again.
`instance_settings(folder)` gives the settings of an instance living in `folder` (store `var/`,
output `feeds/`, inbox `inbox/`), from the repository's `config/feedsvc.toml`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import sys
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# after the path fix, so that the script runs from anywhere
from benchmarks.issue import ArchiveSpec, GeneratedPage, iter_issues
from benchmarks.make_archive import split, years_to_days
from feedsvc.config import Settings, load_settings
from feedsvc.models import Issue
from feedsvc.parse import hints_from_settings, parse_bytes
from feedsvc.store import SCHEMA_VERSION, Store

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
CONFIG = ROOT / "config" / "feedsvc.toml"
STORE_DIR = "var"  # the folder names config/feedsvc.toml gives, relative to an instance's folder
OUTPUT_DIR = "feeds"
INBOX_DIR = "inbox"
DONE = "built.json"
_GENERATOR_SOURCES = ("issue.py", "paper.py", "corpus.py")
_CHUNK_DAYS = 20  # issues per worker task


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a `feedsvc` child process: this checkout's package comes first. The
    search index is off unless the caller turns it on: the figures are publishing's, and a search
    build of ten years takes far longer than the rest (benchmarks/search.py measures it)."""
    env = {"FEEDSVC_SITE__SEARCH": "false", **os.environ, **extra}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def instance_settings(folder: Path) -> Settings:
    """The repository's settings for an instance in `folder` (relative paths resolve there)."""
    settings = load_settings(CONFIG, cwd=folder)
    return settings.model_copy(update={"site": settings.site.model_copy(update={"search": False})})


def issue_file(pages: list[GeneratedPage], paper: str = "qiantang") -> tuple[str, bytes]:
    """One issue as one submission: its pages split by form feeds, named by its date."""
    return f"{paper}-{pages[0].date.isoformat()}.txt", "\f".join(p.text for p in pages).encode()


def spec_for(*, years: int, days: int | None, seed: int, start: dt.date = dt.date(2014, 1, 1)) -> ArchiveSpec:
    return ArchiveSpec(start=start, days=days if days is not None else years_to_days(start, years), seed=seed)


def cache_key(spec: ArchiveSpec) -> str:
    """Names the cached store: the generator's arguments, the schema and the generator's code."""
    h = hashlib.sha256(f"schema {SCHEMA_VERSION}\n".encode())
    for name in _GENERATOR_SOURCES:
        h.update((ROOT / "benchmarks" / name).read_bytes())
    return (
        f"store-seed{spec.seed}-{spec.start.isoformat()}-{spec.days}d-{spec.pages_per_issue}p"
        f"-{h.hexdigest()[:10]}"
    )


@dataclass(frozen=True, slots=True)
class Built:
    """A cached store: where it is and what it holds."""

    folder: Path  # the instance folder; the store is `folder / STORE_DIR`
    issues: int
    pages: int
    items: int
    first: str
    last: str
    seconds: float  # how long building it took (when it was built)
    cached: bool  # found in the cache by this run

    @property
    def store(self) -> Path:
        return self.folder / STORE_DIR

    @property
    def last_date(self) -> dt.date:
        return dt.date.fromisoformat(self.last)


def _parse_chunk(spec: ArchiveSpec) -> list[tuple[str, bytes, Issue]]:
    """Worker: the chunk's issues as (name, bytes, parse)."""
    settings = instance_settings(ROOT)
    hints = hints_from_settings(settings)
    done = []
    for pages in iter_issues(spec):
        name, data = issue_file(pages, spec.paper)
        done.append((name, data, parse_bytes(data, source=name, hints=hints)))
    return done


def _parsed(spec: ArchiveSpec, jobs: int) -> Iterator[tuple[str, bytes, Issue]]:
    """Every issue of `spec` parsed, in date order, with at most `2 * jobs` chunks in flight."""
    chunks = split(spec, max(1, -(-spec.days // _CHUNK_DAYS)))
    if jobs <= 1:
        for chunk in chunks:
            yield from _parse_chunk(chunk)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        pending: deque[Future[list[tuple[str, bytes, Issue]]]] = deque()
        todo = iter(chunks)
        for chunk in todo:
            pending.append(pool.submit(_parse_chunk, chunk))
            if len(pending) >= 2 * jobs:
                break
        while pending:
            done = pending.popleft().result()
            nxt = next(todo, None)
            if nxt is not None:
                pending.append(pool.submit(_parse_chunk, nxt))
            yield from done


def build(spec: ArchiveSpec, folder: Path, *, jobs: int, log: bool = True) -> Built:
    """Parse and store every issue of `spec` into `folder / STORE_DIR` (which must not exist)."""
    settings = instance_settings(folder)
    started = time.perf_counter()
    issues = pages = items = 0
    first = last = ""
    tz = settings.paper.tz
    with Store.open(settings.paths.store) as store:
        for name, data, issue in _parsed(spec, jobs):
            assert issue.date is not None, name
            now = dt.datetime.combine(issue.date, dt.time(8), tzinfo=tz)  # the morning it came out
            submission = store.add_submission(name, data, now)
            store.apply(issue, submission_id=submission.id, settings=settings, now=now)
            issues += 1
            pages += len(issue.pages)
            items += len(issue.items)
            first = first or issue.date.isoformat()
            last = issue.date.isoformat()
            if log and issues % 365 == 0:
                elapsed = time.perf_counter() - started
                print(
                    f"  store: {issues}/{spec.days} issues, {items} items, {elapsed:.0f} s", file=sys.stderr
                )
        store.checkpoint()
    return Built(folder, issues, pages, items, first, last, time.perf_counter() - started, cached=False)


def cached_store(
    spec: ArchiveSpec, *, out: Path = OUT, jobs: int | None = None, rebuild: bool = False, log: bool = True
) -> Built:
    """The store of `spec`'s archive from the cache in `out`, built first if missing."""
    folder = out / cache_key(spec)
    done = folder / DONE
    if done.is_file() and not rebuild:
        saved = json.loads(done.read_text(encoding="utf-8"))
        return Built(**{**saved, "folder": folder, "cached": True})
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if log:
        print(f"building the store of {spec.days} issues in {folder} (once; cached)", file=sys.stderr)
    built = build(spec, folder, jobs=jobs or min(4, os.cpu_count() or 1), log=log)
    saved = {k: v for k, v in asdict(built).items() if k not in ("folder", "cached")}
    done.write_text(json.dumps(saved, indent=1) + "\n", encoding="utf-8")
    return built


def copy_instance(built: Built, target: Path, *, output: Path | None = None) -> Settings:
    """A working copy of a cached store in `target` (and of an output folder, if given)."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(target / STORE_DIR, ignore_errors=True)
    shutil.copytree(built.store, target / STORE_DIR)
    if output is not None:
        shutil.rmtree(target / OUTPUT_DIR, ignore_errors=True)
        shutil.copytree(output, target / OUTPUT_DIR)
    return instance_settings(target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--days", type=int, help="number of daily issues (overrides --years)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1), help="parsing processes")
    parser.add_argument("--rebuild", action="store_true", help="build the store again even if cached")
    parser.add_argument("--out", type=Path, default=OUT, help="the cache folder (default: %(default)s)")
    args = parser.parse_args(argv)
    spec = spec_for(years=args.years, days=args.days, seed=args.seed)
    built = cached_store(spec, out=args.out, jobs=args.jobs, rebuild=args.rebuild)
    how = "cached" if built.cached else f"built in {built.seconds:.0f} s"
    print(f"{built.store}: {built.issues} issues, {built.pages} pages, {built.items} items, {how}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
