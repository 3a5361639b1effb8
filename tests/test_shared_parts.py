"""`{% shared %}` (render/shared.py): a part of a page rendered once per distinct value of the
variables it uses, with the bytes of rendering it every time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import pytest
from markupsafe import Markup

from feedsvc.render import codegen, html, theme
from feedsvc.render.common import Site, entry_parts
from feedsvc.render.html import Links
from feedsvc.render.shared import SharedExtension
from tests.render_helpers import bulk_entries, settings

BODY = (
    "<title>{{ title }}</title>\n"
    "{% shared %}\n"
    '<nav><a href="{{ link("index.html") }}">{{ name | made }}</a>'
    "{% for x in items %}<i>{{ x }}</i>{% endfor %}</nav>\n"
    "{% endshared %}\n"
    "<p>{{ title }}</p>\n"
)


ENVIRONMENTS = {"jinja2": jinja2.Environment, "codegen": codegen.Environment}
_ENVIRONMENT: list[type[jinja2.Environment]] = [jinja2.Environment]


@pytest.fixture(autouse=True, params=sorted(ENVIRONMENTS))
def environment_class(request: pytest.FixtureRequest) -> Any:
    """Each test with Jinja2's environment (the part through `SharedExtension._shared`) and with
    the package's (`render.codegen`: looked up inline, the body rendered only on a miss)."""
    _ENVIRONMENT[0] = ENVIRONMENTS[request.param]
    yield
    _ENVIRONMENT[0] = jinja2.Environment


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, value: Any) -> Any:
        self.calls += 1
        return value


def env(text: str, *, shared: bool, made: Counter | None = None) -> jinja2.Environment:
    plain = text.replace("{% shared %}", "{% if true %}").replace("{% endshared %}", "{% endif %}")
    source = text if shared else plain
    e = (_ENVIRONMENT[0] if shared else jinja2.Environment)(
        loader=jinja2.DictLoader({"page.html": source}),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=[SharedExtension] if shared else [],
    )
    e.filters["made"] = made or Counter()  # counts renders of what it filters
    return e


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
    shared, plain = env(BODY, shared=True, made=made), env(BODY, shared=False, made=made)
    for path, title in PAGES:
        context = {"title": title, "name": "报 <x>", "items": ("a", "<b>")}
        assert render(shared, path, **context) == render(plain, path, **context)
    assert made.calls == 3 + 4  # shared: once per folder (3 folders); plain: every page (4)
    other = render(shared, PAGES[0][0], title="x", name="另一个名字", items=("a", "<b>"))
    assert "另一个名字" in other  # a different value of a variable it uses: rendered again
    assert made.calls == 8


def test_unhashable_or_missing_values_render_every_time() -> None:
    made = Counter()
    shared, plain = env(BODY, shared=True, made=made), env(BODY, shared=False, made=made)
    for path, title in PAGES[:2]:
        context = {"title": title, "name": "n", "items": ["a", "<b>"]}  # a list
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


def same_as_plain(text: str, contexts: list[dict[str, Any]]) -> None:
    """Each context rendered by one environment with the part shared, and without the tag."""
    shared, plain = env(text, shared=True), env(text, shared=False)
    for context in contexts:
        path = context.pop("path", PAGES[0][0])
        assert render(shared, path, **context) == render(plain, path, **context), context


def test_each_part_has_its_own_entry() -> None:
    same_as_plain(
        "{% shared %}\n{{ a }}{% endshared %}\n|{% shared %}\n{{ b }}{% endshared %}\n", [{"a": 1, "b": 2}]
    )
    e = env("", shared=True)  # two templates made from strings: the same line, two parts
    assert e.from_string("{% shared %}一{% endshared %}").render() == "一"
    assert e.from_string("{% shared %}二{% endshared %}").render() == "二"


def test_names_the_part_sets_are_in_its_key() -> None:
    branch = "{% shared %}\n{% if title == 'never' %}{% set title = 'x' %}{% endif %}{{ title }}\n{% endshared %}\n"
    shadow = "{% shared %}\n{% for title in ('x',) %}{% endfor %}{{ title }}\n{% endshared %}\n"
    for text in (branch, shadow):
        same_as_plain(text, [{"title": "甲"}, {"title": "乙"}])


def test_values_are_keyed_with_their_type_and_mutable_ones_render_every_time() -> None:
    class Box:
        def __init__(self) -> None:
            self.n = 1

    box = Box()
    text = "{% shared %}\n{{ v }} {{ box.n }}\n{% endshared %}\n"
    shared, plain = env(text, shared=True), env(text, shared=False)
    for v in (1, True, 1.0, 0.0, -0.0, "1", Markup("1"), (1,), (True,)):
        box.n += 1
        assert render(shared, "a.html", v=v, box=box) == render(plain, "a.html", v=v, box=box), v
    ns = "{% set ns = namespace(n=0) %}{% for x in xs %}{% set ns.n = ns.n + 1 %}{% shared %}\n{{ ns.n }}\n{% endshared %}\n{% endfor %}"
    same_as_plain(ns, [{"xs": (1, 2, 3)}])


def test_a_part_linking_to_its_own_page_is_not_kept() -> None:
    text = '{% shared %}\n<a href="{{ link("") }}">.</a><a href="{{ link("#top") }}">^</a><a href="{{ link("?q=1") }}">?</a>\n{% endshared %}\n'
    same_as_plain(text, [{"path": p} for p, _ in PAGES])


