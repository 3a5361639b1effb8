"""Ingest into the 10-year store against an empty one, quickly enough to iterate with.

    .venv/bin/python benchmarks/ingest.py [--runs 3] [--rounds 1] [--days N] [--start DAY]
        [--against SRC] [--profile FILE]

`benchmarks/run.py` measures an ingest after a cold regenerate (~80 s of both cores) every time.
This script makes the regenerated output once per version of the code and keeps it:

1. The base: the cached store (benchmarks/archive_store.py) copied into `OUT/ingest/base-<name>/`
   and `feedsvc regenerate`d there once (a child process, search off). `<name>` is `this`, or
   `against` for `--against`; `--fresh` makes it again (do so when the output's layout changed,
   or when a base made by older code lacks what a regenerate now leaves in the store, such as
   the archive pages' digests of `feedsvc/store/proofs.py`).
2. A round: the base's store copied and its output folder hard-linked into a working copy
   (publish.write replaces files by renaming, so the base is never written through a link; the
   manifest is copied, in case a version writes it in place), then
   `--runs` new 4-page issues, dated after the archive's last, are ingested one after another with
   `pipeline.ingest_file` in-process; and the same issues each into an empty store.
3. `--against SRC` (a source tree of another version, e.g. `git archive main | tar -x -C SRC`):
   each round runs this code and SRC's alternately, each in a child process of its own, so both
   see the same load.

Prints, for each version, min / median / max of the ingests into the archive and into empty
stores, as wall time, as CPU time of the process (threads included: less moved by other work
on the machine) and as CPU time of the main thread (`main`: the rendering, without the writer's
and the syncers' threads), their ratio (medians), the files written and how the feed documents of
the ingests into the archive were made (`render.feeds.SPLICES`: spliced, or why rendered whole),
and the feed pages for people (`render.feedpage.PAGES`).
The issues are dated from the day after the archive's last: with the default start (2014-01-01)
the first of each round is a new year's first issue, which makes every year page of the past
issues again (once a year in a real paper); `--start 2014-07-01` (another cached store) measures
ingests in the middle of a year.
`--profile FILE` writes a cProfile of one more ingest into the archive, after the rounds (this
code only; not counted in the figures).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if os.environ.get("FEEDSVC_INGEST_BENCH_CODE"):  # a child measuring another version: its code first
    sys.path.insert(0, os.environ["FEEDSVC_INGEST_BENCH_CODE"])

from benchmarks.archive_store import (  # noqa: E402  (after the path fix)
    OUT,
    OUTPUT_DIR,
    STORE_DIR,
    cached_store,
    child_env,
    instance_settings,
    spec_for,
)
from benchmarks.run import new_issues  # noqa: E402
from benchmarks.stats import spread  # noqa: E402

MANIFEST = ".feedsvc-manifest"  # feedsvc.manifest.NAME (not imported: the code measured may differ)


def make_base(store: Path, base: Path, code: Path) -> None:
    """`store` copied into `base` and regenerated there by the code in `code` (once)."""
    done = base / ".regenerated"
    if done.is_file():
        return
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    shutil.copytree(store, base / STORE_DIR)
    print(f"regenerating {base} with {code} (once)", file=sys.stderr)
    command = [sys.executable, "-m", "feedsvc.cli", "--config", str(code / "config" / "feedsvc.toml")]
    env = child_env()  # `code`'s package first (child_env puts this checkout's first)
    env["PYTHONPATH"] = os.pathsep.join((str(code), env["PYTHONPATH"]))
    subprocess.run([*command, "--log-level", "WARNING", "regenerate"], cwd=base, env=env, check=True)
    done.write_text(time.strftime("%Y-%m-%d %H:%M:%S\n"))


def working_copy(base: Path, work: Path) -> None:
    """The base's store copied and its output hard-linked into `work`."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shutil.copytree(base / STORE_DIR, work / STORE_DIR)
    subprocess.run(["cp", "-al", str(base / OUTPUT_DIR), str(work / OUTPUT_DIR)], check=True)
    listed = work / OUTPUT_DIR / MANIFEST  # a copy of its own, in case a version appends to it
    if listed.exists():
        listed.unlink()
        shutil.copy2(base / OUTPUT_DIR / MANIFEST, listed)


MAIN_CPU: list[float] = []  # each `ingest`'s CPU seconds on the calling thread alone


def ingest(folder: Path, path: Path) -> tuple[float, int, float]:
    """Ingest one file into the instance in `folder`: (seconds, files written, CPU seconds of
    this process: less moved than wall time by other work on the machine). The CPU seconds of
    the calling thread alone (rendering, without the writer's and syncers' threads) go to
    `MAIN_CPU`."""
    from feedsvc import pipeline

    settings = instance_settings(folder)
    behind = getattr(pipeline, "output_behind", lambda _: None)(settings)  # not in older versions
    if behind is not None:  # the ingest would publish everything: a regenerate's time, not an ingest's
        raise RuntimeError(f"{folder}: {behind}; a base made by older code? (--fresh makes it again)")
    now = dt.datetime.now(settings.paper.tz)
    cpu, started, main_cpu = time.process_time(), time.perf_counter(), time.thread_time()
    report = pipeline.ingest_file(settings, path, now)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    MAIN_CPU.append(time.thread_time() - main_cpu)
    if report.duplicate or not report.changes:
        raise RuntimeError(f"{path.name}: the ingest changed nothing ({report.summary()})")
    return seconds, len(report.written), cpu


