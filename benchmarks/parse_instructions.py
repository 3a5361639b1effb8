"""Instructions per parse of the sample page, counted by valgrind (callgrind): a figure that does not
move with the load of a shared machine, unlike times (it varies by ~1 % from run to run).

    .venv/bin/python benchmarks/parse_instructions.py [--root TREE] [--parses 200] [--runs 2]

Runs `valgrind --tool=callgrind` (PYTHONHASHSEED=0) over this script parsing the sample page (as
benchmarks/parse.py does) `--parses` times and 0 times, with the `feedsvc` of `--root` (default:
this tree), and prints the difference divided by `--parses`, for each of `--runs` runs.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def parse_loop(root: Path, parses: int) -> None:
    sys.path.insert(0, str(root))
    from benchmarks.parse import load_samples, make_parser

    sample = load_samples(0, 1)[0]
    run = make_parser()
    for _ in range(parses):
        run(sample)


def collected(root: Path, parses: int) -> int:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    command += [sys.executable, __file__, "--root", str(root), "--loop", str(parses)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"no instruction count in valgrind's output:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=HERE, help="the tree whose feedsvc parses")
    ap.add_argument("--parses", type=int, default=200)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--loop", type=int, help=argparse.SUPPRESS)  # the child valgrind runs
    args = ap.parse_args(argv)
    root = args.root.resolve()
    if args.loop is not None:
        parse_loop(root, args.loop)
        return 0
    for _ in range(args.runs):
        per_parse = (collected(root, args.parses) - collected(root, 0)) / args.parses
        print(f"{root}: {per_parse / 1e6:.3f} M instructions per parse of the sample page")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
