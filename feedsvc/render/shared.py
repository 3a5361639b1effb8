"""Parts of pages rendered once and reused: the `{% shared %}` template tag.

Most of a page for people is the same on every page of its folder: the head's icons and style
sheet, the masthead, the footer's links (each link is relative, so it depends on the folder). A
template marks such a part `{% shared %}…{% endshared %}`; it is rendered the first time and
taken from a cache afterwards. The tag is kept simple to reason about, so that the bytes out are
always those of rendering the part every time:

- The key is the part itself (each parsed part gets an identity of its own: two parts on one
  line, or in two templates made from strings, are two parts), the escaping in force, and the
  value of every variable the part reads (`loop` inside a `for` of the part, and a name read
  only where a `for` of the part sets it as its target, are left out: the loop sets them). A
  name with no value counts as one fixed marker.
- Values count only if they are immutable, each keyed with its type: str, Markup, int, float,
  bool, None, a time zone, tuples of these, frozen dataclasses of these (`Site`, `Words`), and
  `link` (`html.Links`), which counts as its page's folder. A part reading any other value (a
  list, a macro, a namespace, a function) is rendered every time.
- A part whose render called `link('')`, `link('#…')` or `link('?…')` (they depend on the page,
  not its folder) is not kept. With a complete key the same key takes the same branches, so a
  kept part never holds such a link.
- What a part could depend on beyond its key is refused when the template is compiled, with a
  `TemplateSyntaxError` naming the template and line: `{% include %}`, `{% import %}`,
  `{% from %}`, `{% extends %}`, `{% block %}`, call blocks (and so a nested `{% shared %}`),
  reads of `self`, `super`, `caller`, `varargs`, `kwargs` or of `loop` outside a `for` of the
  part, the whole context (extensions' context references) and `{% set %}` of an attribute
  (namespaces). Refusing (rather than rendering such parts every time) tells a theme's author at
  once that the tag does nothing there; the package's templates use none of these.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.nodes import EvalContext
from jinja2.parser import Parser
from jinja2.runtime import Undefined
from jinja2.utils import pass_eval_context
from markupsafe import Markup

_KEPT = 4096  # shared parts kept per environment (each a few hundred bytes)
_PLAIN = frozenset({str, Markup, int, bool, type(None)})
_NO_VALUE = ("undefined",)  # the key of a name with no value
_KNOWN: dict[int, tuple[object, object]] = {}  # id: (immutable tuple or dataclass, its key), made once
_REFUSED: dict[type[nodes.Node], str] = {
    nodes.Include: "{% include %}",
    nodes.Import: "{% import %}",
    nodes.FromImport: "{% from %}",
    nodes.Extends: "{% extends %}",
    nodes.Block: "{% block %}",
    nodes.CallBlock: "a call block ({% call %}, a nested {% shared %})",
    nodes.NSRef: "a {% set %} of an attribute",
    nodes.ContextReference: "a read of the whole context",
    nodes.DerivedContextReference: "a read of the whole context",
}
_REFUSED_NAMES = frozenset({"self", "super", "caller", "varargs", "kwargs"})


class ByFolder:
    """A value that counts as its page's folder in a shared part's key (`html.Links`, the
    templates' `link`, whose answers depend on the folder alone but for links to the page itself,
    which set `by_page`)."""

    __slots__ = ("by_page", "folder")

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.by_page = False


class _Varies(Exception):
    """A value that is not known to be immutable: the part is rendered every time."""


def _key(value: Any) -> object:
    """`value` as a part's key holds it, with its type; `_Varies` if it is not immutable."""
    known = _KNOWN.get(id(value))  # a tuple or dataclass keyed before (`Site`, `Words`: every page)
    if known is not None and known[0] is value:
        return known[1]
    kind = type(value)
    if kind in _PLAIN:
        return (kind, value)
    if kind is float:  # by its bits: -0.0 == 0.0 but prints differently
        return (kind, value.hex())
    if kind is ZoneInfo:  # immutable; equal only to itself
        return (kind, value)
    if isinstance(value, ByFolder):
        return (ByFolder, value.folder)
    if isinstance(value, Undefined):
        return _NO_VALUE
    if kind is tuple or _frozen_dataclass(kind):  # `Site`, `Words`: if every field is immutable too
        items = value if kind is tuple else (getattr(value, f.name) for f in dataclasses.fields(value))
        key = (kind, tuple(_key(v) for v in items))
        if len(_KNOWN) >= _KEPT:
            _KNOWN.clear()
        _KNOWN[id(value)] = (value, key)  # kept alive, so no other value takes its id meanwhile
        return key
    raise _Varies


