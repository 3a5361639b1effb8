"""`feedsvc review`: the items the parser was unsure of (and the items held for review), as text,
JSON, or a static HTML page written beside the store (`<store>/review.html`, never into the
public output folder). By default the issues of the week up to the newest one are listed."""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feedsvc.config import Settings
from feedsvc.store import Store
from feedsvc.store.editorial import Doubt, Editorial

log = logging.getLogger(__name__)
PAGE_NAME = "review.html"
RECENT_DAYS = 7


@functools.cache
def _template() -> Any:
    import jinja2  # only when a page is written: the daemon and one-shot commands start faster

    templates = jinja2.Environment(
        loader=jinja2.PackageLoader("feedsvc", "render/templates"),
        autoescape=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    return templates.get_template("review.html")


@dataclass(frozen=True, slots=True)
class Review:
    scope: str  # "issues 2023-06-20 … 2023-06-26", "issue 2023-06-26", "all issues"
    doubts: tuple[Doubt, ...]
    files: tuple[tuple[str, str, str], ...] = ()  # corrections files: (name, status, problem)


def collect(store: Store, *, day: dt.date | None = None, everything: bool = False) -> Review:
    ed = Editorial(store)
    files = tuple(ed.file_problems())
    if everything:
        return Review("all issues", tuple(ed.doubts(None, None)), files)
    if day is not None:
        return Review(f"issue {day}", tuple(ed.doubts(day, day)), files)
    latest = ed.latest_date()
    if latest is None:
        return Review("no issues stored", (), files)
    since = latest - dt.timedelta(days=RECENT_DAYS - 1)
    return Review(f"issues {since} … {latest}", tuple(ed.doubts(since, latest)), files)


def as_text(review: Review) -> str:
    lines = [f"{len(review.doubts)} item(s) to review ({review.scope})"]
    for d in review.doubts:
        lines.append(f"\n{d.date} p{d.page} [{d.position}] {d.state}: {d.title}\n  {d.id}")
        lines.extend(f"  - {w}" for w in d.warnings)
        lines.append(f"  | {d.excerpt}")
    if review.files:
        lines.append("\ncorrections files not (wholly) applied:")
        lines.extend(f"  {line}" for _, _, problem in review.files for line in problem.splitlines())
    return "\n".join(lines)


def as_json(review: Review) -> str:
    items = [
        {"id": d.id, "date": d.date.isoformat(), "page": d.page, "position": d.position, "state": d.state,
         "title": d.title, "warnings": list(d.warnings), "excerpt": d.excerpt}
        for d in review.doubts
    ]  # fmt: skip
    files = [
        {"file": name, "status": status, "problems": problem.splitlines()}
        for name, status, problem in review.files
    ]
    return json.dumps({"scope": review.scope, "items": items, "files": files}, ensure_ascii=False, indent=1)


def as_html(review: Review, settings: Settings) -> bytes:
    page: str = _template().render(
        language=settings.paper.language,
        paper=settings.paper.name,
        scope=review.scope,
        doubts=review.doubts,
        files=review.files,
    )
    return page.encode("utf-8")


def write_page(store: Store, settings: Settings) -> Path:
    """Write the recent issues' review page beside the store (replaced whole, never half-written)."""
    path = settings.paths.store / PAGE_NAME
    data = as_html(collect(store), settings)
    if path.is_file() and path.read_bytes() == data:
        return path
    temporary = path.with_name(f".{PAGE_NAME}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    return path


def refresh(store: Store, settings: Settings) -> None:
    """`write_page` for the pipeline: a page that cannot be written is logged, not fatal."""
    try:
        write_page(store, settings)
    except OSError as exc:
        log.warning("review page not written: %s: %s", settings.paths.store / PAGE_NAME, exc.strerror)
