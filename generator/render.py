"""Templates -> bytes: the Jinja environment of a theme, and what each template is made of."""

from __future__ import annotations

import hashlib
import os
import types
from collections.abc import MutableMapping
from typing import Any

import jinja2
from jinja2 import meta
from markupsafe import Markup, escape

from .context import PAGE_KINDS, Theme, site_context
from .errors import TemplateError
from .fragments import escape_inner
from .model import Site
from .plan import PageSpec
from .templatecache import source_digest
from .themefiles import ThemeFiles

_DICT_ATTRIBUTES = frozenset(dir(dict))


def _quick_escape(value: Any, /) -> Markup:
    """MarkupSafe's escape without its per-call overhead for the three types pages print most: it wraps every
    result through Markup's Python constructor, copying safe strings (a paper card, 3 KB, each time it is
    placed). Same results."""
    kind = type(value)
    if kind is str and escape_inner is not None:
        return str.__new__(Markup, escape_inner(value))
    if kind is Markup:
        return value  # type: ignore[no-any-return]
    if kind is int:
        return str.__new__(Markup, str(value))
    return escape(value)


class _Template(jinja2.Template):
    @classmethod
    def _from_namespace(cls, environment: jinja2.Environment, namespace: MutableMapping[str, Any],
                        globals: MutableMapping[str, Any]) -> jinja2.Template:
        if escape_inner is not None and namespace.get("escape") is escape:  # compiled code's output escaping
            namespace["escape"] = _quick_escape
        return super()._from_namespace(environment, namespace, globals)  # type: ignore[misc]


_PLAIN_CALLABLES = (types.FunctionType, types.MethodType, types.BuiltinFunctionType)


class _Context(jinja2.runtime.Context):
    """A template calling a plain function or method (`paper_card`, fifty times on a long author page) calls it
    at once. Jinja's own `call` first looks for a marker asking for the context or environment, on the callable
    and on its `__call__` (three attribute lookups that fail): 0.7 us a call, and placing a remembered paper
    card from a template takes 4.6 us."""

    def call(self, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        if type(obj) not in _PLAIN_CALLABLES or hasattr(obj, "jinja_pass_arg"):
            return super().call(obj, *args, **kwargs)
        kwargs.pop("_loop_vars", None)
        kwargs.pop("_block_vars", None)
        try:
            return obj(*args, **kwargs)
        except StopIteration:  # as Jinja does
            return self.environment.undefined("value was undefined because a callable raised a StopIteration "
                                              "exception")


class _Environment(jinja2.Environment):
    """Page contexts are plain dicts: `author.name` looks the key up at once instead of after a failed
    attribute lookup (an exception per dot, a tenth of an author page's rendering). Same results as Jinja's."""

    template_class = _Template
    context_class = _Context

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def make_environment(theme_files: ThemeFiles, bytecode_cache: jinja2.BytecodeCache | None = None) -> jinja2.Environment:
    return _Environment(
        loader=jinja2.FileSystemLoader([str(f) for f in theme_files.folders]),
        bytecode_cache=bytecode_cache,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # a changed theme is loaded anew (Builder.reload_theme): no stat per include
    )


def template_digest(env: jinja2.Environment, theme_files: ThemeFiles, name: str,
                    known: MutableMapping[str, list[str] | None]) -> str:
    """A digest of the template and every template it extends, includes or imports; of every template of the
    theme if one of those names a template only when rendered (`{% include variable %}`).

    `known`: what templates each source digest names (None: one only known when rendered), as found before;
    found here if missing, and added."""
    sources: dict[str, str] = {}
    stack = [name]
    while stack:
        current = stack.pop()
        if current in sources:
            continue
        source, _, _ = env.loader.get_source(env, current)  # type: ignore[union-attr]
        sources[current] = source
        key = source_digest(source)
        if key not in known:
            found = set(meta.find_referenced_templates(env.parse(source)))
            known[key] = None if None in found else sorted(ref for ref in found if ref)
        references = known[key]
        if references is None:
            return theme_files.templates_digest()
        stack.extend(references)
    digest = hashlib.sha1()
    for member in sorted(sources):
        digest.update(member.encode() + b"\0" + sources[member].encode() + b"\0")
    return digest.hexdigest()


def render_page(env: jinja2.Environment, site: Site, spec: PageSpec, theme: Theme, theme_files: ThemeFiles,
                **helpers: Any) -> bytes:
    """A page's bytes; `helpers` are functions templates may call (such as `paper_card`)."""
    build_context, _ = PAGE_KINDS[spec.kind]
    context = build_context(site, spec, theme)
    html = _render(env, theme_files, spec.template, f"/{spec.path}",
                   {"site": site_context(site, theme), **helpers, **context})
    return html.encode("utf-8")


def render_fragment(env: jinja2.Environment, name: str, theme_files: ThemeFiles, **context: Any) -> Markup:
    """A partial template rendered on its own, to be placed into many pages."""
    return Markup(_render(env, theme_files, name, name, context))


def _render(env: jinja2.Environment, theme_files: ThemeFiles, name: str, where: str, context: dict[str, Any]) -> str:
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(exc.filename or _template_display_path(theme_files, exc.name or name), exc.lineno or 0,
                            f"template syntax error: {exc.message}") from None
    except jinja2.TemplateError as exc:
        path, line = _template_frame(exc)
        raise TemplateError(path or _template_display_path(theme_files, name), line,
                            f"{exc.__class__.__name__}: {exc}", page=where) from None


def _template_frame(exc: BaseException) -> tuple[str | None, int]:
    """The innermost template file (its path as the loader has it) and line in a Jinja traceback (Jinja rewrites
    frames to point there)."""
    path, line = None, 0
    traceback = exc.__traceback__
    while traceback is not None:
        filename = traceback.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt", ".j2")) and os.path.isfile(filename):
            path, line = filename, traceback.tb_lineno
        traceback = traceback.tb_next
    return path, line


def _template_display_path(theme_files: ThemeFiles, name: str) -> str:
    path = theme_files.template_path(name)
    return str(path) if path else f"templates/{name}"