def _frozen_dataclass(kind: type) -> bool:
    params = getattr(kind, "__dataclass_params__", None)
    return params is not None and bool(params.frozen)


def _walk(
    node: nodes.Node, in_loop: bool, bound: frozenset[str]
) -> Iterator[tuple[nodes.Node, bool, frozenset[str]]]:
    """`node` and every node under it, each with whether it is inside a `for` body of the part
    and the names the `for`s of the part it is inside set (their targets, in their body and
    filter: not in what they loop over, nor in their `else`)."""
    yield node, in_loop, bound
    for field, value in node.iter_fields():
        inner, names = in_loop, bound
        if isinstance(node, nodes.For) and field in ("body", "test"):
            inner = inner or field == "body"
            targets = (node.target, *node.target.find_all(nodes.Name))
            names = bound | {n.name for n in targets if isinstance(n, nodes.Name)}
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, nodes.Node):
                yield from _walk(child, inner, names)


def _reads(body: list[nodes.Node]) -> tuple[list[str], str | None]:
    """The names the part's key holds, and what it holds that is refused (None: nothing). A name
    read only where a `for` of the part sets it is the loop's, not the page's: not in the key."""
    names: set[str] = set()
    for top in body:
        for node, in_loop, bound in _walk(top, False, frozenset()):
            refused = next((what for kind, what in _REFUSED.items() if isinstance(node, kind)), None)
            if refused is not None:
                return [], refused
            if not isinstance(node, nodes.Name) or node.ctx != "load":
                continue
            if node.name in _REFUSED_NAMES or (node.name == "loop" and not in_loop):
                return [], f"a read of `{node.name}`"
            if node.name != "loop" and node.name not in bound:
                names.add(node.name)
    return sorted(names), None


class SharedExtension(Extension):
    """`{% shared %}…{% endshared %}`: see the module docstring."""

    tags = {"shared"}  # noqa: RUF012 - as jinja2.ext.Extension declares it

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self.kept: dict[tuple[object, ...] | None, Markup] = {}  # never holds None
        self._parts = itertools.count()  # each part's identity (next() is atomic)

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endshared",), drop_needle=True)
        names, refused = _reads(body)
        if refused is not None:
            where = f"{parser.name or '<string>'}, line {lineno}"
            parser.fail(
                f"{where}: a {{% shared %}} part cannot hold {refused} (its output would "
                "depend on more than the variables it reads)",
                lineno,
            )
        part = nodes.Const(next(self._parts))
        args: list[nodes.Expr] = [part, *(nodes.Name(n, "load", lineno=lineno) for n in names)]
        call = self.call_method("_shared", args, lineno=lineno)
        return nodes.CallBlock(call, [], [], body, lineno=lineno)

    @pass_eval_context
    def _shared(self, ctx: EvalContext, part: int, *values: Any, caller: Callable[[], str]) -> Markup:
        """The part, kept or rendered (`caller`). Templates compiled by `render.codegen` do the
        same without the call: `key`, a look-up in `kept`, `render` on a miss."""
        key = self.key(ctx.autoescape, part, values)
        found = self.kept.get(key)
        return found if found is not None else self.render(key, caller, values)

    def key(self, autoescape: bool, part: int, values: tuple[Any, ...]) -> tuple[object, ...] | None:
        """The part's key with these values; None if a value is not known to be immutable (the
        part is rendered every time)."""
        key: list[object] = [part, autoescape]
        for value in values:  # `_key`'s two common cases first, without its call
            known = _KNOWN.get(id(value))
            if known is not None and known[0] is value:
                key.append(known[1])
            elif isinstance(value, ByFolder):
                key.append((ByFolder, value.folder))
            else:
                try:
                    key.append(_key(value))
                except _Varies:
                    return None
        return tuple(key)

    def render(
        self, key: tuple[object, ...] | None, body: Callable[[], str], values: tuple[Any, ...]
    ) -> Markup:
        """The part rendered (`body`), kept under `key` unless that is None or it linked to its page."""
        links = [v for v in values if isinstance(v, ByFolder)] if key is not None else []
        for link in links:
            link.by_page = False
        found = Markup(body())
        if key is None or any(link.by_page for link in links):
            return found
        if len(self.kept) >= _KEPT:
            self.kept.clear()
        self.kept[key] = found
        return found