@pytest.mark.parametrize(
    "part",
    [
        "{% include 'x.html' %}",
        "{% import 'x.html' as x %}",
        "{% from 'x.html' import y %}",
        "{% block b %}{% endblock %}",
        "{% call f() %}{% endcall %}",
        "{% shared %}{% endshared %}",
        "{{ caller() }}",
        "{{ self.b() }}",
        "{{ super() }}",
        "{{ varargs }}{{ kwargs }}",
        "{{ loop.index }}",
        "{% for x in xs %}{% else %}{{ loop.index }}{% endfor %}",
        "{% set ns.n = 1 %}",
    ],
)
def test_what_a_key_cannot_hold_is_refused_where_it_is(part: str) -> None:
    text = f"<p>\n{{% shared %}}{part}{{% endshared %}}\n"
    with pytest.raises(
        jinja2.TemplateSyntaxError, match=r"^page\.html, line 2: a \{% shared %\} part cannot hold"
    ):
        env(text, shared=True).get_template("page.html")


def test_a_loop_of_the_part_may_use_loop() -> None:
    text = "{% shared %}\n{% for x in xs %}{{ loop.index }}{{ x }}{% endfor %}\n{% endshared %}\n"
    same_as_plain(text, [{"xs": (1, 2)}, {"xs": (3,)}])


class Misses(dict[object, object]):
    """A part cache counting the parts rendered and kept."""

    def __init__(self) -> None:
        super().__init__()
        self.kept = 0

    def __setitem__(self, key: object, value: object) -> None:
        self.kept += 1
        super().__setitem__(key, value)


def test_the_package_templates_parts_are_rendered_once_per_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    site = Site.from_settings(settings(Path("feeds")))
    environment = theme.environment(site.theme)
    extension = next(e for e in environment.extensions.values() if isinstance(e, SharedExtension))
    misses = Misses()
    monkeypatch.setattr(extension, "kept", misses)
    entries = bulk_entries(8, per_day=4)  # two days: two folders of 4 articles

    def pages() -> list[bytes]:
        return [html.article_page(site, e, entry_parts(site, e)) for e in entries]

    shared = pages()
    assert misses.kept == 2 * 3  # per folder: the head and masthead, the footer, the article's feeds
    plain = jinja2.Environment(
        loader=Plain(environment.loader), **{k: getattr(environment, k) for k in OPTIONS}
    )
    monkeypatch.setattr(theme, "environment", lambda _: plain)
    assert pages() == shared


OPTIONS = ("autoescape", "undefined", "trim_blocks", "lstrip_blocks", "keep_trailing_newline")


class Plain(jinja2.BaseLoader):
    """A loader's templates with the `{% shared %}` tags made plain `{% if true %}` blocks."""

    def __init__(self, loader: jinja2.BaseLoader | None) -> None:
        assert loader is not None
        self.loader = loader

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str | None, Any]:
        source, name, _ = self.loader.get_source(environment, template)
        plain = source.replace("{% shared %}", "{% if true %}").replace("{% endshared %}", "{% endif %}")
        return plain, name, lambda: False


def test_codegen_looks_parts_up_without_a_macro() -> None:
    e = env(BODY, shared=True)
    code = e.compile(BODY, "page.html", raw=True)
    if isinstance(e, codegen.Environment):
        assert "_shared" not in code and "Macro(" not in code and ".kept.get(" in code
    else:
        assert "._shared, " in code


def test_a_part_is_kept_apart_for_each_run_time_autoescape() -> None:
    """`{% autoescape flag %}` decided when the page renders: a part kept escaped is never given
    where the text is not to be escaped, nor the other way round."""
    e = _ENVIRONMENT[0](autoescape=True, undefined=jinja2.StrictUndefined, extensions=[SharedExtension])
    t = e.from_string("{% autoescape flag %}{% shared %}{{ name }}{% endshared %}{% endautoescape %}")
    got = [t.render(flag=flag, name="<b>") for flag in (True, False, True, False)]
    assert got == ["&lt;b&gt;", "<b>", "&lt;b&gt;", "<b>"]


def keyed(text: str) -> list[str]:
    """The names the part's key holds (the arguments its `_shared` call is given)."""
    part = next(env(text, shared=True).parse(text).find_all(jinja2.nodes.CallBlock))
    return [arg.name for arg in part.call.args[1:] if isinstance(arg, jinja2.nodes.Name)]


def test_a_name_only_a_loop_of_the_part_sets_is_not_in_the_key() -> None:
    inside = (
        "{% shared %}\n{% for x, (y, z) in xs if x %}{{ x }}{{ y }}{{ z }}{% endfor %}\n{% endshared %}\n"
    )
    assert keyed(inside) == ["xs"]
    many = [
        {"xs": ((1, (2, 3)), (0, (4, 5))), "x": "a", "y": "b", "z": "c"},
        {"xs": ((6, (7, 8)),), "x": "d"},
    ]
    same_as_plain(inside, many)
    # read before the loop, in what it loops over, after it, in its `else`: the page's, in the key
    for outside, names in (
        ("{{ x }}{% for x in xs %}{{ x }}{% endfor %}", ["x", "xs"]),
        ("{% for x in x %}{{ x }}{% endfor %}", ["x"]),
        ("{% for x in xs %}{{ x }}{% endfor %}{{ x }}", ["x", "xs"]),
        ("{% for x in xs %}{{ x }}{% else %}{{ x }}{% endfor %}", ["x", "xs"]),
        ("{% for x in xs %}{% for y in x %}{{ x }}{{ y }}{% endfor %}{{ y }}{% endfor %}", ["xs", "y"]),
    ):
        text = f"{{% shared %}}\n{outside}\n{{% endshared %}}\n"
        assert keyed(text) == names, outside
        same_as_plain(text, [{"xs": ("ab",), "x": "cd", "y": "e"}, {"xs": ("ab",), "x": "fg", "y": "h"}])
        same_as_plain(text, [{"xs": (), "x": "ij", "y": "k"}, {"xs": (), "x": "lm", "y": "n"}])
