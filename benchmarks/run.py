"""feedsvc at archive scale: parse, ingest, regenerate and drop-to-served latency, in one table.

    .venv/bin/python benchmarks/run.py [--years 10 | --days N] [--seed 1] [--parse-seconds 5]
        [--cold-runs 3] [--drops 20] [--idle 30] [--skip-latency] [--rebuild] [--keep]

1. parse: pages per second on one core, the sample page and synthetic pages (benchmarks/parse.py).
2. The synthetic archive (benchmarks/make_archive.py, `--years` of daily 4-page issues) goes into a
   store once, in-process (benchmarks/archive_store.py); the store is cached under benchmarks/out/.
   Everything below works on a copy in benchmarks/out/work/ (removed at the end unless `--keep`;
   `--out` puts both elsewhere).
3. regenerate: `feedsvc regenerate` as a child process, into an empty output folder (cold,
   `--cold-runs` times, each into a copy of its own: min / median / max), then again with nothing
   changed (warm): wall time including the interpreter's start, the child's
   peak RSS (`wait4` rusage; the goal applies to it) with its anonymous part (sampled RssAnon:
   RSS also counts the pages of the memory-mapped store file it read) and, when it starts worker
   processes, the peak PSS of all of them together (sampled every 0.1 s), the output's size and
   file count, files written. No output is deleted between the cold runs, nor before them (an old
   working copy is moved aside and deleted at the end): on a file system without a journal (this
   machine's ext4), creating files within minutes of deleting many costs several times more
   (docs/PERFORMANCE.md, "File creation after deletions"); the header says when the previous run
   deleted its copy.
4. ingest: `pipeline.ingest_file` in this process of one new 4-page issue (one file, pages split by
   form feeds), into an empty store and into the archive's store (after the regenerate, so its
   output is current): the median of 3 issues each.
5. peer (benchmarks/peer.py): `feedsvc regenerate` and Pelican on the same `--peer-years` archive
   (1 by default), cold and warm alternately, `--peer-runs` times each: medians and ratios.
6. latency (benchmarks/latency.py): the daemon with default settings on an empty instance and on
   the archive's instance; `--drops` pages each, then `--idle` seconds of idle CPU on the latter.

Prints a Markdown table with the goals (for a 2-core machine): parse ≥ 1,000 pages/s; ingest into
the archive ≤ 300 ms and ≤ 2× the empty store; regenerate ≤ 20 s and ≤ 400 MB peak RSS; feedsvc
faster than Pelican; latency p95 ≤ 3 s;
idle CPU ≤ 1 % of a core. `--fail` exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# after the path fix, so that the script runs from anywhere
from benchmarks import latency, peer
from benchmarks import parse as parse_bench
from benchmarks.archive_store import (
    CONFIG,
    OUT,
    OUTPUT_DIR,
    Built,
    cached_store,
    child_env,
    copy_instance,
    instance_settings,
    issue_file,
    spec_for,
)
from benchmarks.issue import ArchiveSpec, iter_issues
from feedsvc import pipeline
from feedsvc.store import Store

INGEST_RUNS = 3
GOALS = {
    "parse": 1000.0,  # pages/s
    "ingest": 0.3,  # seconds into the archive's store
    "ingest_ratio": 2.0,  # archive / empty
    "regenerate": 20.0,  # seconds
    "rss": 400.0,  # MB
}


@dataclass(frozen=True, slots=True)
class Row:
    what: str
    result: str
    goal: str = ""
    met: bool | None = None

    def cells(self) -> list[str]:
        mark = "" if self.met is None else (" ✓" if self.met else " ✗ NOT met")
        return [self.what, self.result, f"{self.goal}{mark}" if self.goal else ""]


def table(rows: list[Row]) -> str:
    lines = ["| measure | result | goal |", "|---|---|---|"]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)


def note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------ parse


def bench_parse(seconds: float, pages: int, seed: int) -> list[Row]:
    samples = parse_bench.load_samples(pages, seed)
    run = parse_bench.make_parser()
    for sample in samples:
        run(sample)
    affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    parse_bench.pin_to_one_core()
    try:
        timings = parse_bench.measure(samples, run, seconds)
    finally:
        if affinity is not None:
            os.sched_setaffinity(0, affinity)
    rows = []
    for kind, label in (("sample", "the sample page"), ("synthetic", f"{len(samples) - 1} synthetic pages")):
        values = timings[kind]
        rate = len(values) / sum(values)
        ms = statistics.median(values) * 1e3
        rows.append(
            Row(
                f"parse, {label} (one core)",
                f"{rate:,.0f} pages/s ({ms:.2f} ms median)",
                f"≥ {GOALS['parse']:.0f} pages/s",
                rate >= GOALS["parse"],
            )
        )
    return rows


# ------------------------------------------------------------------------------------- regenerate


@dataclass(frozen=True, slots=True)
class Regenerated:
    seconds: float
    rss_mb: float  # the regenerate process's own peak (wait4's ru_maxrss)
    anon_mb: float  # its peak anonymous memory (sampled RssAnon: RSS without mapped files)
    tree_mb: float  # peak PSS of it and its worker processes together (sampled)
    workers: int  # most worker processes seen at once
    written: int
    files: int
    megabytes: float


def output_size(folder: Path) -> tuple[int, float]:
    files = size = 0
    for dirpath, _, names in os.walk(folder):
        for name in names:
            files += 1
            size += os.stat(os.path.join(dirpath, name)).st_size
    return files, size / 1e6


def workers_of(pid: int) -> list[int]:
    """`pid`'s child processes, theirs, and so on (from /proc), but multiprocessing's resource
    tracker (a helper, not a worker)."""
    return [kid for kid in descendants(pid) if b"resource_tracker" not in _cmdline(kid)]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def descendants(pid: int) -> list[int]:
    """`pid`'s child processes, theirs, and so on (from /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            parents.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def _proc_mb(path: str, key: str) -> float:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def pss_mb(pid: int) -> float:
    """A process's proportional set size (its share of shared pages), 0 once it is gone."""
    return _proc_mb(f"/proc/{pid}/smaps_rollup", "Pss:")


