"""The site's look: Jinja2 templates and static files, from the package or a theme folder.

The package ships its templates in `render/templates/` and its static files in
`render/templates/static/`. A theme folder (`[site] theme`) overrides any of them by name:
`<theme>/article.html` replaces the article template, `<theme>/static/site.css` the style sheet,
and other files in `<theme>/static/` are published too (a logo, say). Templates named `*.svg` in
the package (the default icon) are rendered like pages and published under `static/`.

`fingerprint` digests a template with those it uses, so pages carrying a digest (article and
issue pages) are rendered again when their templates change, and only then. Reading the files is the only I/O
here; environments are cached per (theme, language), also in worker processes.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

import jinja2
from jinja2 import meta, nodes

from feedsvc.errors import ConfigError
from feedsvc.render import codegen
from feedsvc.render.shared import SharedExtension

PACKAGE = Path(__file__).parent / "templates"
STATIC = "static"
_RENDERED_STATIC = (".svg",)  # package templates published under static/ after rendering
_TEMPLATES = (".html", *_RENDERED_STATIC)  # a theme's files that are templates


def _files(folder: Path) -> dict[str, Path]:
    """Regular, non-hidden files directly in `folder`, by name."""
    try:
        names = sorted(os.listdir(folder))
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"site.theme: cannot read {folder}: {exc.strerror}") from exc
    return {n: folder / n for n in names if not n.startswith(".") and (folder / n).is_file()}


@functools.cache
def environment(theme: str | None) -> jinja2.Environment:
    """Templates from `theme` first, then the package's; autoescaped, undefined names are errors."""
    folders = [str(PACKAGE)] if theme is None else [theme, str(PACKAGE)]
    env = codegen.Environment(
        loader=jinja2.FileSystemLoader(folders, encoding="utf-8", followlinks=False),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        extensions=[SharedExtension],
    )
    return env


@functools.cache
def template(theme: str | None, name: str) -> jinja2.Template:
    """`environment(theme).get_template(name)`, looked up once (templates are not reloaded)."""
    return environment(theme).get_template(name)


@functools.cache
def check_theme(theme: str | None) -> None:
    """A configured theme folder must exist and every template in it must compile: a one-line
    `ConfigError` naming the setting (and the template and line) otherwise. The daemon calls this
    as it starts, so a broken theme stops it there rather than failing each page it publishes."""
    if theme is None:
        return
    if not Path(theme).is_dir():
        raise ConfigError(f"site.theme: {theme} is not a folder")
    env = environment(theme)
    for name in _files(Path(theme)):
        if not name.endswith(_TEMPLATES):
            continue
        try:
            source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        except UnicodeDecodeError as exc:
            raise ConfigError(f"site.theme: {name}: not UTF-8 text ({exc.reason})") from exc
        try:
            env.compile(source, name)
        except jinja2.TemplateSyntaxError as exc:  # also an unknown filter or test
            raise syntax_error(exc, name) from exc


@functools.cache
def static_files(theme: str | None) -> dict[str, Path]:
    """Static files to publish under `static/`, by name: the package's, overridden by the theme's."""
    found = _files(PACKAGE / STATIC)
    if theme is not None:
        found.update(_files(Path(theme) / STATIC))
    return dict(sorted(found.items()))


@functools.cache
def look_digest(theme: str | None) -> str:
    """A digest of every template and static file the site is made from (the theme's where it has
    one, the package's otherwise), read once per process, as the templates are. A template may
    include another from a folder (`partials/nav.html`): the templates below the folder count."""
    templates = _templates_below(PACKAGE)
    if theme is not None:
        templates.update(_templates_below(Path(theme)))
    h = hashlib.sha256()
    for prefix, files in (("", templates), (f"{STATIC}/", static_files(theme))):
        for name, path in sorted(files.items()):
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise ConfigError(f"site.theme: cannot read {path}: {exc.strerror}") from exc
            h.update(f"{prefix}{name}\n{len(data)}\n".encode("utf-8", "surrogatepass") + data)
    return h.hexdigest()


