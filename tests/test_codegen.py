"""`render.codegen`: templates compiled to fewer generator steps must render exactly what Jinja2's
own compiler renders, for every construct a theme may use, and raise where it raises."""

from __future__ import annotations

from typing import Any

import jinja2
import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup, escape

from feedsvc.render import codegen, theme

LOADER = jinja2.DictLoader(
    {
        "base.html": (
            "<title>{{ title }}</title>{% if comment %}<!-- {{ comment }} -->{% endif %}\n"
            "<main>{% block main %}default {{ title }}{% endblock %}</main>\n"
            "<footer>{% block footer %}{% endblock %}{{ site }} · {{ 3 }} · {{ 'a<b' }}</footer>\n"
        ),
        "_macros.html": (
            "{% macro card(x, sep=', ') %}<b>{{ x }}</b>{{ sep }}{{ caller() if caller is defined else '' }}{% endmacro %}"
            "{% macro plain(x, sep='<->', last=none) %}[{{ x }}{{ sep }}{{ last }}]{% endmacro %}"
            "{% macro many(x) %}({{ x }}{{ varargs | join('/') }}{{ kwargs | dictsort }}){% endmacro %}"
        ),
        "macros.html": (
            '{% import "_macros.html" as m %}{% from "_macros.html" import plain with context %}'
            "{{ m.plain(title) }}{{ m.plain(title, safe) }}{{ m.plain(title, '|', n) }}"
            "{{ plain(title, sep='kw') }}{{ m.many(1, 2, 3, a=title) }}{{ m.many(title) }}"
            "{% for p in people %}{{ plain(p) }}{% endfor %}"
            "{{ m.plain | attr('name') }}"
        ),
        "too_many.html": '{% import "_macros.html" as m %}{{ m.plain(1, 2, 3, 4) }}',
        "page.html": (
            '{% extends "base.html" %}{% import "_macros.html" as m %}\n'
            "{% block main %}{{ super() }}<h1>{{ title }}</h1>"
            "{% for p in people %}{% if not loop.first %}{{ sep }}{% endif %}"
            '<a href="{{ link(p) }}">{{ p | upper }}</a>{{ loop.index }}{% endfor %}'
            "{% set held %}<i>{{ title }}</i>{{ safe }}{% endset %}[{{ held }}]"
            "{% filter upper %}in filter {{ title }}{% endfilter %}"
            "{% call m.card(title) %}called {{ title }}{% endcall %}{{ m.card(safe) }}"
            "{{ title if title else 'none' }}{{ n + 1 }}{{ none }}{{ items | join(', ') }}"
            "{% with w = title ~ '&' %}{{ w }}{% endwith %}"
            "{% endblock %}\n"
            "{% block footer %}{% include 'inc.html' %}{{ self.main() | length }}{% endblock %}\n"
        ),
        "inc.html": "inc {{ title }} {{ people | length }} ",
        "plain.html": "{{ title }}{% for p in people %}<{{ p }}>{% else %}no one{% endfor %}{{ safe }}",
        "dynamic.html": "{% extends parent %}top {{ title }} dropped{% block main %}dyn {{ title }}{% endblock %}",
        "undefined.html": "<p>{{ title }} {{ missing }}</p>",
    }
)

CONTEXT: dict[str, Any] = {
    "title": "<Tom & \"Jerry\"> 'x'",
    "comment": "a --> b",
    "site": "Site & Co",
    "people": ["a&b", "<c>", "d"],
    "sep": " · ",
    "safe": Markup("<em>safe</em>"),
    "link": lambda p: f"contributors/{p}.html?x=1&y=2",
    "n": 41,
    "none": None,
    "items": ["<1>", Markup("<2>")],
    "parent": "base.html",
}


def environments(**options: Any) -> tuple[jinja2.Environment, jinja2.Environment]:
    common = {"loader": LOADER, "trim_blocks": True, "lstrip_blocks": True, **options}
    return jinja2.Environment(**common), codegen.Environment(**common)


