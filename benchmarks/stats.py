"""How the benchmarks print several runs of one figure: min / median / max."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def spread(values: Sequence[float], fmt: str = ".1f", unit: str = "", *, scale: float = 1.0) -> str:
    """`values` (each times `scale`) as "min / median / max unit", each number in format `fmt`."""
    lo, mid, hi = (v * scale for v in (min(values), statistics.median(values), max(values)))
    text = f"{lo:{fmt}} / {mid:{fmt}} / {hi:{fmt}}"
    return f"{text} {unit}" if unit else text
