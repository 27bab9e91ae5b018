"""Free pages (content/pages/**.md) and news items (content/news/*.md): YAML front matter, Markdown body.

Links in a body may name content files by their source path ([TAID](papers/taid.md)); they are collected
here with their lines, and checked and turned into URLs when the site is linked.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from ..errors import ContentError, quoted
from ..markup import MarkupError, render_document, strip_control_characters
from ..model import ContentLink, NewsItem, Page, PaperDate
from ..slugs import slug_problem
from ..sources import CONTENT_DIR
from .fields import Fields
from .yamldoc import read_front_matter

_INLINE_LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)")
_REFERENCE = re.compile(r"^\s{0,3}\[(?!\^)[^\]\n]+\]:\s*<?(\S+?)>?(\s|$)", re.MULTILINE)
_CODE = re.compile(r"(?ms)^(```|~~~).*?^\1[ \t]*$|`[^`\n]*`")
PAGE_TEMPLATES = re.compile(r"^[a-z0-9][a-z0-9_-]*\.html$")
# The theme's templates of the other kinds of page (see plan.py): each needs its own record, not a page's body.
OTHER_KIND_TEMPLATES = ("404.html", "author.html", "authors.html", "categories.html", "category.html",
                        "index.html", "news.html", "paper.html", "papers.html", "search.html")


def content_links(body: str, first_line: int) -> tuple[ContentLink, ...]:
    """Link targets of a Markdown body with their lines (code blocks and spans left out), as the page will
    have them: without the control characters that rendering drops."""
    text = _CODE.sub(lambda match: re.sub(r"[^\n]", " ", match.group(0)), strip_control_characters(body))
    found = [(match.start(1), match.group(1)) for pattern in (_INLINE_LINK, _REFERENCE)
             for match in pattern.finditer(text)]
    return tuple(ContentLink(target, first_line + text.count("\n", 0, offset)) for offset, target in sorted(found))


def _check_body(errors: list[ContentError], src_path: str, body: str, first_line: int) -> None:
    try:
        render_document(body, lambda target: target)
    except MarkupError as exc:
        errors.append(ContentError(src_path, first_line + body[: exc.offset].count("\n"), str(exc)))


def page_path(src_path: str) -> str:
    """content/pages/cv.md -> cv/; content/pages/projects/index.md -> projects/."""
    relative = PurePosixPath(src_path).relative_to(f"{CONTENT_DIR}/pages").with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "index":
        parts.pop()
    return "".join(f"{part}/" for part in parts)


def parse_page(src_path: str, text: str, errors: list[ContentError], digest: str = "") -> Page | None:
    document = read_front_matter(text, src_path, errors)
    if document is None:
        return None
    fields = Fields(document.front, errors)
    title = fields.text("title", required=True) or ""
    description = fields.text("description") or ""
    nav = fields.number("nav", integer=True, minimum=float("-inf"))
    template = fields.text("template") or "page.html"
    if not PAGE_TEMPLATES.match(template):
        fields.error("template", f"template {quoted(template)} must be a file name in templates/, such as 'page.html'")
        template = "page.html"
    elif template in OTHER_KIND_TEMPLATES:
        fields.error("template", f"template {quoted(template)} is the theme's template for another kind of page and "
                                 "cannot show this one; use 'page.html' or a template of your own in templates/")
        template = "page.html"
    fields.finish()
    path = page_path(src_path)
    if not path:
        errors.append(ContentError(src_path, 1, "content/pages/index.md would replace the home page; give the "
                                                "page another name"))
    for part in path.strip("/").split("/") if path else ():
        problem = slug_problem(part)
        if problem:
            errors.append(ContentError(src_path, 1, f"page path: {problem}"))
    _check_body(errors, src_path, document.body, document.body_first_line)
    template_line = fields.line("template") if fields.has("template") else 0
    return Page(path, src_path, title, description, nav, template, template_line, document.body,
                document.body_first_line, content_links(document.body, document.body_first_line), digest)


def parse_news(src_path: str, text: str, errors: list[ContentError], digest: str = "") -> NewsItem | None:
    document = read_front_matter(text, src_path, errors)
    if document is None:
        return None
    fields = Fields(document.front, errors)
    title = fields.text("title", required=True) or ""
    date = fields.date("date", required=True)
    fields.finish()
    slug = PurePosixPath(src_path).stem
    problem = slug_problem(slug)
    if problem:
        errors.append(ContentError(src_path, 1, f"file name: {problem}"))
    _check_body(errors, src_path, document.body, document.body_first_line)
    return NewsItem(slug, src_path, title, date or PaperDate(1), document.body, document.body_first_line,
                    content_links(document.body, document.body_first_line), digest)