@pytest.mark.parametrize("autoescape", [True, False])
@pytest.mark.parametrize("name", ["page.html", "plain.html", "dynamic.html", "base.html", "macros.html"])
def test_renders_what_jinja2_renders(name: str, autoescape: bool) -> None:
    plain, grouped = environments(autoescape=autoescape, undefined=jinja2.StrictUndefined)
    expected = plain.get_template(name).render(CONTEXT)
    assert grouped.get_template(name).render(CONTEXT) == expected
    if autoescape:
        assert "&lt;Tom &amp; &#34;Jerry&#34;&gt;" in expected  # the check means something


def test_fewer_generator_steps() -> None:
    """The point of it: an output tag's pieces are yielded once, not one by one."""
    plain, grouped = environments(autoescape=True)
    source = LOADER.get_source(plain, "page.html")[0]
    before = plain.compile(source, "page.html", raw=True).count("yield ")
    after = grouped.compile(source, "page.html", raw=True).count("yield ")
    assert after <= before / 2


@pytest.mark.parametrize("name", ["page.html", "dynamic.html"])
def test_blocks_and_parents_joined_where_called(name: str) -> None:
    """A parent's root and each block are joined where they are called, not delegated to: the page
    comes out of its root as one piece, where Jinja2 passes every piece up through each level."""
    plain, grouped = environments(autoescape=True, undefined=jinja2.StrictUndefined)
    pieces = list(grouped.get_template(name).generate(CONTEXT))
    assert pieces == ["".join(plain.get_template(name).generate(CONTEXT))]
    assert len(list(plain.get_template(name).generate(CONTEXT))) > 10
    source = LOADER.get_source(plain, name)[0]
    assert "yield from" not in grouped.compile(source, name, raw=True)


def test_package_templates_compile_grouped() -> None:
    """The site's environment (the package's templates and a theme's) uses the grouped compiler."""
    env = theme.environment(None)
    assert isinstance(env, codegen.Environment)
    assert "escape_text(" in env.compile(LOADER.get_source(env, "plain.html")[0], raw=True)


@pytest.mark.parametrize("autoescape", [True, False])
def test_undefined_still_raises(autoescape: bool) -> None:
    plain, grouped = environments(autoescape=autoescape, undefined=jinja2.StrictUndefined)
    for env in (plain, grouped):
        with pytest.raises(jinja2.UndefinedError, match="'missing' is undefined"):
            env.get_template("undefined.html").render(CONTEXT)
    lenient = environments(autoescape=autoescape)
    assert len({env.get_template("undefined.html").render(CONTEXT) for env in lenient}) == 1


class Html:
    """An object with `__html__`: output as it says, not escaped."""

    def __html__(self) -> str:
        return "<b>as is</b>"


@given(st.one_of(st.text(), st.integers(), st.floats(allow_nan=False), st.none(), st.text().map(Markup)))
def test_escape_text_is_markupsafe_escape(value: object) -> None:
    assert codegen.escape_text(value) == str(escape(value))
    assert type(codegen.escape_text(value)) in (str, Markup)


def test_escape_text_keeps_html_objects() -> None:
    assert codegen.escape_text(Html()) == "<b>as is</b>"
    assert codegen.escape_text("<&>\"'") == "&lt;&amp;&gt;&#34;&#39;"


@jinja2.pass_context
def seen(context: Any, name: str) -> str:
    """What the context holds: a loop's and a block's variables included."""
    return f"{name}={context.get(name)}"


class Counted:
    """A callable class whose `__call__` asks for the environment."""

    @jinja2.pass_environment
    def __call__(self, env: jinja2.Environment, x: object) -> str:
        return f"{type(env).__name__ in ('Environment',)}:{x}"


@jinja2.pass_eval_context
def autoescaping(eval_ctx: Any) -> bool:
    return bool(eval_ctx.autoescape)


def stops() -> str:
    raise StopIteration


CALLS = jinja2.DictLoader(
    {
        "calls.html": (
            "{% set top = 'T' %}{{ seen('top') }} {{ counted(1) }} {{ autoescaping() }} "
            "[{{ stops() is undefined }}] {{ plain('<x>') }} {{ range(3) | list }} {{ dict(a=1) }}"
            "{% for i in [1, 2] %}{% set inner = i * 10 %}{{ seen('i') }},{{ seen('inner') }};{% endfor %}"
            "{% block b %}{% set local = 'L' %}{{ seen('local') }}{% endblock %}"
            "{% macro m(x) %}{{ seen('x') }}{{ caller() }}{% endmacro %}{% call m(5) %}{{ seen('top') }}{% endcall %}"
        )
    }
)


