"""The native content format: one YAML/Markdown file per author, one Markdown file per paper.

Readers turn file text into model records with references still unresolved (the linker resolves them);
every problem is collected with its line so one run reports them all.
"""

from __future__ import annotations

import re
import sys
from html import escape
from pathlib import PurePosixPath

from ..errors import ContentError, quoted
from ..markup import (
    MarkupError,
    is_own_text,
    plain_text,
    render_block,
    render_inline,
    strip_control_characters,
)
from ..model import PUBLICATION_TYPES, Author, Link, Metrics, Paper, PaperAuthor, PaperDate, Reference
from ..slugs import normalize_name, slug_problem
from ..taxonomy import Category, lookup_category, suggest_category
from .fields import Fields
from .yamldoc import YamlDoc, normalize_text, parse_front_matter, parse_yaml, read_front_matter

_ARXIV_ID = re.compile(r"^(\d{4}\.\d{4,5}|[a-z\-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$")
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_EMAIL = re.compile(r"^[^@\s:/]+@[^@\s:/]+\.[^@\s:/]+$")
_ORCID = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
_GITHUB_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
_SCHOLAR_ID = re.compile(r"^[A-Za-z0-9_-]{12}$")

# Author link fields, in display order: field -> (label, how a bare value becomes a URL).
AUTHOR_LINKS = {
    "homepage": ("Homepage", None),
    "email": ("Email", "mailto:{}"),
    "orcid": ("ORCID", "https://orcid.org/{}"),
    "scholar": ("Google Scholar", "https://scholar.google.com/citations?user={}"),
    "github": ("GitHub", "https://github.com/{}"),
    "linkedin": ("LinkedIn", "https://www.linkedin.com/in/{}"),
}
_BARE_LINK_VALUES = {"email": _EMAIL, "orcid": _ORCID, "scholar": _SCHOLAR_ID, "github": _GITHUB_NAME,
                     "linkedin": re.compile(r"^[A-Za-z0-9-]{3,100}$")}


def slug_from_path(src_path: str) -> str:
    return PurePosixPath(src_path).stem


def _resolve_slug(fields: Fields, src_path: str) -> str:
    explicit = fields.text("slug")
    slug = explicit or slug_from_path(src_path)
    problem = slug_problem(slug)
    if problem:
        if explicit:
            fields.error("slug", problem)
        else:
            fields.errors.append(ContentError(src_path, 1, f"file name: {problem}; rename the file "
                                                           "or set 'slug:' in it"))
    return slug


def _render_title(fields: Fields, name: str, text: str) -> str:
    try:
        return render_inline(text)
    except MarkupError as exc:
        fields.error(name, f"{exc}")
        return escape(text, quote=False)  # the build fails anyway: any HTML that shows the text will do


def _render_body(errors: list[ContentError], src_path: str, body: str, first_line: int) -> str:
    try:
        return render_block(body)
    except MarkupError as exc:
        errors.append(ContentError(src_path, first_line + body[: exc.offset].count("\n"), str(exc)))
        return ""


def parse_paper(src_path: str, text: str, errors: list[ContentError], digest: str = "") -> Paper | None:
    """A paper file: YAML front matter for the facts, Markdown body for the abstract."""
    document = read_front_matter(text, src_path, errors)
    if document is None:
        return None
    fields = Fields(document.front, errors)
    slug = sys.intern(_resolve_slug(fields, src_path))  # see parse_author's papers
    title = fields.text("title", required=True) or ""
    authors = _paper_authors(fields)
    et_al = fields.flag("et_al")
    date = fields.date("date", required=True)
    category = _category(fields)
    score = fields.number("score", minimum=float("-inf"))
    citations = fields.number("citations", integer=True)
    code_url, has_code = _code_link(fields)
    arxiv = fields.text("arxiv")
    if arxiv is not None and not _ARXIV_ID.match(arxiv):
        fields.error("arxiv", f"arxiv {quoted(arxiv)} is not an arXiv identifier such as '2501.16937' or 'hep-th/9901001'")
        arxiv = None
    doi = fields.text("doi")
    if doi is not None:
        doi = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", doi, flags=re.IGNORECASE)
        if not _DOI.match(doi):
            fields.error("doi", f"doi {quoted(doi)} is not a DOI such as '10.1145/3292500.3330701'")
            doi = None
    pdf = fields.url("pdf")
    url = fields.url("url")
    venue = fields.text("venue")
    entry_type = fields.text("type")
    if entry_type is not None and entry_type not in PUBLICATION_TYPES:
        fields.error("type", f"type {quoted(entry_type)} is not one of: {', '.join(PUBLICATION_TYPES)}")
        entry_type = None
    publisher, volume, number, pages, institution, note = (
        fields.text(name) for name in ("publisher", "volume", "number", "pages", "institution", "note"))
    teaser = fields.image("teaser")
    fields.finish()
    title_html = _render_title(fields, "title", title)
    abstract_html = _render_body(errors, src_path, document.body, document.body_first_line)
    abstract = strip_control_characters(document.body).strip()
    return Paper(
        slug=slug, src_path=src_path, title=title, title_html=title_html, title_text=plain_text(title),
        authors=tuple(authors), et_al=et_al,
        date=date or PaperDate(1),  # with errors the record still goes on to linking; the build fails anyway
        category=category, abstract=abstract,
        rendered_abstract=None if abstract_html == f"<p>{abstract}</p>" else abstract_html,
        abstract_is_text=is_own_text(abstract, abstract_html), score=score,
        citations=citations, code_url=code_url, has_code=has_code, arxiv=arxiv, doi=doi, pdf=pdf, url=url,
        venue=venue, type=entry_type, publisher=publisher, volume=volume, number=number, pages=pages,
        institution=institution, note=note, teaser=teaser, digest=digest,
    )


