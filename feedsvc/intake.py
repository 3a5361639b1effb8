"""A submission taken in: its bytes read, parsed and checked before anything is stored (a file
refused here names itself and is never stored). `pipeline` stores and publishes what passes."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from feedsvc.config import Settings
from feedsvc.errors import ParseError
from feedsvc.inbox import display_name
from feedsvc.models import Issue
from feedsvc.parse import NO_DATE, hints_from_settings
from feedsvc.parse.submission import PdfParse, parse_submission


def read_submission(
    settings: Settings, path: Path, *, name: str | None = None, now: dt.datetime | None = None
) -> tuple[bytes, Issue]:
    """A submission's bytes and its parse; ParseError names the file."""
    data, parsed = read_parsed(settings, path, name=name, now=now)
    return data, parsed.issue


def read_parsed(
    settings: Settings, path: Path, *, name: str | None = None, now: dt.datetime | None = None
) -> tuple[bytes, PdfParse]:
    """A submission's bytes, its parse and its photos' JPEG bytes (a page PDF); ParseError names
    the file."""
    name = display_name(name or path.name)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read: {exc.strerror}", name) from exc
    if len(data) > settings.daemon.max_submission_bytes:
        raise ParseError(
            f"too large: {len(data)} bytes (the limit is {settings.daemon.max_submission_bytes})", name
        )
    parsed = parse_submission(data, source=name, hints=hints_from_settings(settings))
    check_issue(settings, parsed.issue, name, now=now)
    return data, parsed


def check_issue(settings: Settings, issue: Issue, name: str, *, now: dt.datetime | None = None) -> None:
    """Refuse (ParseError naming the file) a parse the store must not take: no issue date, a date
    in the future, the same page number twice. Checked before anything is stored, and again for
    each stored original by `regenerate --reparse`, which skips what fails."""
    if issue.date is not None and now is not None and issue.date > now.date() + dt.timedelta(days=1):
        raise ParseError(f"the issue date {issue.date} is in the future (today is {now.date()})", name)
    if issue.date is None:
        raise ParseError(NO_DATE, name)
    if issue.date < settings.paper.earliest_date:
        raise ParseError(
            f"the issue date {issue.date} is before the paper's first issue "
            f"(paper.earliest_date = {settings.paper.earliest_date}): a misread date?",
            name,
        )
    counts = Counter(page.number for page in issue.pages)
    twice = sorted(n for n, count in counts.items() if count > 1)
    if twice:
        pages = ", ".join(str(n) for n in twice)
        raise ParseError(f"page {pages} appears twice in one submission: send each page once", name)


def page_keys(issue: Issue) -> frozenset[tuple[dt.date, int]]:
    """The (issue date, page number) pairs a parse writes: submissions sharing one must apply in
    the order they arrived."""
    if issue.date is None:
        return frozenset()
    return frozenset((issue.date, page.number) for page in issue.pages)
