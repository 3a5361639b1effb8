"""Which search bundle (`pagefind/<name>/`) holds an issue's articles. Pure.

Pagefind cannot add to an index, so the archive is cut into bundles that are built again whole:
`recent` holds the issues of the latest issue's month, and `<year>` every older issue of that
year. An ingest into the latest month rebuilds `recent` only (a month of articles); when the latest
issue moves into a new month, the month that left `recent` goes into its year's bundle, which is
built again once. A correction to an older issue rebuilds its year. The browser merges them all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

SEARCH_DIR = "pagefind"
RECENT = "recent"


def window_start(days: Sequence[dt.date]) -> dt.date | None:
    """The first day of `recent`: the first of the latest issue's month (None: no issue)."""
    return max(days).replace(day=1) if days else None


def bundle_of(day: dt.date, start: dt.date | None) -> str:
    return RECENT if start is not None and day >= start else str(day.year)


def bundle_bound(name: str, start: dt.date | None) -> str:
    """What a bundle's contents depend on besides its articles: a year bundle ends where `recent`
    begins when that falls in its year (so it is rebuilt when `recent` moves on)."""
    if name == RECENT or start is None:
        return f"{name} from {start}"
    year = int(name)
    end = start if start.year == year else dt.date(year + 1, 1, 1)
    return f"{name} until {end}"


def bundles(days: Iterable[dt.date]) -> list[str]:
    """Every bundle the issue dates `days` make, newest first: `recent`, then the years."""
    listed = sorted(set(days))
    start = window_start(listed)
    names = {bundle_of(day, start) for day in listed}
    years = sorted((n for n in names if n != RECENT), key=int, reverse=True)
    return ([RECENT] if RECENT in names else []) + years