def anon_mb(pid: int) -> float:
    """A process's resident anonymous memory (not counting mapped files such as the store)."""
    return _proc_mb(f"/proc/{pid}/status", "RssAnon:")


def regenerate(folder: Path) -> Regenerated:
    """`feedsvc regenerate` in the instance `folder`, as a child process: time, memory, output."""
    command = [sys.executable, "-m", "feedsvc.cli", "--config", str(CONFIG), "--log-level", "WARNING"]
    tree = anon = workers = 0.0
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(
            [*command, "regenerate"], cwd=folder, env=child_env(), stdout=out, stderr=subprocess.STDOUT
        )
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            kids = workers_of(proc.pid)
            workers = max(workers, len(kids))
            tree = max(tree, pss_mb(proc.pid) + sum(pss_mb(kid) for kid in kids))
            anon = max(anon, anon_mb(proc.pid))
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"feedsvc regenerate exited with {proc.returncode}:\n{text}")
    found = re.search(r"(\d+) files written", text)
    files, megabytes = output_size(folder / OUTPUT_DIR)
    rss = usage.ru_maxrss / 1024
    written = int(found[1]) if found else -1
    return Regenerated(seconds, rss, anon, tree, int(workers), written, files, megabytes)


def _memory(r: Regenerated) -> str:
    memory = f"peak RSS {r.rss_mb:.0f} MB ({r.anon_mb:.0f} MB anonymous)"
    if r.workers:
        plural = "es" if r.workers > 1 else ""
        memory += f"; with its {r.workers} worker process{plural}: {r.tree_mb:.0f} MB PSS in all"
    return memory


def regenerate_rows(label: str, colds: list[Regenerated], warm: Regenerated) -> list[Row]:
    """The cold runs as min / median / max (the goal on the median; memory: the largest run's),
    the warm run, the output's size."""
    seconds = sorted(r.seconds for r in colds)
    big = max(colds, key=lambda r: r.rss_mb)
    cold = (
        f"{seconds[0]:.1f} / {statistics.median(seconds):.1f} / {seconds[-1]:.1f} s "
        f"(min / median / max of {len(colds)}); largest {_memory(big)}; {big.written:,} files written"
        if len(colds) > 1
        else f"{seconds[0]:.1f} s; {_memory(big)}; {big.written:,} files written"
    )
    rows = []
    for what, result, r, s in (
        ("cold: empty output folder", cold, big, statistics.median(seconds)),
        (
            "warm: nothing changed",
            f"{warm.seconds:.1f} s; {_memory(warm)}; {warm.written:,} files written",
            warm,
            warm.seconds,
        ),
    ):
        rows.append(
            Row(
                f"regenerate {label}, {what}",
                result,
                f"≤ {GOALS['regenerate']:.0f} s, ≤ {GOALS['rss']:.0f} MB RSS",
                s <= GOALS["regenerate"] and r.rss_mb <= GOALS["rss"],
            )
        )
    rows.append(Row(f"output of {label}", f"{big.files:,} files, {big.megabytes:,.0f} MB"))
    return rows


# ----------------------------------------------------------------------------------------- ingest


