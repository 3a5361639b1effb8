"""`GroupedOutput.writeline` rewrites every `yield from` Jinja2 writes: a parent's root, a block,
and `{% include … without context %}` (in a plain frame and, through Jinja2's own quirk, in a
macro (also an imported one, a call block's), a `{% set %}` block and a filter block); also a chain of three `{% extends %}` with
`super()` at each level, `self.<block>()`, scoped blocks in loops, blocks inside `{% if %}`,
`{% extends %}` in an `{% if %}`, and errors raised inside a block two levels down. Each must
render what plain Jinja2 renders (or raise the same error at the same template line)."""

from __future__ import annotations

import re
import traceback
from typing import Any

import jinja2
import pytest

from feedsvc.render import codegen
from feedsvc.render.shared import SharedExtension

T = {
    "base.html": "<html>{% block head %}<h>{{ title }}</h>{% endblock %}|{% block body %}B{% block inner %}"
    "I{{ x }}{% endblock %}{% endblock %}|{{ self.head() }}</html>",
    "mid.html": "{% extends 'base.html' %}{% block head %}M[{{ super() }}]{% endblock %}"
    "{% block inner %}MI{{ super() }}{% endblock %}",
    "leaf.html": "{% extends 'mid.html' %}{% block head %}L[{{ super() }}]{{ self.inner() }}{% endblock %}"
    "{% block inner %}LI{{ super() }}{{ top }}{% endblock %}",
    "leafset.html": "{% set top = 'S&' %}{% extends 'mid.html' %}",
    "scoped.html": "{% for i in items %}{% block s scoped %}<{{ i }}>{% endblock %}{% endfor %}",
    "scopedchild.html": "{% extends 'scoped.html' %}{% block s %}[{{ i }}{{ super() }}]{% endblock %}",
    "blockif.html": "{% if x %}{% block a %}A{{ x }}{% endblock %}{% else %}{% block b %}B{% endblock %}{% endif %}",
    "blockifchild.html": "{% extends 'blockif.html' %}{% block a %}CA{{ super() }}{% endblock %}",
    "falseif.html": "{% if not x %}{% extends 'base.html' %}{% endif %}own{% block inner %}F{{ x }}{% endblock %}",
    "inc.html": "inc[{{ x }}]{% block ib %}IB{% endblock %}",
    "plain.html": "P{{ 1 + 1 }}<&>",
    "incs.html": "{% include 'inc.html' %}|{% include 'inc.html' without context %}|"
    "{% for i in items %}{% include 'plain.html' without context %}{% endfor %}",
    "incinblock.html": "{% extends 'base.html' %}{% block inner %}{% include 'plain.html' without context %}{% endblock %}",
    "incset.html": "{% set v %}S{% include 'plain.html' without context %}s{% endset %}[{{ v }}]",
    "incfilter.html": "{% filter upper %}f{% include 'plain.html' without context %}{% endfilter %}",
    "incmacro.html": "{% macro m() %}M{% include 'plain.html' without context %}N{% endmacro %}x{{ m() }}y",
    "incimport.html": "{% import 'incmacro.html' as lib %}<{{ lib.m() }}>",
    "inccall.html": "{% macro w() %}[{{ caller() }}]{% endmacro %}x{% call w() %}C{% include 'plain.html' without context %}"
    "{% endcall %}y",
    "incmacroblock.html": "{% macro k() %}K{% include 'plain.html' without context %}{% endmacro %}"
    "{% block z %}z{{ k() }}{% endblock %}",
    "caller.html": "{% macro wrap(a) %}<w {{ a }}>{{ caller(a ~ '!') }}</w>{% endmacro %}"
    "{% call(v) wrap(x) %}in {{ v }}{% endcall %}",
    "undef.html": "{% extends 'mid.html' %}{% block inner %}before{{ missing.attr }}after{% endblock %}",
    "raise.html": "{% extends 'leaf.html' %}{% block inner %}x{{ boom() }}y{% endblock %}",
}


def boom() -> None:
    raise ValueError("boom <msg>")


CONTEXT: dict[str, Any] = {
    "title": "<T & 'x'>",
    "x": 'X&"',
    "items": ["a<", "b>"],
    "top": "TOP",
    "boom": boom,
}


def outcome(env: jinja2.Environment, name: str, how: str) -> tuple[Any, ...]:
    template = env.get_template(name)
    try:
        text = template.render(CONTEXT) if how == "render" else "".join(template.generate(CONTEXT))
    except Exception as exc:
        lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == "<template>"]
        return type(exc).__name__, str(exc), lines[-1:]
    return ("ok", re.sub(" at 0x[0-9a-f]+>", " at …>", text))  # (Jinja2's quirk: a generator's repr)


@pytest.mark.parametrize("how", ["render", "generate"])
@pytest.mark.parametrize("name", sorted(T))
def test_renders_and_raises_as_jinja2(name: str, how: str) -> None:
    options: dict[str, Any] = {
        "loader": jinja2.DictLoader(T),
        "autoescape": True,
        "undefined": jinja2.StrictUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "keep_trailing_newline": True,
        "extensions": [SharedExtension],
    }
    plain, grouped = jinja2.Environment(**options), codegen.Environment(**options)
    assert outcome(grouped, name, how) == outcome(plain, name, how)
