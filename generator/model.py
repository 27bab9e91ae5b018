"""The site as immutable data: authors, papers, categories and the site's own settings. No I/O here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .pickling import pickled_by_fields
from .taxonomy import Category

# BibTeX entry types a paper may have, with how pages name them.
PUBLICATION_TYPES = {
    "article": "Journal article", "inproceedings": "Conference paper", "incollection": "Book chapter",
    "inbook": "Book chapter", "book": "Book", "proceedings": "Proceedings", "phdthesis": "PhD thesis",
    "mastersthesis": "Master's thesis", "techreport": "Technical report", "misc": "Preprint",
    "unpublished": "Unpublished", "booklet": "Booklet", "manual": "Manual",
}
MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@pickled_by_fields
@dataclass(frozen=True, slots=True, order=True)
class PaperDate:
    """A publication date; month and day are 0 when the source only gives a year or a month."""

    year: int
    month: int = 0
    day: int = 0

    def iso(self) -> str:
        if self.day:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    def display(self) -> str:
        """As profile pages show it: `Mar 6, 2025`, `Mar 2025` or `2025`."""
        if self.day:
            return f"{MONTH_ABBREVIATIONS[self.month - 1]} {self.day}, {self.year}"
        if self.month:
            return f"{MONTH_ABBREVIATIONS[self.month - 1]} {self.year}"
        return str(self.year)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url: str


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Image:
    """A picture from content/ (an author's photo, a paper's teaser), with the text that replaces it."""

    src: str  # relative to content/, e.g. "images/takuya-akiba.png"
    alt: str
    line: int


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class ContentLink:
    """A link written in a Markdown body; targets that name content files are resolved when linking."""

    target: str
    line: int


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Asset:
    """Any other file under content/ (images, PDFs, slides): copied to the site as it is."""

    path: str  # relative to content/, e.g. "files/taid.pdf": also its place in the site
    digest: str
    width: int = 0  # pictures only
    height: int = 0


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Page:
    """A free page: content/pages/cv.md is the page at cv/."""

    path: str  # site path, e.g. "cv/" or "projects/robots/"
    src_path: str
    title: str
    description: str
    nav: int | None  # its place in the navigation, if it has one
    template: str
    template_line: int  # where the `template:` field is (0: not given, 'page.html')
    body: str
    body_line: int
    links: tuple[ContentLink, ...]
    digest: str = ""


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class NewsItem:
    slug: str
    src_path: str
    title: str
    date: PaperDate
    body: str
    body_line: int
    links: tuple[ContentLink, ...]
    digest: str = ""


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class NavItem:
    title: str
    target: str  # a site path ("papers/"), a content file ("pages/cv.md") or a web address
    line: int


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Reference:
    """A slug written in content that must name an author or paper; `line` is where it was written."""

    slug: str
    line: int


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class PaperAuthor:
    """A name on a paper's author line; `slug` names the site author it links to, if any."""

    name: str
    slug: str | None = None
    line: int = 0
    key: str = ""  # the name normalized for matching (see slugs.normalize_name)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Paper:
    slug: str
    src_path: str
    title: str
    title_html: str
    title_text: str
    authors: tuple[PaperAuthor, ...]
    et_al: bool
    date: PaperDate
    category: Category | None  # arXiv category; many journal papers have none
    abstract: str
    # The abstract as HTML when it is more than `<p>` + abstract + `</p>`, which most abstracts are: storing
    # that copy again took 150 MB at 100k papers (see `abstract_html`).
    rendered_abstract: str | None
    # The abstract is already its own plain text (see markup.abstract_text): true of most. Found once when the
    # paper is read: metadata, citations and search quote it four times per paper.
    abstract_is_text: bool
    score: float | None = None
    citations: int | None = None
    code_url: str | None = None
    has_code: bool = False
    arxiv: str | None = None
    doi: str | None = None
    pdf: str | None = None
    url: str | None = None
    venue: str | None = None  # journal, or the proceedings/book it appeared in
    type: str | None = None  # a BibTeX entry type (see PUBLICATION_TYPES)
    publisher: str | None = None
    volume: str | None = None
    number: str | None = None
    pages: str | None = None
    institution: str | None = None  # school of a thesis, institution of a report
    note: str | None = None
    teaser: Image | None = None
    line: int = 1
    digest: str = ""  # of the source file: what the page plan fingerprints

    def __hash__(self) -> int:
        """Equal papers have equal slugs and sources: hashing those is enough, and much cheaper than every field."""
        return hash((self.slug, self.digest))

    @property
    def abstract_html(self) -> str:
        rendered = self.rendered_abstract
        return f"<p>{self.abstract}</p>" if rendered is None else rendered


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Metrics:
    """Author metrics exactly as given by the source; the paper count is computed, not stored here."""

    h_index: int | None = None
    i10_index: int | None = None
    citations: int | None = None
    novelty: float | None = None  # percent
    ai_score: float | None = None


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Author:
    slug: str
    src_path: str
    name: str
    category: Category | None
    metrics: Metrics
    links: tuple[Link, ...]
    aliases: tuple[str, ...]
    bio_html: str
    affiliation: str | None = None
    photo: Image | None = None
    listed_papers: tuple[Reference, ...] = ()  # the author's own list, in its order, as written
    line: int = 1
    digest: str = ""


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class SiteConfig:
    title: str
    description: str
    base_url: str  # absolute (`https://host/path/`) or a bare path (`/`); always ends with "/"
    language: str
    owners: tuple[Reference, ...]
    links: tuple[Link, ...]
    cname: str | None = None
    latest_papers: int = 10
    citation_files: bool = True  # .bib, .ris and CSL-JSON files beside every paper page
    nav: tuple[NavItem, ...] = ()  # empty: the default navigation


