"""A root or block function compiled by `render.codegen` writes its output into a list and yields
it joined once (each piece a yield before: ~40 generator resumptions an article page). The
templates of tests/test_codegen_like_jinja.py check that everything renders and raises as in plain
Jinja2; here, that each function yields once, and the package's pages render as Jinja2 renders
them."""

from __future__ import annotations

from typing import Any

import jinja2
import pytest

from feedsvc.render import codegen
from feedsvc.render.shared import SharedExtension

T = {
    "base.html": "<h>{{ title }}</h>{% if x %}<x>{{ x }}</x>{% endif %}{% for i in items %}<i>{{ i }}</i>{% endfor %}"
    "{% block body %}B{{ x }}{% for i in items %}[{{ i }}]{% endfor %}{% endblock %}|{% block foot %}F{% endblock %}"
    "{% include 'inc.html' without context %}{% include 'inc.html' %}end",
    "child.html": "{% extends 'base.html' %}{% block body %}C{{ super() }}{% for i in items %}({{ i }}){% endfor %}"
    "{% endblock %}",
    "inc.html": "<inc>{% for i in [1, 2] %}{{ i }}{% endfor %}</inc>",
}
CONTEXT: dict[str, Any] = {"title": "<T & 'x'>", "x": 'X&"', "items": ["a<", "b>", "c"]}
OPTIONS: dict[str, Any] = {
    "loader": jinja2.DictLoader(T),
    "autoescape": True,
    "undefined": jinja2.StrictUndefined,
    "extensions": [SharedExtension],
}


@pytest.mark.parametrize("name", ["base.html", "child.html"])
def test_each_function_yields_once(name: str) -> None:
    grouped, plain = codegen.Environment(**OPTIONS), jinja2.Environment(**OPTIONS)
    template = grouped.get_template(name)
    pieces = list(template.root_render_func(template.new_context(CONTEXT)))
    assert len(pieces) == 1  # a child's root: its parent's, its own list being empty
    assert "".join(pieces) == plain.get_template(name).render(CONTEXT)
    base = grouped.get_template("base.html")  # (a child's block calls super(): its own stack of blocks)
    assert len(list(base.blocks["body"](base.new_context(CONTEXT)))) == 1


def test_include_without_context_in_a_recursive_loop_as_jinja2() -> None:
    """A recursive loop's body is a function of its own (`loop(…)`): Jinja2's `yield from` for an
    include without context makes it a generator there, which the page's join then refuses, in
    plain Jinja2 as here; its output does not go into the root's list out of place."""
    templates = {
        "plain.html": "P",
        "page.html": "{% for i in [[1], 2] recursive %}<{% if i is iterable %}{{ loop(i) }}{% else %}{{ i }}"
        "{% include 'plain.html' without context %}{% endif %}>{% endfor %}",
    }
    for env in (codegen.Environment, jinja2.Environment):
        template = env(loader=jinja2.DictLoader(templates), autoescape=True).get_template("page.html")
        with pytest.raises(TypeError, match="generator found"):
            template.render()
