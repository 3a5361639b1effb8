"""How to make an ingest's files durable: `syncfs` against fsyncs of each file, with other dirt about.

    .venv/bin/python benchmarks/durable.py [--files 300] [--folders 20] [--size 12000]
        [--dirty-mb 0] [--runs 5] [--dir DIR]

Each run writes `--files` new files (`--size` bytes each, spread over `--folders` folders) under
`--dir` (default `benchmarks/out/durable`, on the output's file system) as `publish.write` does
(temporary file, durable, renamed, folders fsynced), one way at a time, the ways alternating:

- `syncfs`: one `syncfs` before the renames and one after (main before branch `write4`);
- `fsync`: each file fsynced in turn, then each folder;
- `pool`: `publish`'s way since `write4`: each file's writeback started (`sync_file_range`) as it
  is written, then the files fdatasynced by a few threads, then the folders fsynced.

With `--dirty-mb N`, another process first writes N MB to a file of its own without syncing
(what a regenerate, a backup or a log leaves dirty on a busy machine): `syncfs` waits for those
too, the others do not. Prints min / median / max milliseconds per way.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from feedsvc import durable  # noqa: E402  (after the path fix)


def _files(folder: Path, files: int, folders: int, size: int) -> list[tuple[str, str, int]]:
    """(temporary path, target, fd) of `files` new files written, not yet durable."""
    made = []
    data = os.urandom(size // 2).hex().encode()[:size]
    for n in range(files):
        sub = folder / f"d{n % folders:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        tmp, target = sub / f".f{n}.tmp", sub / f"f{n}.html"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(fd, data)
        made.append((os.fspath(tmp), os.fspath(target), fd))
    return made


def way_syncfs(made: list[tuple[str, str, int]]) -> None:
    for _, _, fd in made:
        os.close(fd)
    durable.sync_path(os.path.dirname(made[0][0]), whole_fs=True)
    for tmp, target, _ in made:
        os.replace(tmp, target)
    durable.sync_path(os.path.dirname(made[0][0]), whole_fs=True)


def way_fsync(made: list[tuple[str, str, int]]) -> None:
    for _, _, fd in made:
        os.fsync(fd)
        os.close(fd)
    for tmp, target, _ in made:
        os.replace(tmp, target)
    for folder in sorted({os.path.dirname(t) for _, t, _ in made}):
        durable.sync_path(folder)


def way_pool(made: list[tuple[str, str, int]]) -> None:
    syncer = durable.Syncer()
    for tmp, _, fd in made:
        syncer.add(fd, tmp)
    syncer.wait()
    for tmp, target, _ in made:
        os.replace(tmp, target)
    for folder in sorted({os.path.dirname(t) for _, t, _ in made}):
        syncer.add_folder(folder)
    syncer.close()


WAYS: dict[str, Callable[[list[tuple[str, str, int]]], None]] = {
    "syncfs": way_syncfs,
    "fsync": way_fsync,
    "pool": way_pool,
}


def dirty(folder: Path, mb: int) -> None:
    """Another process leaves `mb` MB dirty in the page cache (written, not synced)."""
    if mb:
        code = f"open({str(folder / 'dirt')!r}, 'wb').write(b'x' * ({mb} << 20))"
        subprocess.run([sys.executable, "-c", code], check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--folders", type=int, default=20)
    parser.add_argument("--size", type=int, default=12000)
    parser.add_argument("--dirty-mb", type=int, default=0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=ROOT / "benchmarks" / "out" / "durable")
    args = parser.parse_args(argv)
    times: dict[str, list[float]] = {name: [] for name in WAYS}
    for run in range(args.runs):
        for name, way in WAYS.items():
            folder = args.dir / f"{name}-{run}"
            shutil.rmtree(args.dir, ignore_errors=True)
            folder.mkdir(parents=True)
            os.sync()
            dirty(args.dir, args.dirty_mb)
            made = _files(folder, args.files, args.folders, args.size)
            started = time.perf_counter()
            way(made)
            times[name].append((time.perf_counter() - started) * 1e3)
    shutil.rmtree(args.dir, ignore_errors=True)
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average {load}; {args.files} files of {args.size} B in {args.folders} folders, ", end="")
    print(f"{args.dirty_mb} MB left dirty by another process")
    for name, values in times.items():
        low, mid, high = min(values), statistics.median(values), max(values)
        print(f"{name:7} min/median/max {low:7.1f} / {mid:7.1f} / {high:7.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