@dataclass(frozen=True, slots=True)
class CategoryPapers:
    category: Category
    papers: tuple[str, ...]  # newest first


UNLISTED = "~"  # starts the person key of someone without an author page here; no slug starts so


def named_people(paper: Paper, links: tuple[str | None, ...]) -> list[str]:
    """The person key of each name a paper shows: the site author it links to, else UNLISTED + the name's key."""
    return [slug or UNLISTED + author.key for author, slug in zip(paper.authors, links)]


@dataclass(frozen=True, slots=True)
class Site:
    """Records exactly as read, plus the relations linking resolved between them."""

    config: SiteConfig
    authors: Mapping[str, Author]  # in display order
    papers: Mapping[str, Paper]  # newest first
    newest: tuple[str, ...] = ()  # paper slugs, newest first (the order of `papers`, as a sequence)
    rank: Mapping[str, int] = field(default_factory=dict)  # paper slug -> its index in `newest`
    categories: tuple[CategoryPapers, ...] = ()
    author_links: Mapping[str, tuple[str | None, ...]] = field(default_factory=dict)  # per paper: each name's author
    listed_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # per paper: authors whose lists have it
    # the few papers listed by site authors they do not name (behind "et al."): those authors
    hidden: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    author_papers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # per author: listed, then naming
    # per person, newest first: a site author by slug, anyone else by UNLISTED + their normalized name
    papers_by_person: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    pages: Mapping[str, Page] = field(default_factory=dict)  # by site path
    news: tuple[NewsItem, ...] = ()  # newest first
    assets: Mapping[str, Asset] = field(default_factory=dict)  # by path relative to content/
    # content file (relative to content/) -> its site path, for links written as source paths
    source_paths: Mapping[str, str] = field(default_factory=dict)
    # people() of each paper asked so far: author pages, co-author lists and the search index all ask
    _people: dict[str, tuple[str, ...]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def people(self, paper_slug: str) -> tuple[str, ...]:
        """The person keys of a paper (see papers_by_person): its named authors, then hidden site authors."""
        known = self._people.get(paper_slug)
        if known is None:
            keys = named_people(self.papers[paper_slug], self.author_links[paper_slug])
            known = self._people[paper_slug] = tuple(dict.fromkeys([*keys, *self.hidden_authors(paper_slug)]))
        return known

    def hidden_authors(self, paper_slug: str) -> tuple[str, ...]:
        """Site authors who list a paper but are not among its shown names (behind "et al.")."""
        return self.hidden.get(paper_slug, ())
