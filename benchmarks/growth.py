"""How parsing and matching time grow with the input (issue 9, item 8): near-linear, not quadratic.

    .venv/bin/python benchmarks/growth.py [--runs 3] [--quick]

Three measures, each at several sizes, `--runs` times each (min / median / max in seconds, and
the median's growth from the size before: ~2x per doubling is linear, ~4x quadratic):

- parse: `feedsvc.parse.parse_bytes` of a page whose body blocks never end a sentence (each one is
  glued onto one growing paragraph), 0.85 MB … 20 MB (the submission size limit);
- credits: a page of N photo captions, each credit line printed away from its photo;
- match: `identity.match_items` of a corrected page of N items (every item edited, order reversed).

`--quick` runs small sizes only (a smoke run in seconds).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# after the path fix, so that the script runs from anywhere
from feedsvc.identity import match_items
from feedsvc.models import Item
from feedsvc.parse import parse_bytes

MASTHEAD = "2023年6月26 农历癸卯年五月初九 今日4版总第521期"
_BLOCK = "钱塘区持续推进产业园区建设和营商环境优化工作 各项任务稳步推进相关部门协同配合{n}"


def unterminated_page(megabytes: float) -> bytes:
    head = "\n\n".join(
        [
            MASTHEAD,
            "区委常委会会议传达学习贯彻重要批示精神",
            "■首席记者 赵一霖",
            "本报讯 6月25日,区委常委会召开会议",
            "",
        ]
    )
    size = len((_BLOCK + "\n\n").format(n=100000).encode())
    blocks = int(megabytes * 1e6 / size)
    return (head + "\n\n".join(_BLOCK.format(n=n) for n in range(blocks))).encode()


def photo_page(photos: int) -> bytes:
    parts = [MASTHEAD]
    for n in range(photos):
        parts.append(f"图片新闻{n}")
        parts.append(f"钱塘江畔 市民在江边散步游玩,享受夏日傍晚的凉风。第{n}幅")
    parts += [f"通讯员 张{'一二三四五六七八九'[n % 9]}荣 摄" for n in range(photos)]
    return "\n\n".join(parts).encode()


def corrected_page(items: int) -> tuple[list[Item], list[Item]]:
    """`items` articles of 400 random characters (seeded) and the page corrected: one character of
    each edited, the order reversed."""
    rng = random.Random(items)
    chars = [chr(0x4E00 + k) for k in range(3000)]

    def text(n: int) -> str:
        return "".join(rng.choice(chars) for _ in range(n))

    old = [Item(headline=text(10), title="t", paragraphs=(text(400),)) for _ in range(items)]
    new = [item.model_copy(update={"paragraphs": ("改" + item.paragraphs[0][1:],)}) for item in reversed(old)]
    return old, new


def timed(call: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def report(
    title: str, unit: str, sizes: list[float], measure: Callable[[float], Callable[[], object]], runs: int
) -> None:
    print(f"\n{title}")
    print(f"| {unit} | min s | median s | max s | median growth |")
    print("|---|---|---|---|---|")
    previous: tuple[float, float] | None = None
    for size in sizes:
        times = timed(measure(size), runs)
        median = statistics.median(times)
        growth = ""
        if previous is not None:
            growth = f"{median / previous[1]:.2f}x for {size / previous[0]:.2f}x the size"
        print(f"| {size:g} | {min(times):.3f} | {median:.3f} | {max(times):.3f} | {growth} |", flush=True)
        previous = (size, median)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    args = parser.parse_args()
    mb = [0.1, 0.2, 0.4] if args.quick else [0.85, 1.7, 3.4, 6.8, 20.0]
    photos = [100, 200] if args.quick else [250, 500, 1000, 2000, 4000]
    items = [100, 200] if args.quick else [250, 500, 1000, 2000, 4000]

    def parse_of(megabytes: float) -> Callable[[], object]:
        data = unterminated_page(megabytes)
        return lambda: parse_bytes(data, source="growth.txt")

    def credits_of(n: float) -> Callable[[], object]:
        data = photo_page(int(n))
        return lambda: parse_bytes(data, source="growth.txt")

    def match_of(n: float) -> Callable[[], object]:
        old, new = corrected_page(int(n))
        return lambda: match_items(old, new)

    print(f"feedsvc growth benchmark: Python {sys.version.split()[0]}, {args.runs} runs per size")
    report("parse: body blocks that never end a sentence", "MB", mb, parse_of, args.runs)
    report("parse: photo captions and their credit lines", "photos", photos, credits_of, args.runs)
    report("match_items: a corrected page, every item edited", "items", items, match_of, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
