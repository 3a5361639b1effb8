"""`entry_parts` makes `updated`'s RFC 3339 text from `published`'s when the two are one instant;
in a site zone with daylight saving time, two instants an hour apart in the repeated hour have the
same clock and the same tzinfo, so `==` (blind to `fold` between datetimes of one tzinfo) calls
them equal: only the offsets tell them apart. Each case gives what `isoformat` of each gives, and
the article page shows an update exactly when the two stamps differ."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from feedsvc.render import atom, html
from feedsvc.render.common import Site, entry_parts
from tests.render_helpers import entry, settings

DAY = dt.date(2021, 11, 6)
UTC = dt.UTC
CASES = {
    # published, updated (stored instants); New York's clocks go back at 06:00 UTC on 2021-11-07
    "fold0-fold1": (dt.datetime(2021, 11, 7, 5, 30, tzinfo=UTC), dt.datetime(2021, 11, 7, 6, 30, tzinfo=UTC)),
    "fold1-fold0": (dt.datetime(2021, 11, 7, 6, 30, tzinfo=UTC), dt.datetime(2021, 11, 7, 5, 30, tzinfo=UTC)),
    "same-instant-other-offset": (
        dt.datetime(2021, 11, 7, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=-4))),
        dt.datetime(2021, 11, 7, 5, 30, tzinfo=UTC),
    ),
    "same-wall-one-hour-apart": (
        dt.datetime(2021, 11, 7, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        dt.datetime(2021, 11, 7, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=-4))),
    ),
    "updated-before-published": (
        dt.datetime(2021, 11, 7, 6, 30, tzinfo=UTC),
        dt.datetime(2021, 11, 6, 6, 30, tzinfo=UTC),
    ),
}


@pytest.fixture
def site(tmp_path: Path) -> Site:
    conf = settings(tmp_path)
    conf = conf.model_copy(update={"paper": conf.paper.model_copy(update={"timezone": "America/New_York"})})
    return Site.from_settings(conf)


@pytest.mark.parametrize("case", sorted(CASES))
def test_instants_in_a_dst_fold_keep_their_own_offsets(site: Site, case: str) -> None:
    published, updated = CASES[case]
    e = entry(DAY, 1, 1).model_copy(update={"published": published, "updated": updated})
    parts = entry_parts(site, e)
    # what main made: each instant in the site's zone, written by `isoformat`
    assert parts.published_iso == parts.published.isoformat()
    assert parts.updated_iso == parts.updated.isoformat()
    assert dt.datetime.fromisoformat(parts.updated_iso) == updated - (published - parts.published)
    assert f"<updated>{parts.updated_iso}</updated>".encode() in atom.entry(site, parts)
    page = html.article_page(site, e, parts, "0" * 64).decode()
    meta = page[page.index('<p class="meta">') :].split("</p>", 1)[0]
    shows_update = meta.count("<time ") == 2 and f'<time datetime="{parts.updated_iso}">' in meta
    assert shows_update == (parts.updated_iso != parts.published_iso)
    if case.startswith("fold"):
        assert parts.updated_iso != parts.published_iso  # one hour apart: -04:00 and -05:00
        assert shows_update
