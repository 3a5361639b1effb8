"""Templates compiled to fewer generator steps: what an output tag holds is yielded as one string.

Jinja2 compiles a run of template text and `{{ … }}` expressions between two statements (one
`Output` node) to one `yield` per piece: `'<a href="'`, `escape(link(…))`, `'">'`, … Each `yield`
resumes the template's generator and every generator it is nested in (a block inside the template
it extends, inside the page's root), and `str.join` then takes the pieces one by one: on an article
page that was ~110 steps through three generators. `GroupedOutput` yields the same pieces joined
(`concat((…))`, Jinja2's own `str.join`) once per `Output` node, so a page is the same string made in
about a third of the steps. Expressions are evaluated in the same order; only where the output is
buffered (macros, call blocks, `{% set %}` blocks: already one `extend` per node) or may have to
be dropped (output outside a block of a template that extends another at run time) is the code
Jinja2's own.

A template that extends another runs its parent's root, and the parent runs each block, as a
`yield concat(…)` of that generator rather than Jinja2's `yield from …` (as does an include
without context, the other place Jinja2 writes `yield from`): a piece an article's
`{% block main %}` yields then resumes that block alone, not the block, `base.html`'s root and
`article.html`'s root in turn (a page comes out of its root as one string, so `stream()` gives it
in one piece).

Each value output is escaped by `escape_text`, which gives the characters `markupsafe.escape`
gives without making a `Markup` of a plain string first (whose constructor looks for `__html__`
on the escaped string, an attribute lookup that fails, every time): the pieces are joined into
a string at once, so the `Markup` was thrown away. Anything but a plain `str` (a `Markup`, a number,
an undefined value that must raise) goes through `markupsafe.escape` as before.

`Context.call` (what a template's `{{ f(x) }}` runs) takes the common case first: a callable that
asks for nothing to be passed (no `pass_context` and the like, on it or on its `__call__`) is called
at once, without Jinja2's two helper calls; any other goes through Jinja2's own `call`.

A `{% shared %}` part (`render.shared`) is looked up where it stands: its key made from the values
it reads, the kept part taken, and its body defined and rendered only when it is not kept (Jinja2
would make a `Macro` of the body and call the extension through the context on every page).

`x.name` tries Python's `getattr` in place and calls `Environment.getattr` (which looks up an item,
or makes an undefined value) only when the object has no such attribute.

A template's globals are a plain dict (see `Environment.make_globals`).

A name read from the context (`l_0_title = resolve('title')` in Jinja2's code, ~36 Python calls an
article page) is looked up where it stands, as `Context.resolve_or_missing` looks it up: in
`context.vars` (top-level `{% set %}`s and imports write there during the render, so it is
looked in each time), then in `context.parent`; not for a context class with a lookup of its own.
A value output with autoescape has its plain-`str` case of `escape_text` written in place. And
`{% extends %}` finds its parent in a plain dict when templates are never reloaded (`auto_reload`
off, as `render.theme` sets it), not through Jinja2's LRU cache and its lock.

`Environment` is the environment class using all three (`render.theme`): every template, the package's
and a theme's, compiles this way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping
from types import FunctionType, MethodType
from typing import Any

import jinja2
import jinja2.runtime
import markupsafe
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame, MacroRef, optimizeconst
from jinja2.idtracking import VAR_LOAD_ALIAS, VAR_LOAD_PARAMETER, VAR_LOAD_RESOLVE, VAR_LOAD_UNDEFINED
from jinja2.utils import _PassArg, internalcode, missing
from markupsafe import escape

from feedsvc.render.shared import SharedExtension


def _plain_escape(text: str) -> str:
    return str(escape(text))


# the C function `escape` calls on a str (MarkupSafe 3, not exported by name; a release without it
# gives the same bytes through a Markup: tests/test_codegen.py names the slower path if taken)
escape_inner: Callable[[str], str] = getattr(markupsafe, "_escape_inner", _plain_escape)


@internalcode
def escape_text(value: Any) -> str:
    """`str(markupsafe.escape(value))`, without the `Markup` for a plain string."""
    if type(value) is str:
        return escape_inner(value)
    return escape(value)


def _plain_resolve(environment: jinja2.Environment) -> bool:
    """Does the environment's context look names up as Jinja2's does (`resolve_or_missing`)?"""
    context: Any = environment.context_class
    return (
        not environment.is_async and context.resolve_or_missing is jinja2.runtime.Context.resolve_or_missing
    )


_EVAL_CONTEXT = _PassArg.eval_context


@internalcode
def attr_missing(environment: jinja2.Environment, obj: Any, name: str) -> Any:
    """The rest of `Environment.getattr` once `getattr(obj, name)` found nothing."""
    try:
        return obj[name]
    except (TypeError, LookupError, AttributeError):
        return environment.undefined(obj=obj, name=name)


class GroupedOutput(CodeGenerator):
    """`CodeGenerator` yielding each `Output` node's pieces joined, as one string, each value
    escaped by `escape_text`."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        self.writeline(f"from {__name__} import escape_text, attr_missing, escape_inner")
        self._escaped: list[str] = []  # the temporaries of the values being escaped, innermost last
        self._body_next = False  # the next `blockvisit` is a root or block function's body
        self._out: list[str] = []  # the list that function's output goes to, while it is written
        super().visit_Template(node, frame)

    def write_commons(self) -> None:
        """Jinja2's preamble of a root or block function, and the two dicts `resolve` looks in
        (`Context.vars` and `Context.parent`: neither is rebound during a render)."""
        super().write_commons()
        if _plain_resolve(self.environment):
            self.writeline("resolve_vars, resolve_parent = context.vars, context.parent.get")
        self._body_next = not self.environment.is_async

    def blockvisit(self, body: Iterable[nodes.Node], frame: Frame) -> None:
        """A root or block function's body writes its output into a list, as a macro's does, and
        yields it joined once at its end, rather than yielding each piece (~40 an article page,
        each a resumption of the generator and a join of its own). The output is the same
        string; `Template.generate` gives it in one piece per function."""
        if not self._body_next or frame.buffer is not None:
            super().blockvisit(body, frame)
            return
        self._body_next = False
        out = frame.buffer = self.temporary_identifier()  # inner frames made from now on take it
        self.writeline(f"{out} = []")
        self._out.append(out)
        try:
            super().blockvisit(body, frame)
        finally:
            self._out.pop()
            frame.buffer = None
        self.writeline(f"if {out}: yield concat({out})")

    def enter_frame(self, frame: Frame) -> None:
        """Jinja2's, but a name looked up in the context is looked up in place, as
        `resolve_or_missing` does (in `vars`, then in `parent`), without a Python call for it."""
        if self.get_resolve_func() != "resolve" or not _plain_resolve(self.environment):
            super().enter_frame(frame)
            return
        undefs = []
        for target, (action, param) in frame.symbols.loads.items():
            if action == VAR_LOAD_RESOLVE:
                key = repr(param)
                found = f"resolve_vars[{key}] if {key} in resolve_vars else resolve_parent({key}, missing)"
                self.writeline(f"{target} = {found}")
            elif action == VAR_LOAD_ALIAS:
                self.writeline(f"{target} = {param}")
            elif action == VAR_LOAD_UNDEFINED:
                undefs.append(target)
            elif action != VAR_LOAD_PARAMETER:
                raise NotImplementedError("unknown load instruction")
        if undefs:
            self.writeline(f"{' = '.join(undefs)} = missing")

    def writeline(self, x: str, node: nodes.Node | None = None, extra: int = 0) -> None:
        """A parent template's root, a block and an include without context are joined where
        they are called (`yield concat(…)`), not delegated to (`yield from …`): each piece a
        block yields then resumes one generator, not every one it is nested in."""
        if x.startswith(_DELEGATE) and not self.environment.is_async:
            joined = f"concat({x.removeprefix(_DELEGATE)})"  # into the body's list, if it has one
            x = f"{self._out[-1]}.append({joined})" if self._out and self._out[-1] else f"yield {joined}"
        super().writeline(x, node, extra)

    def macro_body(self, node: nodes.Macro | nodes.CallBlock, frame: Frame) -> tuple[Frame, MacroRef]:
        """Jinja2's. A macro (or call block) is a Python function of its own: a `yield from` in
        it (an include without context, Jinja2's quirk) yields from it, as in Jinja2, not into the
        list of the root or block function it is defined in."""
        self._out.append("")
        try:
            return super().macro_body(node, frame)
        finally:
            self._out.pop()

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        """Jinja2's; a recursive loop's body is a function of its own, as a macro's (`macro_body`)."""
        if not node.recursive:
            super().visit_For(node, frame)
            return
        self._out.append("")
        try:
            super().visit_For(node, frame)
        finally:
            self._out.pop()

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        """A value output with autoescape: `escape_text(value)`, its plain-`str` case in place
        (`escape_inner(v) if type(v := value) is str else escape_text(v)`)."""
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile and finalize.src is None:
            value = self.temporary_identifier()
            self._escaped.append(value)
            self.write(f"(escape_inner({value}) if type({value} := ")
            return
        self._escaped.append("")
        super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        value = self._escaped.pop()
        if value:
            self.write(f") is str else escape_text({value}))")
            return
        super()._output_child_post(node, frame, finalize)

    def visit_Output(self, node: nodes.Output, frame: Frame) -> None:
        if frame.buffer is not None or frame.require_output_check:
            super().visit_Output(node, frame)
            return
        finalize = self._make_finalize()
        body: list[list[Any] | nodes.Expr] = []  # constants grouped, as Jinja2 groups them
        for child in node.nodes:
            try:
                if not (finalize.const or isinstance(child, nodes.TemplateData)):
                    raise nodes.Impossible()
                const = self._output_child_to_const(child, frame, finalize)
            except Exception:  # Jinja2's own rule: evaluated at run time instead
                body.append(child)
                continue
            if body and isinstance(body[-1], list):
                body[-1].append(const)
            else:
                body.append([const])
        if len(body) < 2:
            super().visit_Output(node, frame)
            return
        self.writeline("yield concat((")
        self.indent()
        for item in body:
            if isinstance(item, list):
                self.writeline(self._output_const_repr(item) + ",")
                continue
            self.newline(item)
            self._output_child_pre(item, frame, finalize)
            self.visit(item, frame)
            self._output_child_post(item, frame, finalize)
            self.write(",")
        self.outdent()
        self.writeline("))")

    @optimizeconst
    def visit_Getattr(self, node: nodes.Getattr, frame: Frame) -> None:
        """`x.name` as Python's `getattr(x, name, missing)`, `environment.getattr` (item look-up,
        undefined) only when that finds nothing: what `Environment.getattr` does first, without
        its call."""
        env = self.environment
        if env.is_async or type(env).getattr is not jinja2.Environment.getattr:  # a sandbox's
            super().visit_Getattr(node, frame)
            return
        obj, value = self.temporary_identifier(), self.temporary_identifier()
        self.write(f"({value} if ({value} := getattr(({obj} := ")
        self.visit(node.node, frame)
        name = repr(node.attr)
        self.write(f"), {name}, missing)) is not missing else attr_missing(environment, {obj}, {name}))")

    def visit_CallBlock(self, node: nodes.CallBlock, frame: Frame) -> None:
        """A `{% shared %}` part (`render.shared`) looked up first, its body defined and rendered
        only when it is not kept: no `Macro` and no call through the context per page."""
        call = node.call
        target = call.node if isinstance(call, nodes.Call) else None
        if not (
            isinstance(target, nodes.ExtensionAttribute)
            and target.identifier == _SHARED
            and target.name == "_shared"
            and not (node.args or call.kwargs or call.dyn_args or call.dyn_kwargs)
        ):
            super().visit_CallBlock(node, frame)
            return
        part, *names = call.args
        values, key, found = (self.temporary_identifier() for _ in range(3))
        shared = f"environment.extensions[{_SHARED!r}]"
        self.writeline(f"{values} = (")
        for name in names:
            self.visit(name, frame)
            self.write(", ")
        self.write(")")
        self.writeline(f"{key} = {shared}.key(context.eval_ctx.autoescape, ")
        self.visit(part, frame)
        self.write(f", {values})")
        self.writeline(f"{found} = {shared}.kept.get({key})")
        self.writeline(f"if {found} is None:")
        self.indent()
        self.macro_body(node, frame)  # `def macro():`, the part's body
        self.writeline(f"{found} = {shared}.render({key}, macro, {values})")
        self.outdent()
        self.start_write(frame, node)
        self.write(found)
        self.end_write(frame)


