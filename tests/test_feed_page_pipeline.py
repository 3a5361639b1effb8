"""Feed pages for people through the whole pipeline (`render.feedpage`): ingests splice them on
disk, and the pages an ingest writes are byte for byte those a regenerate of a copy of the store
writes; a regenerate repairs a damaged page."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from feedsvc import pipeline
from feedsvc.config import Settings
from feedsvc.render.feedpage import PAGES
from tests.render_helpers import instance_settings, tree

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.issue import ArchiveSpec, GeneratedPage, iter_issues  # noqa: E402

TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2021, 6, 1, 9, tzinfo=TZ)
FEED_PAGES = ("contributors/", "sections/")


def _issues(days: int) -> list[list[GeneratedPage]]:
    return list(iter_issues(ArchiveSpec(start=dt.date(2021, 5, 3), days=days, seed=5, contributors=6)))


def _ingest(settings: Settings, folder: Path, pages: list[GeneratedPage]) -> None:
    drops = folder / "drops"
    drops.mkdir(exist_ok=True)
    for page in pages:
        path = drops / page.name
        path.write_text(page.text, encoding="utf-8")
        pipeline.ingest_file(settings, path, dt.datetime.combine(page.date, dt.time(9), tzinfo=TZ))


def _feed_pages(folder: Path) -> dict[str, bytes]:
    return {k: v for k, v in tree(folder).items() if k.startswith(FEED_PAGES) and k.endswith(".html")}


def test_a_regenerate_repairs_a_damaged_feed_page_whose_head_is_intact(tmp_path: Path) -> None:
    """A feed page truncated, or edited after its head, still carries the current digest: the
    hash of its content, checked before a page on disk is kept, has it rendered again."""
    settings = instance_settings(tmp_path)
    for pages in _issues(3):
        _ingest(settings, tmp_path, pages)
    out = settings.paths.output
    good = _feed_pages(out)
    truncated, edited = sorted(out / k for k in good)[:2]
    truncated.write_bytes(truncated.read_bytes()[:400])
    data = edited.read_bytes()
    at = data.index(b"<h3>")
    edited.write_bytes(data[:at] + b"<h3>EDITED " + data[at + 4 :])
    PAGES.clear()
    pipeline.regenerate(settings, NOW)
    assert _feed_pages(out) == good
    assert PAGES["current digest, content not its hash's"] == 2 and PAGES["current"] == len(good) - 2
