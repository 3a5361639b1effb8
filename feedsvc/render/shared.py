"""Parts of pages rendered once and reused: the `{% shared %}` template tag.

Most of a page for people is the same on every page of its folder: the head's icons and style
sheet, the masthead, the footer's links (each link is relative, so it depends on the folder). A
template marks such a part `{% shared %}…{% endshared %}`; it is rendered the first time and
taken from a cache afterwards, keyed by the part (each parsed part has an identity of its own:
two on one line, or in two templates made from strings, are two) and the values of the
variables it uses (found when the template is compiled), `link` counting as its page's folder.
The bytes out are those of rendering the part every time, provided the variables it uses are
immutable values (a part using an unhashable one is rendered every time) and it does not link to
its own page (`link('')`, the one link that depends on more than the folder).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from jinja2 import UndefinedError, nodes
from jinja2.ext import Extension
from jinja2.parser import Parser
from markupsafe import Markup

_KEPT = 4096  # shared parts kept per environment (each a few hundred bytes)


class ByFolder:
    """A value that counts as its page's folder in a shared part's key (`html.Links`, the
    templates' `link`, whose answers depend on the folder alone but for `link('')`)."""

    __slots__ = ("folder",)

    def __init__(self, folder: str) -> None:
        self.folder = folder


def _free_names(body: list[nodes.Node]) -> list[str]:
    """The template variables `body` reads and does not set itself (loop targets, `set`)."""
    loads: set[str] = set()
    stores: set[str] = {"loop"}
    for node in body:
        for name in node.find_all(nodes.Name):
            (loads if name.ctx == "load" else stores).add(name.name)
    return sorted(loads - stores)


class SharedExtension(Extension):
    """`{% shared %}…{% endshared %}`: see the module docstring."""

    tags = {"shared"}  # noqa: RUF012 - as jinja2.ext.Extension declares it

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self._cache: dict[tuple[Any, ...], Markup] = {}
        self._parts = itertools.count()  # each part's identity (two on one line, two strings: two)

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endshared",), drop_needle=True)
        names = _free_names(body)
        where = nodes.Const(next(self._parts))
        args: list[nodes.Expr] = [where, *(nodes.Name(n, "load", lineno=lineno) for n in names)]
        call = self.call_method("_shared", args, lineno=lineno)
        return nodes.CallBlock(call, [], [], body, lineno=lineno)

    def _shared(self, where: int, *values: Any, caller: Callable[[], str]) -> Markup:
        key = (where, *(v.folder if isinstance(v, ByFolder) else v for v in values))
        try:
            found = self._cache.get(key)
        except (TypeError, UndefinedError):  # not a key (a list, a name not given): rendered each time
            return Markup(caller())
        if found is None:
            if len(self._cache) >= _KEPT:
                self._cache.clear()
            found = self._cache[key] = Markup(caller())
        return found