def new_issues(after: dt.date, count: int, seed: int, folder: Path) -> list[Path]:
    """`count` new issue files dated after `after`, written into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    spec = ArchiveSpec(start=after + dt.timedelta(days=1), days=count, seed=seed)
    paths = []
    for pages in iter_issues(spec):
        name, data = issue_file(pages)
        (path := folder / name).write_bytes(data)
        paths.append(path)
    return paths


def ingest(folder: Path, path: Path) -> tuple[float, int]:
    """Ingest one file into the instance in `folder`: (seconds, files written)."""
    settings = instance_settings(folder)
    now = dt.datetime.now(settings.paper.tz)
    started = time.perf_counter()
    report = pipeline.ingest_file(settings, path, now)
    seconds = time.perf_counter() - started
    if report.duplicate or not report.changes:
        raise RuntimeError(f"{path.name}: the ingest changed nothing ({report.summary()})")
    return seconds, len(report.written)


def bench_ingest(archive: Path, issues: list[Path], scratch: Path) -> tuple[list[float], list[float], int]:
    """Seconds per issue into fresh empty stores and into the archive's, and files written there."""
    ingest(scratch / "warm-up", issues[0])  # imports, caches
    empty = [ingest(scratch / f"empty-{n}", path)[0] for n, path in enumerate(issues)]
    full, written = [], 0
    for path in issues:
        seconds, written = ingest(archive, path)
        full.append(seconds)
    return empty, full, written


def ingest_rows(label: str, empty: list[float], full: list[float], written: int) -> list[Row]:
    e, f = statistics.median(empty), statistics.median(full)
    ratio = f / e
    return [
        Row("ingest a 4-page issue, empty store", f"{e * 1e3:,.0f} ms (median of {len(empty)})"),
        Row(
            f"ingest a 4-page issue, store of {label}",
            f"{f * 1e3:,.0f} ms (median of {len(full)}; {written} files written)",
            f"≤ {GOALS['ingest'] * 1e3:,.0f} ms",
            f <= GOALS["ingest"],
        ),
        Row(
            "ingest, archive / empty",
            f"{ratio:.2f}×",
            f"≤ {GOALS['ingest_ratio']:.0f}×",
            ratio <= GOALS["ingest_ratio"],
        ),
    ]


def peer_row(result: peer.Result) -> Row:
    return Row(
        f"regenerate beside Pelican, {result.label}",
        result.summary(),
        "faster than Pelican, cold and warm",
        result.cold_ratio > 1 and result.warm_ratio > 1,
    )


# ---------------------------------------------------------------------------------------- latency


def latency_rows(label: str, result: latency.Result) -> list[Row]:
    written = f", {statistics.median(result.written):.0f} files written each" if result.written else ""
    rows = [
        Row(
            f"drop-to-served latency, {label}",
            f"p50 {result.p50:.2f} s, p95 {result.p95:.2f} s, max {result.max:.2f} s"
            f" ({len(result.latencies)} drops{written})",
            f"p95 ≤ {latency.GOAL_P95:.0f} s",
            result.p95 <= latency.GOAL_P95,
        )
    ]
    if result.idle_cpu is not None:
        rows.append(
            Row(
                f"idle daemon CPU, {label}",
                f"{result.idle_cpu * 100:.2f} % of a core over {result.idle_seconds:.0f} s;"
                f" daemon peak RSS {result.rss_mb:.0f} MB",
                f"≤ {latency.GOAL_IDLE * 100:.0f} %",
                result.idle_cpu <= latency.GOAL_IDLE,
            )
        )
    return rows


# ------------------------------------------------------------------------------------------- main


# --------------------------------------------------------------------------- the working copies

DELETED = ".deleted-at"  # in OUT: when a run last deleted its working copy (Unix time)
SETTLED = 330.0  # seconds after which ext4 (no journal) reuses deleted inodes without a search


def set_aside(work: Path) -> list[Path]:
    """A previous run's working copy renamed aside (deleted at the end, not before measuring)."""
    if not work.exists():
        return []
    aside = work.with_name(f"{work.name}-old-{os.getpid()}")
    work.rename(aside)
    return [aside]


def delete(folders: list[Path], out: Path) -> None:
    """Delete these working copies and note when (see `last_deleted`)."""
    if any(f.exists() for f in folders):
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
        (out / DELETED).write_text(f"{time.time():.0f}\n", encoding="ascii")


def last_deleted(out: Path) -> str:
    """For the header: that a run deleted its working copy shortly before this one began."""
    try:
        ago = time.time() - float((out / DELETED).read_text(encoding="ascii"))
    except (OSError, ValueError):
        return ""
    if ago >= SETTLED:
        return ""
    return f"; a previous run deleted its copy {ago:.0f} s before this one (file creation may be slower)"