def _templates_below(folder: Path) -> dict[str, Path]:
    """`_files(folder)`, and the templates (`_TEMPLATES`) in its folders but `static/` and hidden
    ones, by path relative to it; folders linked to are not followed, as by the template loader."""

    def refuse(exc: OSError) -> None:
        if not isinstance(exc, FileNotFoundError):
            raise ConfigError(f"site.theme: cannot read {exc.filename}: {exc.strerror}") from exc

    found = _files(folder)
    for top, folders, names in os.walk(folder, onerror=refuse):
        at_top = top == os.fspath(folder)
        folders[:] = [d for d in folders if not d.startswith(".") and not (at_top and d == STATIC)]
        for name in names if not at_top else ():
            path = Path(top, name)
            if not name.startswith(".") and name.endswith(_TEMPLATES) and path.is_file():
                found[path.relative_to(folder).as_posix()] = path
    return found


def rendered_static(theme: str | None) -> list[str]:
    """Static files made from templates (the default icon), unless the theme ships the file itself."""
    plain = static_files(theme)
    return [n for n in sorted(_files(PACKAGE)) if n.endswith(_RENDERED_STATIC) and n not in plain]


def syntax_error(exc: jinja2.TemplateSyntaxError, name: str | None = None) -> ConfigError:
    """A template's syntax error (a theme's, or a `{% shared %}` part it refuses) as a one-line
    `ConfigError` naming the setting, the template and the line."""
    where = f"{exc.name or name or '<string>'}, line {exc.lineno}"
    message = " ".join((exc.message or "syntax error").split())
    return ConfigError(f"site.theme: {message if message.startswith(where) else f'{where}: {message}'}")


def _parse(env: jinja2.Environment, name: str, source: str) -> nodes.Template:
    try:
        return env.parse(source, name)
    except jinja2.TemplateSyntaxError as exc:
        raise syntax_error(exc, name) from exc


@functools.cache
def fingerprint(theme: str | None, template: str) -> str:
    """A digest of `template` and every template it extends, includes or imports (as the theme
    or the package has them): what a page made with it depends on besides its data, so a theme
    overriding one template changes the digests of that template's pages only. Made once per
    process, as `templates_of` reads the templates once (each article page's digest asks)."""
    h = hashlib.sha256()
    for name, source, _ in templates_of(theme, template):
        h.update(f"{name}\n{source}\n".encode("utf-8", "surrogatepass"))
    return h.hexdigest()


@functools.cache
def templates_of(theme: str | None, template: str) -> tuple[tuple[str, str, nodes.Template], ...]:
    """`template` and every template it extends, includes or imports: name, source and parsed
    tree, as the theme or the package has them (each once, in the order `fingerprint` hashes).
    A template only included `ignore missing`, or as one of a list, may be missing (Jinja2 renders
    without it): it is left out, and counts once it is there. A list included without `ignore
    missing` needs one of its templates, as Jinja2 does when it renders: the setting's error."""
    check_theme(theme)
    env = environment(theme)
    found: list[tuple[str, str, nodes.Template]] = []
    lists: list[tuple[str, tuple[str, ...]]] = []  # (includer, a list of which one must be found)
    todo, seen = [(template, False)], set()
    while todo:
        name, optional = todo.pop()
        if name in seen:
            continue
        try:
            source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        except jinja2.TemplateNotFound as exc:
            if optional:
                continue
            raise ConfigError(f"site.theme: template {name} not found") from exc
        seen.add(name)
        tree = _parse(env, name, source)
        found.append((name, source, tree))
        optional_names, needed = _optional_includes(tree)
        lists += [(name, choices) for choices in needed]
        todo.extend((n, n in optional_names) for n in meta.find_referenced_templates(tree) if n is not None)
    for includer, choices in lists:
        if seen.isdisjoint(choices):
            raise ConfigError(f"site.theme: {includer} includes one of {', '.join(choices)}: none is found")
    return tuple(found)


def _optional_includes(tree: nodes.Template) -> tuple[set[str], list[tuple[str, ...]]]:
    """The names a template includes `ignore missing` or as one of a list (`{% include [a, b] %}`:
    the first found is rendered), and the lists included without `ignore missing`, of which one
    must be found (those whose names are all written out: a name computed while rendering is
    not known here)."""
    names: set[str] = set()
    needed: list[tuple[str, ...]] = []
    for include in tree.find_all(nodes.Include):
        target = include.template
        choices = target.items if isinstance(target, (nodes.Tuple, nodes.List)) else [target]
        known = tuple(c.value for c in choices if isinstance(c, nodes.Const) and isinstance(c.value, str))
        if include.ignore_missing or len(choices) > 1:
            names.update(known)
        if not include.ignore_missing and len(choices) > 1 and len(known) == len(choices):
            needed.append(known)
    return names, needed
