"""What every page of a site shows unless it says otherwise (the paper's description, its feeds'
autodiscovery links) is made once per site: each site's pages show their own, whichever site
rendered last, and a page that gives its own keeps it."""

from __future__ import annotations

from pathlib import Path

from feedsvc.records import PAPER
from feedsvc.render import html
from feedsvc.render.common import Site
from tests.render_helpers import settings


def site(name: str, base_url: str) -> Site:
    s = settings(Path("feeds"))
    paper = s.paper.model_copy(update={"name": name, "base_url": base_url})
    return Site.from_settings(s.model_copy(update={"paper": paper}))


def test_each_site_its_own_defaults() -> None:
    one, two = site("甲报", "https://one.example/"), site("乙报", "https://two.example/")
    for _ in range(2):  # alternately, so a default kept from the other site would show
        for s, other in ((one, two), (two, one)):
            page = html.search_page(s, []).decode()
            assert f'<meta name="description" content="{s.subtitle(PAPER, "")}">' in page
            assert f'href="{s.url("feed.atom")}"' in page
            assert other.url("feed.atom") not in page
            assert other.name not in page


def test_a_page_keeps_what_it_gives() -> None:
    s = site("甲报", "https://one.example/")
    page = html.issues_year(s, [2023], 2023, [(6, [])]).decode()
    assert f"<title>{html._words(s.ui).past_issues}" in page
    assert f'<meta property="og:title" content="{html._words(s.ui).past_issues}' in page