def describe(built: Built) -> str:
    with Store.open(built.store) as store:
        infos = store.feed_infos()
    people = sum(1 for info in infos if info.ref.kind == "contributor")
    how = "from the cache" if built.cached else f"built in {built.seconds:.0f} s"
    return (
        f"{built.issues:,} issues {built.first} … {built.last}, {built.pages:,} pages,"
        f" {built.items:,} items, {people} contributors ({how})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--days", type=int, help="number of daily issues (overrides --years; for smoke runs)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--parse-seconds", type=float, default=5.0)
    parser.add_argument(
        "--parse-pages", type=int, default=200, help="synthetic pages for the parse benchmark"
    )
    parser.add_argument("--drops", type=int, default=20, help="pages dropped per latency run")
    parser.add_argument("--idle", type=float, default=30.0, help="seconds of idle CPU measurement (0: skip)")
    parser.add_argument("--skip-latency", action="store_true", help="do not run the daemon")
    parser.add_argument("--skip-parse", action="store_true")
    parser.add_argument("--skip-peer", action="store_true", help="do not run Pelican beside feedsvc")
    parser.add_argument("--peer-years", type=int, default=1, help="years of the archive Pelican builds")
    parser.add_argument("--peer-runs", type=int, default=peer.RUNS, help="cold and warm runs of each")
    parser.add_argument("--rebuild", action="store_true", help="build the cached store again")
    parser.add_argument(
        "--out", type=Path, default=OUT, help="cache and working folder (default: %(default)s)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the working copy in OUT/work")
    parser.add_argument("--cold-runs", type=int, default=3, help="cold regenerates, each into a copy")
    parser.add_argument("--fail", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args(argv)
    if min(args.days or 1, args.years, args.drops, args.parse_pages, args.cold_runs) < 1:
        parser.error("--days, --years, --drops, --parse-pages and --cold-runs must be at least 1")
    label = f"{args.days} days" if args.days is not None else f"{args.years} years"
    work: Path = args.out / "work"
    deleted_before = last_deleted(args.out)
    rows: list[Row] = []
    load = [os.getloadavg()[0]]

    def step(what: str) -> None:
        load.append(os.getloadavg()[0])
        note(f"[{time.strftime('%H:%M:%S')}] {what}")

    if not args.skip_parse:
        step(f"parse: {args.parse_seconds:g} s on one core")
        rows += bench_parse(args.parse_seconds, args.parse_pages, args.seed)

    spec = spec_for(years=args.years, days=args.days, seed=args.seed)
    step("store: the synthetic archive")
    built = cached_store(spec, out=args.out, rebuild=args.rebuild)
    rows.append(Row(f"archive of {label}", describe(built)))

    old = set_aside(work)
    try:
        colds = []
        for n in range(1, args.cold_runs + 1):
            archive = work / f"archive-{n}"
            copy_instance(built, archive)
            step(f"regenerate, cold ({n} of {args.cold_runs})")
            colds.append(regenerate(archive))
        step("regenerate, warm")
        warm = regenerate(archive)
        rows += regenerate_rows(label, colds, warm)

        step("ingest")
        issues = new_issues(built.last_date, INGEST_RUNS, args.seed, work / "issues")
        empty, full, written = bench_ingest(archive, issues, work / "scratch")
        rows += ingest_rows(label, empty, full, written)

        if not args.skip_peer:
            peer_label = (
                label if args.days is not None else f"{args.peer_years} year{'s' * (args.peer_years > 1)}"
            )
            step(f"peer: feedsvc and Pelican on {peer_label}, {args.peer_runs} runs each")
            peer_days = args.days if args.days is not None else None
            peer_built = cached_store(
                spec_for(years=args.peer_years, days=peer_days, seed=args.seed), out=args.out
            )
            rows.append(peer_row(peer.measure(peer_built, peer_label, runs=args.peer_runs, out=args.out)))

        if not args.skip_latency:
            step(f"latency: {args.drops} drops on an empty instance")
            result = latency.measure(work / "latency-empty", drops=args.drops, idle=0, seed=args.seed)
            rows += latency_rows("empty store", result)
            step(f"latency: {args.drops} drops on the archive's instance, then {args.idle:g} s idle")
            result = latency.measure(archive, drops=args.drops, idle=args.idle, seed=args.seed)
            rows += latency_rows(f"store of {label}", result)
        step("done")
    finally:
        delete([*old, *([] if args.keep else [work])], args.out)

    print(
        f"feedsvc benchmarks: {label} of synthetic issues; {os.cpu_count()} CPUs, Python "
        f"{sys.version.split()[0]}; load average (1 min) {min(load):.1f}-{max(load):.1f} during the run"
        f"{deleted_before}"
    )
    print(table(rows))
    return 1 if args.fail and any(row.met is False for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