def round_(base: Path, work: Path, issues: list[Path], profile: Path | None) -> dict[str, object]:
    """One round in this process: the issues into a copy of `base`, then each into an empty store."""
    from feedsvc.render import feeds

    splices = getattr(feeds, "SPLICES", None)  # how documents were made (this code; not every version has it)
    try:
        from feedsvc.render import feedpage

        pages = getattr(feedpage, "PAGES", None)  # how feed pages for people were made
    except ImportError:
        pages = None
    ingest(work / "warm-up", issues[0])  # imports, caches
    working_copy(base, work / "archive")
    for counter in (splices, pages):
        if counter is not None:
            counter.clear()
    full, full_cpu, written = [], [], 0
    MAIN_CPU.clear()
    for path in issues[:-1] if profile else issues:
        seconds, written, cpu = ingest(work / "archive", path)
        full.append(seconds)
        full_cpu.append(cpu)
    full_main = MAIN_CPU[:]
    if profile is not None:
        with cProfile.Profile() as prof:
            seconds, written, cpu = ingest(work / "archive", issues[-1])
        prof.dump_stats(profile)
    made, pages_made = dict(splices or {}), dict(pages or {})
    empty, empty_cpu = [], []
    MAIN_CPU.clear()
    for n, path in enumerate(issues):
        seconds, _, cpu = ingest(work / f"empty-{n}", path)
        empty.append(seconds)
        empty_cpu.append(cpu)
    shutil.rmtree(work, ignore_errors=True)
    return {
        "full": full,
        "empty": empty,
        "full_cpu": full_cpu,
        "empty_cpu": empty_cpu,
        "full_main": full_main,
        "empty_main": MAIN_CPU[:],
        "written": written,
        "splices": made,
        "pages": pages_made,
    }


def child(code: Path, base: Path, work: Path, issues: list[Path]) -> dict[str, object]:
    """`round_` in a child process running the code in `code`."""
    args = ["--child", str(base), str(work), *map(str, issues)]
    env = child_env(PYTHONPATH=str(code))
    env["FEEDSVC_INGEST_BENCH_CODE"] = str(code)
    out = subprocess.run([sys.executable, __file__, *args], env=env, check=True, stdout=subprocess.PIPE)
    return dict(json.loads(out.stdout))


def report(name: str, rounds: list[dict[str, object]]) -> None:
    for what, key in (("wall", ""), ("CPU", "_cpu"), ("main", "_main")):
        full = [s for r in rounds for s in r["full" + key]]  # type: ignore[attr-defined]
        empty = [s for r in rounds for s in r["empty" + key]]  # type: ignore[attr-defined]
        ratio = statistics.median(full) / statistics.median(empty)
        archive, alone = (spread(v, ",.0f", "ms", scale=1e3) for v in (full, empty))
        print(
            f"{name:8} {what:4} archive min/median/max {archive}; empty {alone}; "
            f"archive/empty {ratio:.2f}x; {rounds[-1]['written']} files written ({len(full)} ingests)"
        )
    for key, what in (("splices", "feed documents"), ("pages", "feed pages")):
        counted: dict[str, int] = {}
        for r in rounds:
            for reason, n in r.get(key, {}).items():  # type: ignore[attr-defined]
                counted[reason] = counted.get(reason, 0) + n
        if counted:
            made = ", ".join(f"{n} {reason}" for reason, n in sorted(counted.items()))
            print(f"{'':8} {what} into the archive: {made}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        base, work, *names = argv[1:]
        print(json.dumps(round_(Path(base), Path(work), [Path(p) for p in names], None)))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--days", type=int, help="number of daily issues (overrides --years)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--start",
        type=dt.date.fromisoformat,
        default=dt.date(2014, 1, 1),
        help="the archive's first day (default 2014-01-01: its ingests start a new year, one in"
        " --runs a year's first issue; e.g. 2014-07-01 for ingests in the middle of a year)",
    )
    parser.add_argument("--runs", type=int, default=3, help="issues ingested per round")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--against", type=Path, help="another version's source tree, run alternately")
    parser.add_argument("--fresh", action="store_true", help="regenerate the bases again")
    parser.add_argument("--profile", type=Path, help="cProfile one more ingest into the archive")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    spec = spec_for(years=args.years, days=args.days, seed=args.seed, start=args.start)
    built = cached_store(spec, out=args.out)
    folder = args.out / "ingest" / built.folder.name
    versions = {"this": ROOT, **({"against": args.against.resolve()} if args.against else {})}
    for name, code in versions.items():
        if args.fresh:
            shutil.rmtree(folder / f"base-{name}", ignore_errors=True)
        make_base(built.store, folder / f"base-{name}", code)
    issues = new_issues(built.last_date, args.runs + bool(args.profile), args.seed, folder / "issues")
    results: dict[str, list[dict[str, object]]] = {name: [] for name in versions}
    for n in range(args.rounds):
        for name, code in versions.items():
            print(f"[{time.strftime('%H:%M:%S')}] round {n + 1}: {name}", file=sys.stderr)
            results[name].append(child(code, folder / f"base-{name}", folder / "work", issues[: args.runs]))
    if args.profile:
        print(f"[{time.strftime('%H:%M:%S')}] profile", file=sys.stderr)
        round_(folder / "base-this", folder / "work", issues, args.profile)
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} (1, 5, 15 min)")
    for name in versions:
        report(name, results[name])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