def _category(fields: Fields) -> Category | None:
    code = fields.text("category")
    if code is None:
        return None
    category = lookup_category(code)
    if category is None:
        fields.error("category", f"unknown arXiv category {quoted(code)}{suggest_category(code[:100])}")
    return category


def _author(name: str, slug: str | None, line: int) -> PaperAuthor:
    """Names repeat on every paper of their authors: one string each (4 MB of 125 after reading 10k papers)."""
    return PaperAuthor(sys.intern(name), slug and sys.intern(slug), line, sys.intern(normalize_name(name)))


def _paper_authors(fields: Fields) -> list[PaperAuthor]:
    authors: list[PaperAuthor] = []
    for index, value in fields.text_list("authors", required=True):
        line = fields.doc.line(*fields.key, "authors", index)
        if isinstance(value, dict):
            item = fields.item_fields("authors", index)
            name = item.text("name", required=True)
            slug = item.text("slug")
            item.finish()
            if name:
                authors.append(_author(name, slug, line))
            continue
        name = fields.item_text("authors", index, value)
        if name:
            authors.append(_author(name, None, line))
    if fields.has("authors") and not authors and isinstance(fields.data.get("authors"), list):
        fields.error("authors", "a paper needs at least one author")
    return authors


def _code_link(fields: Fields) -> tuple[str | None, bool]:
    """`code:` is either the repository URL or `true` when code is public but its address unknown."""
    value = fields.data.get("code")
    if isinstance(value, bool):
        return None, fields.flag("code")
    url = fields.url("code")
    return url, url is not None


def parse_author(src_path: str, text: str, errors: list[ContentError], digest: str = "") -> Author | None:
    """An author file: YAML (`bio:` field) or Markdown with front matter (the body is the bio)."""
    text = normalize_text(text)
    try:
        if src_path.endswith(".md"):
            document = parse_front_matter(text, src_path)
            doc: YamlDoc = document.front
            bio, bio_line = document.body, document.body_first_line
        else:
            doc = parse_yaml(text, src_path)
            bio, bio_line = "", 1
    except ContentError as exc:
        errors.append(exc)
        return None
    fields = Fields(doc, errors)
    slug = _resolve_slug(fields, src_path)
    name = fields.text("name", required=True) or ""
    if fields.has("bio"):
        bio, bio_line = fields.text("bio") or "", fields.line("bio")
    category = _category(fields)
    affiliation = fields.text("affiliation")
    photo = fields.image("photo")
    metrics = _metrics(fields.sub("metrics"))
    links = _author_links(fields.sub("links"))
    aliases = [alias for index, value in fields.text_list("aliases")
               if (alias := fields.item_text("aliases", index, value))]
    listed: list[Reference] = []
    for index, value in fields.text_list("papers"):
        paper_slug = fields.item_text("papers", index, value)
        if paper_slug:
            # the same string as the paper's own slug (also interned) as far as the pickle that hands records
            # over from the second process keeps it: a paper is listed by each of its authors
            listed.append(Reference(sys.intern(paper_slug), doc.line("papers", index)))
    fields.finish()
    bio_html = _render_body(errors, src_path, bio, bio_line)
    return Author(
        slug=slug, src_path=src_path, name=name, category=category, metrics=metrics, links=links,
        aliases=tuple(aliases), bio_html=bio_html, affiliation=affiliation, photo=photo, listed_papers=tuple(listed),
        digest=digest,
    )


def _metrics(fields: Fields | None) -> Metrics:
    if fields is None:
        return Metrics()
    metrics = Metrics(
        h_index=fields.number("h_index", integer=True),
        i10_index=fields.number("i10_index", integer=True),
        citations=fields.number("citations", integer=True),
        novelty=fields.number("novelty"),
        ai_score=fields.number("ai_score", minimum=float("-inf")),
    )
    fields.finish()
    return metrics


def _author_links(fields: Fields | None) -> tuple[Link, ...]:
    if fields is None:
        return ()
    links: list[Link] = []
    for key, (label, template) in AUTHOR_LINKS.items():
        value = fields.text(key)
        if value is None:
            continue
        bare = _BARE_LINK_VALUES.get(key)
        if bare is not None and template and bare.match(value):
            links.append(Link(label, template.format(value)))
        elif (url := fields.check_url(key, value)) is not None:
            if key == "email" and not url.startswith("mailto:"):
                fields.error(key, f"email {quoted(value)} must be an address such as 'name@example.org'")
            elif key != "email" and not re.match(r"^https?://", url):
                fields.error(key, f"'{key}' must be an http(s):// URL or a {label} name/id, found {quoted(value)}")
            else:
                links.append(Link(label, url))
    fields.finish()
    return tuple(links)

