"""Drop-to-served latency and idle CPU of the daemon, `feedsvc run --serve`, with default settings.

    .venv/bin/python benchmarks/latency.py [--drops 20] [--spacing 1.5] [--idle 30] [--seed 1]
        [--folder DIR] [--fail] [--pdf]

Starts the daemon as a subprocess in an instance folder (a new temporary one, or `--folder`, which
may already hold a store in `var/` and its output in `feeds/`), with the repository's
`config/feedsvc.toml` (scan_interval 2 s) and only the port changed (not the base URL: it is part
of every document's digest, so another one would make the first ingest rewrite a whole archive
made with the configured one). Then, `--drops` times, writes one synthetic front page of a new
date into `inbox/` as `.part` and renames it into place, and polls `/feed.json` (every 25 ms,
conditional GETs) until the new entry is listed: the drop-to-served latency, from the rename to
the response that lists it. Drops are spaced by a random `--spacing` × 0.5 … 1.5 seconds after
the previous one was served, so they fall at every phase of the scan. Then the daemon is left
alone for `--idle` seconds and its CPU time (user + system, all threads, from /proc/<pid>/stat)
is read before and after. Goals: p95 ≤ 3 s, idle CPU ≤ 1 % of a core.

With `--pdf` the drops are generated page PDFs with photos (tests/pdfpages, the "photos" layout, of
distinct dates and pages), and a drop counts as served once `/feed.json` lists its entry with its
photo (an `images/YYYY/MM/DD/p<N>-…jpg` of that page); each photo's URL is then fetched once.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import math
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# after the path fix, so that the script runs from anywhere
from benchmarks.archive_store import CONFIG, INBOX_DIR, STORE_DIR, child_env, instance_settings
from benchmarks.issue import ArchiveSpec, GeneratedPage, iter_issues
from feedsvc.store import DB_NAME, Store

GOAL_P95 = 3.0  # seconds
GOAL_IDLE = 0.01  # of one core
POLL = 0.025  # seconds between polls of /feed.json
DEFAULT_START = dt.date(2024, 1, 1)  # the first drop's date when the store is empty
FIRST_ISSUE = dt.date(2014, 1, 1)  # the synthetic archive's issue 1 (make_archive's default start)
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Drop:
    """One submission to deliver: its file name and bytes, and the issue date and page it holds."""

    name: str
    data: bytes
    date: dt.date
    number: int
    photo: bool = False  # served only once its photo is listed too

    @property
    def markers(self) -> tuple[bytes, ...]:
        """What `/feed.json` holds once the drop is served."""
        entry = f":{self.date.isoformat()}/p{self.number}/".encode()
        if not self.photo:
            return (entry,)
        return entry, f"images/{self.date:%Y/%m/%d}/p{self.number}-".encode()


@dataclass(frozen=True, slots=True)
class Result:
    latencies: tuple[float, ...]  # seconds, one per drop
    idle_cpu: float | None  # fraction of one core while idle; None when not measured
    idle_seconds: float
    rss_mb: float  # the daemon's peak resident set (VmHWM)
    startup: float  # seconds from starting the daemon to its first HTTP answer
    written: tuple[int, ...] = ()  # files each drop's ingest wrote, from the daemon's log

    @property
    def p50(self) -> float:
        return percentile(self.latencies, 50)

    @property
    def p95(self) -> float:
        return percentile(self.latencies, 95)

    @property
    def max(self) -> float:
        return max(self.latencies)

    def lines(self) -> list[str]:
        met = "met" if self.p95 <= GOAL_P95 else "NOT met"
        out = [
            f"drop-to-served latency: {len(self.latencies)} drops, p50 {self.p50:.2f} s, "
            f"p95 {self.p95:.2f} s, max {self.max:.2f} s, mean {statistics.fmean(self.latencies):.2f} s "
            f"(goal p95 <= {GOAL_P95:.0f} s: {met})"
        ]
        if self.idle_cpu is not None:
            met = "met" if self.idle_cpu <= GOAL_IDLE else "NOT met"
            out.append(
                f"idle daemon CPU: {self.idle_cpu * 100:.2f} % of a core over {self.idle_seconds:.0f} s "
                f"(goal <= {GOAL_IDLE * 100:.0f} %: {met})"
            )
        out.append(f"daemon: first answer {self.startup:.2f} s after start, peak RSS {self.rss_mb:.0f} MB")
        if self.written:
            median = statistics.median(self.written)
            out.append(f"files written per drop: median {median:.0f}, max {max(self.written)}")
        return out


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile: the smallest value with at least p % of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Daemon:
    """`feedsvc run --serve` in `folder`, on a free port; its log is `folder/daemon.log`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        env = child_env(
            PYTHONUNBUFFERED="1",
            FEEDSVC_SERVE__PORT=str(self.port),
        )
        self.log = (folder / "daemon.log").open("ab")
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "feedsvc.cli", "--config", str(CONFIG), "run", "--serve"],
            cwd=folder,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        self._wait_up(timeout=60)
        self.startup = time.perf_counter() - started
        self.etag: str | None = None

    def _wait_up(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the daemon exited with {self.proc.returncode}; see {self.log.name}")
            try:
                self.get("/")
                return
            except OSError:
                self.conn.close()
                time.sleep(0.05)
        raise RuntimeError(f"the daemon did not answer within {timeout:.0f} s; see {self.log.name}")

    def get(self, path: str, etag: str | None = None) -> tuple[int, str | None, bytes]:
        headers = {"Accept-Encoding": "identity"}
        if etag:
            headers["If-None-Match"] = etag
        try:
            self.conn.request("GET", path, headers=headers)
            response = self.conn.getresponse()
            body = response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()  # reconnect on the next request
            raise
        return response.status, response.getheader("ETag"), body

    def cpu_seconds(self) -> float:
        """User + system CPU time of the daemon (all its threads) so far."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS  # utime, stime: fields 14 and 15

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> int:
        self.conn.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def drop(inbox: Path, page: Drop) -> float:
    """Deliver a page the way an uploader should (`.part`, then rename); the time of the rename."""
    part = inbox / f"{page.name}.part"
    part.write_bytes(page.data)
    os.rename(part, inbox / page.name)
    return time.perf_counter()


def first_date(folder: Path) -> dt.date:
    """The day after the newest issue in the folder's store, or DEFAULT_START."""
    if not (folder / STORE_DIR / DB_NAME).exists():
        return DEFAULT_START
    with Store.open(folder / STORE_DIR) as store:
        latest = store.latest_issue_date()
    return DEFAULT_START if latest is None else latest + dt.timedelta(days=1)


def new_pages(start: dt.date, count: int, seed: int) -> list[Drop]:
    """Front pages of `count` new issues from `start` on, from the archive generator."""
    spec = ArchiveSpec(start=start, days=count, seed=seed, first_issue=max(1, (start - FIRST_ISSUE).days + 1))
    return [_text_drop(pages[0]) for pages in iter_issues(spec)]


def _text_drop(page: GeneratedPage) -> Drop:
    return Drop(page.name, page.text.encode(), page.date, page.number)


def new_pdfs(count: int, seed: int, today: dt.date) -> list[Drop]:
    """`count` generated page PDFs with photos, each of a (date, page) none of the others has, oldest
    first (so each drop is the newest and `/feed.json` lists it)."""
    from tests.pdfpages import generate

    found: dict[tuple[dt.date, int], Drop] = {}
    n = seed * 1000
    while len(found) < count:
        page = generate(n, "photos")
        n += 1
        date = dt.date.fromisoformat(page.truth["date"])
        number = int(page.truth["pages"][0]["number"])
        if date <= today and (date, number) not in found:
            found[date, number] = Drop(f"pdf-{date}-p{number}.pdf", page.pdf, date, number, photo=True)
    return [found[key] for key in sorted(found)]  # in date order, as a paper drops them: each is newest


def measure(
    folder: Path,
    *,
    drops: int = 20,
    spacing: float = 1.5,
    idle: float = 30.0,
    seed: int = 1,
    timeout: float = 60.0,
    say: Callable[[str], None] | None = None,
    pdf: bool = False,
) -> Result:
    """Run the daemon in `folder` (created if needed), drop `drops` pages, then idle; see the module doc."""
    folder.mkdir(parents=True, exist_ok=True)
    inbox = folder / INBOX_DIR
    inbox.mkdir(exist_ok=True)
    today = dt.datetime.now(instance_settings(folder).paper.tz).date()
    pages = new_pdfs(drops, seed, today) if pdf else new_pages(first_date(folder), drops, seed)
    if any(page.date > today for page in pages):
        raise SystemExit(f"the drops would reach {max(p.date for p in pages)}, a date in the future")
    rng = random.Random(seed)
    latencies: list[float] = []
    daemon = Daemon(folder)
    try:
        for n, page in enumerate(pages, start=1):
            time.sleep(rng.uniform(0.5 * spacing, 1.5 * spacing))
            dropped = drop(inbox, page)
            deadline = dropped + timeout
            etag: str | None = None
            while True:
                polled = time.perf_counter()
                status, tag, body = daemon.get("/feed.json", etag)
                if status == 200:
                    etag = tag
                    if all(marker in body for marker in page.markers):
                        latencies.append(time.perf_counter() - dropped)
                        _photos_served(daemon, body, page)
                        break
                if daemon.proc.poll() is not None:
                    raise RuntimeError(f"the daemon exited; see {folder / 'daemon.log'}")
                if polled > deadline:
                    raise RuntimeError(f"{page.name} not served within {timeout:.0f} s; see daemon.log")
                time.sleep(max(0.0, POLL - (time.perf_counter() - polled)))
            if say is not None:
                say(f"  drop {n}/{drops}: {page.name} served after {latencies[-1]:.2f} s")
        idle_cpu = None
        if idle > 0:
            time.sleep(2.0)  # let the last ingest's loose ends (logging, WAL) settle
            before, began = daemon.cpu_seconds(), time.perf_counter()
            time.sleep(idle)
            idle_cpu = (daemon.cpu_seconds() - before) / (time.perf_counter() - began)
        rss = daemon.peak_rss_mb()
        startup = daemon.startup
    finally:
        code = daemon.stop()
    if code != 0:
        raise RuntimeError(f"the daemon exited with {code} on SIGTERM; see {folder / 'daemon.log'}")
    return Result(tuple(latencies), idle_cpu, idle, rss, startup, files_written(folder, pages))


def _photos_served(daemon: Daemon, body: bytes, page: Drop) -> None:
    """Each photo of `page` that `/feed.json` names is served (not timed)."""
    if not page.photo:
        return
    prefix = re.escape(f"images/{page.date:%Y/%m/%d}/p{page.number}-")
    for path in sorted(set(re.findall(rf"{prefix}[0-9]+\.jpg".encode(), body))):
        status, _, data = daemon.get("/" + path.decode())
        if status != 200 or not data.startswith(b"\xff\xd8"):
            raise RuntimeError(f"{path.decode()} listed but not served as a JPEG (HTTP {status})")


def files_written(folder: Path, pages: Sequence[Drop]) -> tuple[int, ...]:
    """How many files the daemon wrote for each page, from its log (the last run's lines)."""
    log = (folder / "daemon.log").read_text(encoding="utf-8", errors="replace")
    found = []
    for page in pages:
        lines = re.findall(rf"{re.escape(page.name)}: .*?(\d+) files written", log)
        if lines:
            found.append(int(lines[-1]))
    return tuple(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--drops", type=int, default=20)
    parser.add_argument(
        "--spacing", type=float, default=1.5, help="mean seconds between served and next drop"
    )
    parser.add_argument("--idle", type=float, default=30.0, help="seconds of idling to measure CPU (0: skip)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for one drop")
    parser.add_argument("--folder", type=Path, help="instance folder to run in (default: a temporary one)")
    parser.add_argument("--quiet", action="store_true", help="do not print each drop")
    parser.add_argument("--fail", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--pdf", action="store_true", help="drop generated page PDFs with photos")
    args = parser.parse_args(argv)
    if args.drops < 1:
        parser.error("--drops must be at least 1")
    say = None if args.quiet else print
    if args.folder is not None:
        result = measure(args.folder, drops=args.drops, spacing=args.spacing, idle=args.idle,
                         seed=args.seed, timeout=args.timeout, say=say, pdf=args.pdf)  # fmt: skip
    else:
        with tempfile.TemporaryDirectory(prefix="feedsvc-latency-") as tmp:
            result = measure(Path(tmp), drops=args.drops, spacing=args.spacing, idle=args.idle,
                             seed=args.seed, timeout=args.timeout, say=say, pdf=args.pdf)  # fmt: skip
    for line in result.lines():
        print(line)
    missed = result.p95 > GOAL_P95 or (result.idle_cpu is not None and result.idle_cpu > GOAL_IDLE)
    return 1 if args.fail and missed else 0


if __name__ == "__main__":
    sys.exit(main())
