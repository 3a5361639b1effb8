"""A cold `feedsvc regenerate` of the cached store with each thread's CPU time (Linux /proc).

    .venv/bin/python benchmarks/regen_threads.py [--years 10 | --days N] [--checkout PATH] [--runs 1]

Each run regenerates a fresh copy of the cached store (benchmarks/archive_store.py) into an empty
output folder, polling `/proc/<pid>/task/*/stat` of the process and its worker processes every
0.1 s, and prints user and system CPU seconds per thread, by the thread's Python name (a
`sitecustomize` shim names each OS thread after its `threading.Thread`). Output folders are kept
under benchmarks/out/regen-threads (not deleted: see docs/PERFORMANCE.md, "File creation after
deletions"); delete them when the session is over.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import archive_store
from benchmarks.archive_store import CONFIG, OUT, cached_store, child_env, copy_instance, spec_for

SHIM = """
import ctypes, threading
_libc = ctypes.CDLL(None)
_inner = threading.Thread._bootstrap_inner
def _named(self):
    try:
        _libc.prctl(15, self.name.encode()[:15], 0, 0, 0)
    except Exception:
        pass
    _inner(self)
threading.Thread._bootstrap_inner = _named
"""
TICK = os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def sample(pid: int, seen: dict[tuple[int, int], tuple[str, float, float]]) -> None:
    for p in (pid, *children(pid)):
        try:
            tids = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{p}/task/{tid}/stat") as f:
                    text = f.read()
            except OSError:
                continue
            name = text[text.index("(") + 1 : text.rindex(")")]
            fields = text[text.rindex(")") + 2 :].split()
            seen[(p, int(tid))] = (name, int(fields[11]) / TICK, int(fields[12]) / TICK)


def totals(pid: int, seen: dict[tuple[int, int], tuple[str, float, float]]) -> dict[str, float]:
    """CPU seconds so far: the workers, the main thread, the writer, the rest of the main process."""
    out = {"workers": 0.0, "main": 0.0, "writer": 0.0, "other": 0.0}
    for (p, tid), (name, user, system) in seen.items():
        key = "workers" if p != pid else "main" if tid == pid else "writer" if "write" in name else "other"
        out[key] += user + system
    return out


def show_timeline(timeline: list[tuple[float, dict[str, float]]], step: float) -> None:
    print(f"  timeline: CPU seconds per {step:.0f} s of wall (2 CPUs)")
    print("    wall  workers  main  writer  other")
    mark, last = step, {"workers": 0.0, "main": 0.0, "writer": 0.0, "other": 0.0}
    for t, tot in timeline:
        if t >= mark:
            print(f"   {mark:5.0f}" + "".join(f" {tot[k] - last[k]:7.2f}" for k in last))
            mark, last = mark + step, tot


def run(checkout: Path, instance: Path, shim: Path) -> None:
    env = child_env()
    env["PYTHONPATH"] = os.pathsep.join([str(checkout), str(shim), env.get("PYTHONPATH", "")])
    command = [sys.executable, "-m", "feedsvc.cli", "--config", str(CONFIG), "--log-level", "WARNING"]
    seen: dict[tuple[int, int], tuple[str, float, float]] = {}
    started = time.perf_counter()
    load = os.getloadavg()[0]
    proc = subprocess.Popen([*command, "regenerate"], cwd=instance, env=env, stdout=subprocess.DEVNULL)
    timeline: list[tuple[float, dict[str, float]]] = []
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        sample(proc.pid, seen)
        timeline.append((time.perf_counter() - started, totals(proc.pid, seen)))
        time.sleep(0.1)
    wall = time.perf_counter() - started
    print(
        f"{checkout}: {wall:.1f} s wall, load {load:.1f}, exit {os.waitstatus_to_exitcode(status)},"
        f" peak RSS {usage.ru_maxrss / 1024:.0f} MB; process+children user {usage.ru_utime:.1f}"
        f" sys {usage.ru_stime:.1f}"
    )
    show_timeline(timeline, 2.0)
    groups: dict[str, list[float]] = {}
    for (p, _tid), (name, user, system) in sorted(seen.items()):
        key = f"{'main' if p == proc.pid else 'worker'}:{name}"
        g = groups.setdefault(key, [0, 0.0, 0.0])
        g[0] += 1
        g[1] += user
        g[2] += system
    for key, (n, user, system) in sorted(groups.items(), key=lambda kv: -(kv[1][1] + kv[1][2])):
        print(f"  {key:<28} x{int(n):<3} user {user:6.1f}  sys {system:6.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--days", type=int)
    parser.add_argument(
        "--checkout", type=Path, action="append", help="checkouts to run, in turn (default: this)"
    )
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args(argv)
    built = cached_store(spec_for(years=args.years, days=args.days, seed=1), out=OUT)
    checkouts = [c.resolve() for c in (args.checkout or [archive_store.ROOT])]
    with tempfile.TemporaryDirectory() as shim:
        (Path(shim) / "sitecustomize.py").write_text(SHIM)
        for _ in range(args.runs):
            for c in checkouts:
                instance = OUT / "regen-threads" / f"{time.time_ns()}"
                copy_instance(built, instance)
                run(c, instance, Path(shim))
    return 0


if __name__ == "__main__":
    sys.exit(main())
