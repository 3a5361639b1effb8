"""`{% shared %}` (render/shared.py): a part of a page rendered once per distinct value of the
variables it uses, with the bytes of rendering it every time."""

from __future__ import annotations

from typing import Any

import jinja2
import pytest

from feedsvc.render.html import Links
from feedsvc.render.shared import SharedExtension

BODY = (
    "<title>{{ title }}</title>\n"
    "{% shared %}\n"
    '<nav><a href="{{ link("index.html") }}">{{ name }}</a>{{ made() }}'
    "{% for x in items %}<i>{{ x }}</i>{% endfor %}</nav>\n"
    "{% endshared %}\n"
    "<p>{{ title }}</p>\n"
)


def env(text: str, *, shared: bool) -> jinja2.Environment:
    source = text if shared else text.replace("{% shared %}\n", "").replace("{% endshared %}\n", "")
    return jinja2.Environment(
        loader=jinja2.DictLoader({"page.html": source}),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=[SharedExtension] if shared else [],
    )


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        return ""


def render(e: jinja2.Environment, path: str, **context: Any) -> str:
    return e.get_template("page.html").render(link=Links(path), path=path, **context)


PAGES = [
    ("articles/2024/01/02/a.html", "<甲 & 乙>"),
    ("articles/2024/01/02/b.html", "丙"),
    ("articles/2024/01/03/c.html", "丁"),
    ("index.html", "戊"),
]


def test_same_bytes_as_rendering_every_time_and_once_per_folder() -> None:
    made = Counter()
    shared, plain = env(BODY, shared=True), env(BODY, shared=False)
    for path, title in PAGES:
        context = {"title": title, "name": "报 <x>", "items": ("a", "<b>"), "made": made}
        assert render(shared, path, **context) == render(plain, path, **context)
    assert made.calls == 3 + 4  # shared: once per folder (3 folders); plain: every page (4)
    other = render(shared, PAGES[0][0], title="x", name="另一个名字", items=("a", "<b>"), made=made)
    assert "另一个名字" in other  # a different value of a variable it uses: rendered again
    assert made.calls == 8


def test_unhashable_or_missing_values_render_every_time() -> None:
    made = Counter()
    shared, plain = env(BODY, shared=True), env(BODY, shared=False)
    for path, title in PAGES[:2]:
        context = {"title": title, "name": "n", "items": ["a", "<b>"], "made": made}  # a list
        assert render(shared, path, **context) == render(plain, path, **context)
    assert made.calls == 4
    text = "{% shared %}\n{% if flag %}{{ missing }}{% endif %}ok\n{% endshared %}\n"
    assert env(text, shared=True).from_string(text).render(flag=False) == "ok\n"
    with pytest.raises(jinja2.UndefinedError):
        env(text, shared=True).from_string(text).render(flag=True)


def test_loop_variables_are_not_part_of_the_key() -> None:
    text = (
        "{% shared %}\n{% for x in xs %}{% set y = x %}{{ y }}{{ loop.index }}{% endfor %}\n{% endshared %}\n"
    )
    e = env(text, shared=True)
    assert e.from_string(text).render(xs=(1, 2)) == "1122"
    assert e.from_string(text).render(xs=(3,)) == "31"


def test_each_part_has_its_own_entry() -> None:
    e = env("", shared=True)
    two = "{% shared %}{{ a }}{% endshared %}|{% shared %}{{ b }}{% endshared %}"  # one line
    assert e.from_string(two).render(a=1, b=2) == "1|2"
    assert e.from_string("{% shared %}一{% endshared %}").render() == "一"  # two strings, line 1
    assert e.from_string("{% shared %}二{% endshared %}").render() == "二"
