"""`render.codegen`'s look-ups made in place: a name read from the context without a Python call
(`resolve_or_missing`'s two dicts looked in where it stands), `{% extends %}`'s parent found in a
plain dict when templates are never reloaded. Each renders what plain Jinja2 renders, however
`Context.vars` changes during the render; a changed template is picked up where Jinja2 picks it up."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import jinja2
import pytest

from feedsvc.render import codegen, theme

TEMPLATES = {
    # names written into `context.vars` (top-level `{% set %}`, imports) before and after reads,
    # in the root, in blocks, in macros and in loops
    "base.html": "<{{ a }}|{% block b %}B{{ top }}{% endblock %}|{{ late }}|{{ m() if m is defined else '' }}>",
    "child.html": "{% set top = a ~ '&' %}{% extends 'base.html' %}{% block b %}C{{ top }}{{ super() }}{% endblock %}",
    "setlate.html": "{{ top }}{% set top = 'T' %}{{ top }}{% for i in xs %}{{ top }}{{ i }}{{ late }}{% endfor %}",
    "macro.html": "{% macro m() %}M{{ late }}{{ top }}{% endmacro %}{{ m() }}{% set late = 'L<' %}{{ m() }}",
    "imports.html": "{% from '_m.html' import f %}{% import '_m.html' as lib %}{{ f() }}{{ lib.f() }}{{ a }}",
    "_m.html": "{% macro f() %}F{{ a }}{% endmacro %}",
    "with.html": "{% with a = 'W&' %}{{ a }}{% for x in xs %}{{ a }}{{ x }}{% endfor %}{% endwith %}{{ a }}",
    "include.html": "{% for x in xs %}{% include '_inc.html' %}{% endfor %}{% set a = 'I' %}{% include '_inc.html' %}",
    "_inc.html": "[{{ a }}{{ x if x is defined else '-' }}]",
    "scoped.html": "{% set top = 'S' %}{% for x in xs %}{% block s scoped %}{{ x }}{{ top }}{% endblock %}{% endfor %}",
    "missing.html": "{{ nothing is defined }}{{ a }}{% if nothing %}no{% endif %}",
}
CONTEXT: dict[str, Any] = {"a": "A<>", "xs": ["1", "2&"], "late": "late", "top": "ctx-top"}


def _render(env: jinja2.Environment, name: str) -> str:
    return env.get_template(name).render(CONTEXT)


@pytest.mark.parametrize("name", [n for n in TEMPLATES if not n.startswith("_")])
def test_names_resolve_as_in_jinja2(name: str) -> None:
    options: dict[str, Any] = {"loader": jinja2.DictLoader(TEMPLATES), "autoescape": True}
    plain, ours = jinja2.Environment(**options), codegen.Environment(**options)
    assert _render(ours, name) == _render(plain, name)
    # also through a context whose `vars` hold names already (a derived context's parent)
    context = ours.get_template(name).new_context(dict(CONTEXT), shared=True)
    expected = plain.get_template(name).new_context(dict(CONTEXT), shared=True)
    assert "".join(ours.get_template(name).root_render_func(context)) == "".join(
        plain.get_template(name).root_render_func(expected)
    )


def test_no_call_per_name_read() -> None:
    env = theme.environment(None)
    source = env.loader.get_source(env, "article.html")[0]  # type: ignore[union-attr]
    code = env.compile(source, "article.html", raw=True)
    assert "resolve('" not in code and "resolve_parent('parts', missing)" in code


def test_a_context_with_its_own_lookup_keeps_jinja2s_calls() -> None:
    class Looked(codegen.Context):
        def resolve_or_missing(self, key: str) -> Any:
            return "looked" if key == "a" else super().resolve_or_missing(key)

    class Env(codegen.Environment):
        context_class = Looked

    env = Env(loader=jinja2.DictLoader(TEMPLATES), autoescape=True)
    assert env.get_template("missing.html").render(CONTEXT) == "Falselooked"


def _folder_env(folder: Path, *, auto_reload: bool) -> jinja2.Environment:
    return codegen.Environment(loader=jinja2.FileSystemLoader(str(folder)), auto_reload=auto_reload)


def test_parent_looked_up_once_without_reloading(tmp_path: Path) -> None:
    (tmp_path / "base.html").write_text("base {% block b %}{% endblock %}")
    (tmp_path / "page.html").write_text("{% extends 'base.html' %}{% block b %}page{% endblock %}")
    env = _folder_env(tmp_path, auto_reload=False)
    first = env.get_template("base.html")
    assert env.get_template("page.html").render() == "base page"
    (tmp_path / "base.html").write_text("changed {% block b %}{% endblock %}")
    assert env.get_template("base.html") is first  # not reloaded, as Jinja2 does with auto_reload off
    assert env.get_template("page.html").render() == "base page"
    assert _folder_env(tmp_path, auto_reload=False).get_template("page.html").render() == "changed page"


def test_parent_reloaded_when_changed_with_auto_reload(tmp_path: Path) -> None:
    (tmp_path / "base.html").write_text("base {% block b %}{% endblock %}")
    (tmp_path / "page.html").write_text("{% extends 'base.html' %}{% block b %}page{% endblock %}")
    env = _folder_env(tmp_path, auto_reload=True)
    assert env.get_template("page.html").render() == "base page"
    (tmp_path / "base.html").write_text("changed {% block b %}{% endblock %}")
    later = (tmp_path / "page.html").stat().st_mtime + 5
    os.utime(tmp_path / "base.html", (later, later))
    assert env.get_template("page.html").render() == "changed page"


def test_a_theme_overriding_the_parent_is_used(tmp_path: Path) -> None:
    (tmp_path / "base.html").write_text(
        "themed {% block main %}{% endblock %}{% block footer %}{% endblock %}"
    )
    page = theme.template(str(tmp_path), "article.html")
    assert page.environment.get_template("base.html", "article.html").filename == str(tmp_path / "base.html")
    package = theme.template(None, "article.html").environment.get_template("base.html", "article.html")
    assert package.filename == str(theme.PACKAGE / "base.html")


def test_an_overlay_gets_its_own_templates() -> None:
    env = codegen.Environment(loader=jinja2.DictLoader({"t.html": "{{ a }}"}), autoescape=True)
    assert env.get_template("t.html").render(a="<") == "&lt;"
    other = env.overlay(autoescape=False)
    assert other.get_template("t.html").environment is other
    assert env.get_template("t.html").environment is env
