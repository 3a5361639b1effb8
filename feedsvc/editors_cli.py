"""The editors' commands behind `feedsvc review`, `feedsvc correct` and `feedsvc approve`: their
arguments, and a few lines each around `review`, `editing` and `pipeline.edit`."""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import sys
from collections.abc import Callable
from typing import Any

from feedsvc import editing, pipeline, review
from feedsvc.config import Settings
from feedsvc.errors import ConfigError
from feedsvc.store import Store

Command = Callable[[argparse.Namespace, Settings], int]


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _person(text: str) -> dict[str, str]:
    """`记者 董笑瑜` → role 记者, name 董笑瑜; `董笑瑜` → name only; `通讯员 张祥荣 摄` adds the credit."""
    words = text.split()
    if not 1 <= len(words) <= 3:
        raise argparse.ArgumentTypeError(f"give 'NAME', 'ROLE NAME' or 'ROLE NAME CREDIT', not {text!r}")
    if len(words) == 1:
        return {"name": words[0]}
    return dict(zip(("role", "name", "credit"), words, strict=False))


def add_arguments(sub: Any, *, review: Command, correct: Command, approve: Command) -> None:
    p = sub.add_parser(
        "review", help="list the items the parser was unsure of (and those held)",
        description="List the items of the latest week's issues the parser had doubts about, and the"
        " items held for review, with their ids, warnings and state; review.html beside the store too.",
    )  # fmt: skip
    p.add_argument("--date", type=_date, default=None, help="one issue date (default: the latest week)")
    p.add_argument("--all", action="store_true", help="every issue in the store")
    p.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or JSON")
    p.set_defaults(func=review)

    p = sub.add_parser(
        "correct", help="correct an item: writes its page's corrections file and applies it",
        description="Correct one item (headline, kicker, subtitle, kind, contributors, or hide it): the"
        " change goes into its page's corrections file and the affected feeds are rewritten.",
    )  # fmt: skip
    p.add_argument("id", help="the entry id (tag:…), as `feedsvc review` lists it")
    for field in ("kicker", "headline", "subtitle"):
        p.add_argument(f"--{field}", default=None, metavar="TEXT", help=f'set the {field} ("" removes it)')
    p.add_argument("--kind", choices=("article", "photo"), default=None, help="set the item's kind")
    p.add_argument(
        "--contributor", type=_person, action="append", default=None, metavar="'ROLE NAME [CREDIT]'",
        help="the item's contributors, replacing the parsed ones (repeat for several)",
    )  # fmt: skip
    p.add_argument("--no-contributors", action="store_true", help="the item credits nobody")
    p.add_argument("--hide", action="store_true", help="keep the item out of every feed and page")
    p.set_defaults(func=correct)

    p = sub.add_parser(
        "approve", help="publish items held for review ([publish] hold)",
        description="Publish items held for review ([publish] hold = \"warnings\"): one by id, or"
        " every item of one issue date.",
    )  # fmt: skip
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", default=None, help="one entry id")
    which.add_argument("--date", type=_date, default=None, help="every item of one issue date")
    p.set_defaults(func=approve)


def edit_of(args: argparse.Namespace) -> dict[str, object]:
    """The fields `feedsvc correct` was asked to set."""
    edit: dict[str, object] = {
        k: getattr(args, k)
        for k in ("kicker", "headline", "subtitle", "kind")
        if getattr(args, k) is not None
    }
    if args.contributor is not None or args.no_contributors:
        edit["contributors"] = args.contributor or []
    if args.hide:
        edit["hide"] = True
    if not edit:
        raise ConfigError("correct: nothing to correct (give --headline, --kicker, --hide …)")
    return edit


def review_text(settings: Settings, *, day: dt.date | None, everything: bool, fmt: str) -> str:
    """The review list as text or JSON; the HTML page beside the store is written too."""
    with Store.open(settings.paths.store) as store:
        found = review.collect(store, day=day, everything=everything)
        page = review.write_page(store, settings)
    print(f"review page: {page}", file=sys.stderr)
    return review.as_json(found) if fmt == "json" else review.as_text(found)


def correct(settings: Settings, now: dt.datetime, entry_id: str, edit: dict[str, object]) -> pipeline.Report:
    change = functools.partial(editing.correct, entry_id=entry_id, edit=edit)
    return pipeline.edit(settings, now, change, name=f"correct {entry_id}")


def approve(
    settings: Settings, now: dt.datetime, *, entry_id: str | None, day: dt.date | None
) -> pipeline.Report:
    change = functools.partial(editing.approve, entry_id=entry_id, day=day)
    return pipeline.edit(settings, now, change, name=f"approve {entry_id or day}")


def print_report(report: pipeline.Report) -> int:
    """The report of an edit; 2 if a correction was not applied."""
    print(report.summary())
    for path in report.changed_feeds:
        print(f"  {path}")
    for note in report.notes:
        print(f"feedsvc: {note}", file=sys.stderr)
    return 2 if report.notes else 0
