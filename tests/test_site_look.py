"""The site's look: a theme folder overrides one template (that page only) or a static file, the
interface speaks English by config, pages are byte-identical from run to run, links stay relative."""

from __future__ import annotations

import posixpath
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st

from feedsvc.config import SiteSettings
from feedsvc.errors import ConfigError
from feedsvc.publish import build_all
from feedsvc.render import html, theme, ui
from feedsvc.render.common import relative_url
from tests.render_helpers import FakeSource, fixture_entries, settings


def _site(tmp_path: Path, **site: object) -> dict[str, bytes]:
    s = settings(tmp_path / "out").model_copy(update={"site": SiteSettings.model_validate(site)})
    return dict(build_all(FakeSource(fixture_entries()), s))


def test_theme_overrides_one_template_and_that_page_only(tmp_path: Path) -> None:
    plain = _site(tmp_path)
    theme = tmp_path / "theme"
    (theme / "static").mkdir(parents=True)
    (theme / "issues.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>THEMED {{ years | length }}</h1>{% endblock %}\n',
        encoding="utf-8",
    )
    (theme / "static" / "site.css").write_text("body{color:red}\n", encoding="utf-8")
    (theme / "static" / "logo.png").write_bytes(b"\x89PNG fake")
    themed = _site(tmp_path, theme=theme)
    assert b"THEMED 1" in themed["issues/index.html"]
    assert b"THEMED" not in plain["issues/index.html"]
    changed = {p for p in plain if plain[p] != themed.get(p)} - {"static/site.css"}
    assert changed == {"issues/index.html"}
    assert themed["static/site.css"] == b"body{color:red}\n"
    assert themed["static/logo.png"] == b"\x89PNG fake"  # a theme's extra static file is published