_DELEGATE = "yield from "  # what Jinja2 writes to run a parent's root, a block, an include
_SHARED = f"{SharedExtension.__module__}.{SharedExtension.__name__}"  # its `identifier`
_MACRO = jinja2.runtime.Macro
_INTERNAL = frozenset({"_block_vars", "_loop_vars"})  # what generated code passes `call` for itself


def _plain_macro(macro: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Is this a call of a template's macro that `Macro.__call__` would only pad with `missing`
    (positional arguments, no more than it takes; no keywords, `caller`, `varargs` or `kwargs`)?"""
    return (
        type(macro) is jinja2.runtime.Macro
        and not (macro.caller or macro.explicit_caller or macro.catch_kwargs or macro.catch_varargs)
        and len(args) <= macro._argument_count
        and kwargs.keys() <= _INTERNAL
    )


def _plain_method(obj: Any) -> bool:
    """Is `obj` a method bound to a plain function without `jinja_pass_arg` (`site.url`)? Jinja2's
    two look-ups find nothing on it then (a method's `__call__` has no attributes of its own, and
    a function's are in its `__dict__`), but a method makes each fail the slow way."""
    if type(obj) is not MethodType:
        return False
    func = obj.__func__
    return type(func) is FunctionType and "jinja_pass_arg" not in func.__dict__


class Context(jinja2.runtime.Context):
    """Jinja2's template context, with a quicker `call` for callables that take no context, for
    `pass_eval_context` functions (a `{% shared %}` part's) and for plain macro calls (a card)."""

    @internalcode
    def call(__self, __obj: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if type(__obj) is _MACRO and _plain_macro(__obj, args, kwargs):  # as `Macro.__call__` does it
            macro: Any = __obj
            arguments = [*args, *(missing,) * (macro._argument_count - len(args))]
            return macro._invoke(arguments, __self.eval_ctx.autoescape)
        if not _plain_method(__obj):  # else nothing to pass: a bound method of a plain function
            pass_arg = getattr(__obj, "jinja_pass_arg", None)
            if getattr(getattr(__obj, "__call__", None), "jinja_pass_arg", None) is not None:  # noqa: B004
                return super().call(__obj, *args, **kwargs)
            if pass_arg is _EVAL_CONTEXT:
                args = (__self.eval_ctx, *args)
            elif pass_arg is not None:
                return super().call(__obj, *args, **kwargs)
        kwargs.pop("_block_vars", None)
        kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception"
            )


def page_context(template: jinja2.Template, names: dict[str, Any]) -> jinja2.runtime.Context:
    """`template.new_context(names)`, with `names` itself (the caller's to give away) as the
    context's parent: the template's globals are added to it where it has no name of theirs, as
    Jinja2's `dict(globals, **names)` would hold them, without copying the page's ~45 names and
    without Jinja2's two helper calls. Any keyword Jinja2's takes besides (`shared`, `locals`)
    is not wanted by a page."""
    glob = template.globals
    for key, value in glob.items():  # in the globals' order, as every process makes it
        if key not in names:
            names[key] = value
    env = template.environment
    return env.context_class(env, names, template.name, template.blocks, globals=glob)


class Environment(jinja2.Environment):
    """A Jinja2 environment whose templates compile with `GroupedOutput` and run with `Context`."""

    code_generator_class = GroupedOutput
    context_class = Context

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loaded: dict[tuple[str, str | None], jinja2.Template] = {}

    @internalcode
    def get_template(
        self,
        name: str | jinja2.Template,
        parent: str | None = None,
        globals: MutableMapping[str, Any] | None = None,
    ) -> jinja2.Template:
        """Jinja2's, but a template found once is kept in a plain dict when templates are never
        reloaded (`auto_reload` off, as `render.theme` sets it), so that `{% extends %}` on every
        page costs a dict look-up, not Jinja2's LRU cache (a lock and a queue) behind three calls.
        With `auto_reload` on, or `globals` given, Jinja2's own look-up (and its checks) runs.
        Unlike Jinja2's, the dict does not see `cache.clear()` or a replaced `loader`: a theme's
        environment is made once per process and never changed (`render.theme.environment`)."""
        if self.auto_reload or globals or type(name) is not str or self.cache is None:
            return super().get_template(name, parent, globals)
        found = self._loaded.get((name, parent))
        if found is None or found.environment is not self:  # an overlay shares the dict
            found = self._loaded[name, parent] = super().get_template(name, parent)
        return found

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        """A template's globals as one dict, the environment's overlaid by the template's own
        (Jinja2's `ChainMap` of the two cost ~10 µs a page: each render copies it, key by key).
        So the environment's `globals` must be set before its templates load, as Jinja2 asks."""
        return {**self.globals, **(d or {})}