def test_calls_pass_what_jinja2_passes() -> None:
    """Callables asking for the context, the environment or the evaluation context get it
    (with a loop's and a block's variables), a StopIteration is an undefined value, plain
    callables are called as they are."""
    functions = {
        "seen": seen,
        "counted": Counted(),
        "autoescaping": autoescaping,
        "stops": stops,
        "plain": lambda x: x * 2,
    }
    rendered = []
    for cls in (jinja2.Environment, codegen.Environment):
        env = cls(loader=CALLS, autoescape=True)
        env.globals.update(functions)
        rendered.append(env.get_template("calls.html").render())
    assert rendered[0] == rendered[1]
    assert "inner=10;i=None,inner=20;local=L" in rendered[1]  # as Jinja2 has it: sets seen, loop names not
    assert "True:1 True [True] &lt;x&gt;&lt;x&gt;" in rendered[1]


def test_globals_as_jinja2_layers_them() -> None:
    """The environment's globals reach every template; a template's own globals win over them
    and stay its own."""
    loader = jinja2.DictLoader({"g.html": "{{ name }} {{ range(2) | list }} {{ shared }}"})
    rendered = []
    for cls in (jinja2.Environment, codegen.Environment):
        env = cls(loader=loader, autoescape=True)
        env.globals.update(name="env", shared="s")
        own = env.from_string("{{ name }} {{ shared }}", globals={"name": "own"})
        rendered.append(
            (env.get_template("g.html").render(), own.render(), env.get_template("g.html").render())
        )
    assert rendered[0] == rendered[1] == ("env [0, 1] s", "own s", "env [0, 1] s")


def test_the_fast_escape_of_markupsafe_is_there_and_agrees() -> None:
    import markupsafe

    assert hasattr(markupsafe, "_escape_inner"), (
        "markupsafe has no _escape_inner any more: render/codegen.py falls back to a slower escape"
    )
    assert codegen.escape_inner is markupsafe._escape_inner
    for text in ("", "plain", "<a href=\"x\">'&'</a>", "\u00e9\u4e2d\U0001f600<"):
        assert codegen.escape_inner(text) == codegen._plain_escape(text) == str(escape(text))


@pytest.mark.parametrize("flag", [True, False])
@pytest.mark.parametrize("autoescape", [True, False])
def test_an_autoescape_block_switched_at_render_time(flag: bool, autoescape: bool) -> None:
    source = "{% autoescape flag %}{{ s }}|{{ m }}{% endautoescape %}{{ s }}{% autoescape false %}{{ s }}{% endautoescape %}"
    stock, ours = environments(autoescape=autoescape)
    values = {"flag": flag, "s": "<b>&", "m": Markup("<i>")}
    expected = stock.from_string(source).render(values)
    assert ours.from_string(source).render(values) == expected
    assert ("&lt;b&gt;" in expected.split("|")[0]) is flag  # the switch itself is exercised


