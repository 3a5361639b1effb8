"""How a new submission relates to what the store already holds: its identity, and resends.

- Identity (`submission_key`): a submission is its bytes plus what its file name contributed to
  the parse (a date or page number the page itself does not print). The same bytes under a name
  that gives another date or page are a different submission: a resend under a corrected name,
  which replaces the pages the earlier one wrote (`Store.supersede`).
- A later, shorter copy of a page that retracts items within minutes of a longer one is kept and
  applied, as any correction is, but said out loud (`shorter_copy_warnings`): a writer cut off
  mid-file looks just like that. Both originals stay in the store for good.

Pure: the caller passes what the store knows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping

from feedsvc.models import Issue
from feedsvc.records import Change
from feedsvc.store.schema import Submission

SHORTER_WINDOW = dt.timedelta(minutes=30)
"""A shorter copy arriving within this time of the longer one it retracts items of is reported."""

_NAME_SOURCES = frozenset({"hint", "sequence"})  # page numbers the file name gave (or followed on from)


def name_contribution(issue: Issue) -> str:
    """What the file name gave the parse: `date=2023-06-26;pages=1,2`, or "" for nothing."""
    parts = []
    if issue.date_from == "hint" and issue.date is not None:
        parts.append(f"date={issue.date.isoformat()}")
    if any(page.number_from in _NAME_SOURCES for page in issue.pages):
        parts.append("pages=" + ",".join(str(page.number) for page in issue.pages))
    return ";".join(parts)


def submission_key(data: bytes, issue: Issue) -> str:
    """A submission's identity: the sha256 of its bytes, or, when its file name contributed to
    the parse, of its bytes and that contribution."""
    contribution = name_contribution(issue)
    if not contribution:
        return hashlib.sha256(data).hexdigest()
    return hashlib.sha256(data + b"\0feedsvc-name:" + contribution.encode("utf-8")).hexdigest()


def shorter_copy_warnings(
    name: str,
    size: int,
    sources: Mapping[int, Submission],
    changes: Iterable[Change],
    *,
    now: dt.datetime,
    submission_id: int,
    data_start_of: Callable[[int], bool],
) -> list[str]:
    """One line per page where this submission (`size` bytes) retracted items of a longer copy
    (`sources`: the submission each page was last written from) received within
    `SHORTER_WINDOW`. `data_start_of(id)`: are this submission's bytes the start of that one's?"""
    retracted = Counter(c.before.page for c in changes if c.after is None and c.before is not None)
    lines = []
    for page, count in sorted(retracted.items()):
        source = sources.get(page)
        if source is None or source.id == submission_id or source.size <= size:
            continue
        if abs(now - source.received) > SHORTER_WINDOW:
            continue
        minutes = abs(now - source.received).total_seconds() / 60
        cut = (
            "; its bytes are the start of that copy's (cut off mid-write?)"
            if data_start_of(source.id)
            else ""
        )
        lines.append(
            f"{name}: page {page}: {count} items retracted by a copy of {size} bytes, shorter than "
            f"{source.name} ({source.size} bytes) received {minutes:.0f} min earlier{cut}; both "
            f"originals are kept in the store (submissions {source.id} and {submission_id})"
        )
    return lines
