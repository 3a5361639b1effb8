"""The past issues for people: `issues/index.html` and a page per year (`issues/YYYY.html`).

The index lists every year with its count of issues and the newest year's issues by month; it is
made again whenever the issues change (it is small: a year at most). A year's page carries a
digest of what it depends on (`issues.year_digest`: the year's dates and which years there are), and
is made again only when the copy on disk carries another, so an ingest makes its own year's page
and leaves the others alone. Year pages of years no longer in the store are obsolete.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path

from feedsvc.render import html
from feedsvc.render.common import Site
from feedsvc.render.feeds import FeedRenderer, Outputs
from feedsvc.render.issues import ISSUES_INDEX, YEAR_PAGE, by_month, year_counts, year_digest, year_path


def past_issues(site: Site, renderer: FeedRenderer, folder: Path, days: Sequence[dt.date]) -> Outputs:
    """The index and the year pages that are not current in `folder`; `days`: every issue date."""
    years = by_month(days)
    listed = [year for year, _ in years]
    out = Outputs(
        files=[(ISSUES_INDEX, html.issues_index(site, year_counts(years), years[0] if years else None))]
    )
    for year, months in years:
        path = year_path(year)
        digest = year_digest(site, listed, year, months)
        if renderer.digest_on_disk(path) == digest:
            out.kept.append(path)
        else:
            out.files.append((path, html.issues_year(site, listed, year, months, digest=digest)))
    out.obsolete.extend(_other_years(folder, set(listed)))
    return out


def _other_years(folder: Path, years: set[int]) -> list[str]:
    """Year pages in `folder` of years not in `years`."""
    try:
        names = os.listdir(folder / os.path.dirname(ISSUES_INDEX))
    except OSError:
        return []
    found = (YEAR_PAGE.fullmatch(name) for name in names)
    return sorted(year_path(int(m[1])) for m in found if m is not None and int(m[1]) not in years)