def test_plain_macro_calls_skip_jinja2s_argument_handling(monkeypatch: pytest.MonkeyPatch) -> None:
    """A macro called with positional arguments only is invoked at once (`Context.call`), with
    the defaults left to the macro as `Macro.__call__` leaves them; any other call is Jinja2's."""
    plain, grouped = environments(autoescape=True, undefined=jinja2.StrictUndefined)
    source = '{% import "_macros.html" as m %}{{ m.plain(title) }}{{ m.plain(safe, n) }}'
    expected = plain.from_string(source).render(CONTEXT)
    assert "[&lt;Tom &amp;" in expected and "&lt;-&gt;None]" in expected

    def refused(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("Macro.__call__ was used")

    monkeypatch.setattr(jinja2.runtime.Macro, "__call__", refused)
    assert grouped.from_string(source).render(CONTEXT) == expected
    with pytest.raises(AssertionError, match=r"Macro\.__call__ was used"):  # a keyword: Jinja2's way
        grouped.from_string('{% import "_macros.html" as m %}{{ m.plain(title, sep="x") }}').render(CONTEXT)


def test_too_many_or_too_few_arguments_raise_as_in_jinja2() -> None:
    plain, grouped = environments(autoescape=True, undefined=jinja2.StrictUndefined)
    for env in (plain, grouped):
        with pytest.raises(TypeError, match="takes not more than 3 argument"):
            env.get_template("too_many.html").render(CONTEXT)
        with pytest.raises(jinja2.UndefinedError, match="parameter 'x' was not provided"):
            env.from_string('{% import "_macros.html" as m %}{{ m.plain() }}').render(CONTEXT)
        with pytest.raises(TypeError, match="two values for the special caller argument"):
            env.from_string('{% import "_macros.html" as m %}{% call m.plain(1) %}x{% endcall %}').render(
                CONTEXT
            )


class Made:
    """An object with an attribute, counting how often it is made (an expression evaluated once)."""

    made = 0

    def __init__(self) -> None:
        Made.made += 1
        self.name = "attr <n>"


ATTRIBUTES = (
    "{{ obj.name }}|{{ d.key }}|{{ d.items is defined }}|{{ d.nothing is defined }}|{{ make().name }}"
    "|{{ (obj.missing or 'fallback') }}|{{ d.nested.deeper }}|{{ n.real }}"
)


@pytest.mark.parametrize("undefined", [jinja2.Undefined, jinja2.StrictUndefined])
def test_attribute_reads_as_jinja2_reads_them(undefined: type[jinja2.Undefined]) -> None:
    """`x.name`: the attribute first, then the item, then an undefined value; the object's
    expression evaluated once."""
    context = {
        "obj": Made(),
        "d": {"key": "item & key", "nothing": None, "nested": {"deeper": 1}},
        "make": Made,
        "n": 7,
    }
    plain, grouped = environments(autoescape=True, undefined=undefined)
    source = (
        ATTRIBUTES
        if undefined is jinja2.Undefined
        else ATTRIBUTES.replace("|{{ (obj.missing or 'fallback') }}", "")
    )
    Made.made = 0
    expected = plain.from_string(source).render(context)
    assert Made.made == 1
    assert grouped.from_string(source).render(context) == expected
    assert Made.made == 2
    assert "getattr(" in grouped.compile(source, raw=True)
    if undefined is jinja2.StrictUndefined:
        for env in (plain, grouped):
            with pytest.raises(jinja2.UndefinedError):
                env.from_string("{{ obj.missing }}").render(context)
            with pytest.raises(jinja2.UndefinedError):
                env.from_string("{{ nowhere.name }}").render(context)


class _Methods:
    """Bound methods as a template calls them (`site.url(path)`): plain, or asking for a context."""

    def plain(self, x: str) -> str:
        return f"plain({x})"

    @jinja2.pass_context
    def with_context(self, context: Any, x: str) -> str:
        return f"ctx({x},{context.get('title')})"

    @jinja2.pass_eval_context
    def with_eval(self, ctx: Any, x: str) -> str:
        return f"eval({x},{ctx.autoescape})"

    def stops(self) -> str:
        raise StopIteration


def test_bound_methods_called_as_jinja2_calls_them() -> None:
    """A method of a plain function is called as it is, one of a `pass_context` function (or
    `pass_eval_context`) gets what Jinja2 passes it; a StopIteration is an undefined value."""
    source = "{{ m.plain(title) }}|{{ m.with_context(1) }}|{{ m.with_eval(2) }}|{{ m.stops() is defined }}"
    rendered = [
        cls(autoescape=True).from_string(source).render(m=_Methods(), title="<t>")
        for cls in (jinja2.Environment, codegen.Environment)
    ]
    assert rendered[0] == rendered[1] == "plain(&lt;t&gt;)|ctx(1,&lt;t&gt;)|eval(2,True)|False"
    assert codegen._plain_method(_Methods().plain) and not codegen._plain_method(_Methods().with_context)
