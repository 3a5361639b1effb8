"""An article page's digest (`Rendered.article_digest`) is made once per entry and neighbours,
and follows the neighbours when they are given later (as `regen._whole_issues` gives them)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from feedsvc.render import keys
from feedsvc.render.common import Site
from feedsvc.render.feeds import Rendered
from feedsvc.render.issues import Around, Link
from feedsvc.render.keys import entry_digest
from tests.render_helpers import entry, settings

SITE = Site.from_settings(settings(Path("feeds")))
DAY = dt.date(2023, 6, 26)


def test_digest_follows_the_neighbours() -> None:
    e = entry(DAY, 1, 2)
    r = Rendered(e)
    alone = r.article_digest(SITE)
    assert alone == entry_digest(SITE, r.key + b"")
    assert r.article_digest(SITE) is alone  # made once
    r.around = Around(previous=Link("articles/2023/06/26/p1-01.html", "前一篇"))
    beside = r.article_digest(SITE)
    assert beside != alone
    assert beside == entry_digest(SITE, r.key + r.around.key())
    assert beside == Rendered(e, r.around).article_digest(SITE)
    r.around = Around(previous=Link("articles/2023/06/26/p1-01.html", "改了标题"))
    assert r.article_digest(SITE) not in (alone, beside)


def test_digest_follows_the_site_it_is_made_for() -> None:
    """Whatever is kept between calls (the digest's prefix), each site's digest is its own."""
    sites = [SITE, dataclasses.replace(SITE, look="other"), dataclasses.replace(SITE, fingerprint="f2")]
    digests = [entry_digest(site, b"k") for site in sites * 2]
    assert len(set(digests[:3])) == 3
    assert digests[3:] == digests[:3]


def test_digest_follows_the_article_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """Article pages written by a feedsvc that rendered them otherwise (`ARTICLE_VERSION`) do not
    prove current: the next regenerate renders them again."""
    before = entry_digest(SITE, b"k")
    monkeypatch.setattr(keys, "ARTICLE_VERSION", keys.ARTICLE_VERSION + "-older")
    monkeypatch.setattr(keys, "_ARTICLE_PREFIX", {})
    assert entry_digest(SITE, b"k") != before