def test_logo_nameplate_and_missing_theme(tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    (theme / "static").mkdir(parents=True)
    (theme / "static" / "logo.png").write_bytes(b"x")
    out = _site(tmp_path, theme=theme, logo="logo.png")
    assert (
        b'<img src="../../../../static/logo.png" alt="\xe9\x92\xb1' in out["articles/2023/06/26/p1-01.html"]
    )
    with pytest.raises(ConfigError, match=r"site\.theme: .* is not a folder"):
        _site(tmp_path, theme=tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("issues.html", '{% extends "base.html" %}{% block main %}{% if %}{% endblock %}\n', "line 1: "),
        (
            "base.html",
            "<p>\n{% shared %}{% include 'x.html' %}{% endshared %}\n",
            "line 2: a {% shared %} part",
        ),
    ],
)
def test_a_theme_template_that_does_not_parse_is_a_config_error(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / name).write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        _site(tmp_path, theme=theme)
    assert str(caught.value).startswith(f"site.theme: {name}, {message}")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "feed.html",
            b"<p>\n{{ name | no_such_filter }}\n",
            "feed.html, line 2: No filter named 'no_such_filter'",
        ),
        ("_extra.html", b"{% for x in %}\n", "_extra.html, line 1: "),  # no page uses it yet
        ("icon.svg", b"\xff\xfe<svg/>", "icon.svg: not UTF-8 text"),
    ],
)
def test_check_theme_compiles_every_template_of_the_theme(
    tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    theme_dir = tmp_path / "theme"
    theme_dir.mkdir()
    (theme_dir / "README.txt").write_bytes(b"\xff not a template, not read\n")
    (theme_dir / "issues.html").write_text("{% extends 'base.html' %}\n", encoding="utf-8")
    theme.check_theme(str(theme_dir))  # fine so far
    (theme_dir / name).write_bytes(data)
    other = tmp_path / "theme2"
    theme_dir.rename(other)
    with pytest.raises(ConfigError) as caught:
        theme.check_theme(str(other))
    assert str(caught.value).startswith(f"site.theme: {message}")
    assert "\n" not in str(caught.value)


def test_english_interface(tmp_path: Path) -> None:
    out = _site(tmp_path, ui_language="en")
    index = out["index.html"].decode()
    assert "Latest issue · <time" in index and ">26 June 2023<" in index and "Past issues" in index
    assert "最新一期" not in index
    assert "Page 1 · 要闻" in out["issues/2023/06/26.html"].decode()
    assert set(ui.STRINGS["zh"]) == set(ui.STRINGS["en"])


def test_pages_are_byte_identical_across_runs(tmp_path: Path) -> None:
    first, second = _site(tmp_path / "a"), _site(tmp_path / "b")
    assert first == second
    assert "static/icon.svg" in first and "钱".encode() in first["static/icon.svg"]


def test_open_graph_and_description(tmp_path: Path) -> None:
    page = _site(tmp_path)["articles/2023/06/26/p1-02.html"].decode()
    assert '<meta property="og:type" content="article">' in page
    assert '<meta property="og:title" content="打造具有钱塘特色基层治理品牌">' in page
    assert '<meta name="description" content="本报讯 6月23日上午，专题调研网格议事日工作。">' in page
    assert 'content="https://paper.example/news/icon.png"' in page


def test_autoescape(tmp_path: Path) -> None:
    page = _site(tmp_path)["articles/2023/06/26/p1-02.html"]
    assert b"<b>" not in page and b"&lt;b&gt;" in page


@pytest.mark.parametrize(
    ("page", "target", "expected"),
    [
        ("index.html", "feed.atom", "feed.atom"),
        ("sections/a.html", "feed.atom", "../feed.atom"),
        ("articles/2023/06/26/p1-01.html", "articles/2023/06/26/p1-02.html", "p1-02.html"),
        ("articles/2023/06/26/p1-01.html", "index.html#subscribe", "../../../../index.html#subscribe"),
        ("issues/2023/06/26.html", "#p1", "#p1"),
        ("issues/index.html", "issues/2023/06/26.html", "2023/06/26.html"),
    ],
)
def test_relative_url(page: str, target: str, expected: str) -> None:
    assert relative_url(page, target) == expected


_PATHS = st.lists(st.sampled_from(["a", "b", "ab", "x.html", "", ".", ".."]), max_size=5).map("/".join)


@given(page=_PATHS, target=_PATHS.filter(bool))
def test_relative_url_is_posix_relpath(page: str, target: str) -> None:
    """The folder count gives what `posixpath.relpath` gives, odd paths (`.`, `..`, `//`) included."""
    assert relative_url(page, target) == posixpath.relpath(target, posixpath.dirname(page) or ".")


_LINK_PATHS = st.lists(st.sampled_from(["a", "b", "x.html", "", ".", "..", "a#f", "b?q", "#f"]), max_size=4)


@given(page=_LINK_PATHS.map("/".join), target=_LINK_PATHS.map("/".join).filter(bool), same=st.booleans())
def test_a_pages_links_are_relative_url(page: str, target: str, same: bool) -> None:
    """`Links` answers as `relative_url` does, its quick answer for a file in the page's own
    folder (an article's neighbours) included: `same` puts the target in the page's folder."""
    if same:
        target = f"{page.rpartition('/')[0]}/{target.rpartition('/')[2]}"
    html._LINKS.clear()
    assert html.Links(page)(target) == relative_url(page, target)


def test_search_box_and_page_only_with_search_on(tmp_path: Path) -> None:
    off, on = _site(tmp_path / "off"), _site(tmp_path / "on", search=True)
    assert "search.html" not in off and b'role="search"' not in off["index.html"]
    assert (
        b'<form class="search" role="search" action="../../../../search.html"'
        in on["articles/2023/06/26/p1-01.html"]
    )
    assert (
        b'data-bundles="pagefind/recent/ pagefind/2023/"' not in on["search.html"]
    )  # one month: recent only
    assert b'data-bundles="pagefind/recent/"' in on["search.html"]


def test_a_theme_may_include_a_template_ignore_missing(tmp_path: Path) -> None:
    """Jinja2 renders `{% include … ignore missing %}` (or one of a list) without the template, so
    the digests' walk over a theme's templates must not stop at it; a plain include of a missing
    template is the setting's error, named."""
    theme_dir = tmp_path / "theme"
    theme_dir.mkdir()
    article = '{% extends "base.html" %}{% block main %}{% include "note.html" ignore missing %}'
    article += '{% include ["nowhere.html", "aside.html"] %}BODY{% endblock %}\n'
    (theme_dir / "article.html").write_text(article, encoding="utf-8")
    (theme_dir / "aside.html").write_text("ASIDE", encoding="utf-8")
    pages = [v for k, v in _site(tmp_path, theme=theme_dir).items() if k.startswith("articles/")]
    assert pages and all(b"ASIDE" in page and b"BODY" in page for page in pages)
    names = [name for name, _, _ in theme.templates_of(str(theme_dir), "article.html")]
    assert "aside.html" in names and "note.html" not in names

    (theme_dir / "article.html").write_text(article.replace(" ignore missing", ""), encoding="utf-8")
    moved = tmp_path / "theme2"  # another folder: the templates of a theme are read once per process
    theme_dir.rename(moved)
    with pytest.raises(ConfigError, match=r"^site\.theme: template note\.html not found$"):
        _site(tmp_path, theme=moved)


def test_a_theme_including_a_list_needs_one_of_its_templates(tmp_path: Path) -> None:
    """`{% include [a, b] %}` renders the first of them that is found, and without `ignore missing`
    Jinja2 fails the page when none is: the setting's one-line error instead, before any page."""
    theme_dir = tmp_path / "theme"
    theme_dir.mkdir()
    article = '{% extends "base.html" %}{% block main %}{% include ["nowhere.html", "nothere.html"] %}'
    article += '{% include ["gone.html", "lost.html"] ignore missing %}BODY{% endblock %}\n'
    (theme_dir / "article.html").write_text(article, encoding="utf-8")
    expected = r"^site\.theme: article\.html includes one of nowhere\.html, nothere\.html: none is found$"
    with pytest.raises(ConfigError, match=expected):
        theme.templates_of(str(theme_dir), "article.html")

    (theme_dir / "nothere.html").write_text("ASIDE", encoding="utf-8")
    moved = tmp_path / "theme2"  # another folder: the templates of a theme are read once per process
    theme_dir.rename(moved)
    pages = [v for k, v in _site(tmp_path, theme=moved).items() if k.startswith("articles/")]
    assert pages and all(b"ASIDE" in page and b"BODY" in page for page in pages)


@examples(max_examples=500, deadline=None)
@given(page=_LINK_PATHS.map("/".join), target=_LINK_PATHS.map("/".join).filter(bool))
def test_a_pages_links_to_other_folders_are_relative_url(page: str, target: str) -> None:
    """`Links`' own rule for a target in another folder (no `#`, `?`, plain page folder) answers as
    `relative_url`, from odd pages too (`/x.html`, `a//x.html`, `./x.html`)."""
    html._LINKS.clear()
    assert html.Links(page)(target) == relative_url(page, target)


def test_links_to_other_folders_without_relative_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """An article's links to contributors, sections and its issue are made without
    `relative_url`'s general rule (fails if they go through it); a fragment still does."""
    calls: list[tuple[str, str]] = []
    monkeypatch.setattr(html, "relative_url", lambda p, t: calls.append((p, t)) or relative_url(p, t))
    html._LINKS.clear()
    link = html.Links("articles/2023/06/26/p1-01.html")
    assert link("contributors/dong-xiaoyu.html") == "../../../../contributors/dong-xiaoyu.html"
    assert link("issues/2023/06/26.html") == "../../../../issues/2023/06/26.html"
    assert link("articles/2023/06/25/p1-01.html") == "../25/p1-01.html"
    assert link("articles/2023/06/26/p1-02.html") == "p1-02.html"
    assert link("articles") == "../../.."
    assert calls == []
    assert link("index.html#subscribe") == "../../../../index.html#subscribe"
    assert calls == [("articles/2023/06/26/p1-01.html", "index.html#subscribe")]
