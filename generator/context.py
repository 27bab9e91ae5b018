"""One function per page kind builds what its template shows; beside it, the inputs that context is made of.

The inputs (`*_inputs`) name the papers and authors a page shows, in order, plus any other value it shows.
Incremental builds fingerprint them: a page is re-rendered exactly when one of its inputs changed, so each
context function and its inputs function must read the same things.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import compress, islice
from operator import is_not
from typing import Any

from markupsafe import Markup

from . import urls
from .charts import Series, categories_table, horizontal_bars, sparkline, stacked_years, years_table
from .citations import citation_key, paper_bibtex
from .explore import (
    category_series,
    coauthor_slugs,
    coauthors,
    more_by_these_authors,
    related_in_category,
    remember_last,
    years_by_category,
)
from .fragments import category_options, coauthor_items, year_options
from .images import stem, variants
from .markup import RenderedDocument, plain_text, render_document
from .metadata import MetaTag, author_json_ld, paper_json_ld, scholar_tags, site_json_ld, social_tags
from .model import PUBLICATION_TYPES, Author, Image, NewsItem, Page, Paper, Site
from .plan import (
    AUTHOR_BIBLIOGRAPHY,
    AUTHOR_FEED,
    LIST_PAGE_SIZE,
    PAPER_FILES,
    PEOPLE_PAGE_SIZE,
    SITE_FEED,
    SITEMAP_LIMIT,
    PageSpec,
    in_sitemap,
    list_page_count,
    record_pages,
    sitemap_part_path,
)
from .taxonomy import Category
from .urls import Urls, content_link_path

LATEST_NEWS = 3
HOME_PEOPLE = 12  # author cards on the home page; the people list has them all

Context = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Theme:
    """What every page shows of the site itself, besides its own content."""

    urls: Urls
    asset_versions: dict[str, str]  # static file name -> short digest, for cache-busting links

    def asset(self, name: str) -> str:
        version = self.asset_versions.get(name)
        return self.urls.link(urls.static_path(name)) + (f"?v={version}" if version else "")


def format_number(value: float | None) -> str | None:
    """Metrics as people write them: 1,355 citations, a 31.3 score."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else f"{value:,}".rstrip("0").rstrip(".")


def _category_view(category: Category, theme: Theme) -> dict[str, str]:
    return {"code": category.code, "short": category.short, "name": category.name,
            "url": theme.urls.link(urls.category_path(category))}


def _author_link(site: Site, slug: str | None, theme: Theme) -> str | None:
    return theme.urls.link(urls.author_path(slug)) if slug and slug in site.authors else None


def paper_item(site: Site, paper: Paper, theme: Theme) -> dict[str, Any]:
    """A paper as lists show it (author pages, category pages, the home page)."""
    links = site.author_links[paper.slug]
    return {
        "slug": paper.slug,
        "url": theme.urls.link(urls.paper_path(paper.slug)),
        "title_html": Markup(paper.title_html),
        "title_text": paper.title_text,
        "authors": [{"name": a.name, "url": _author_link(site, slug, theme)} for a, slug in zip(paper.authors, links)],
        "et_al": paper.et_al,
        "hidden_authors": [{"name": site.authors[slug].name, "url": _author_link(site, slug, theme)}
                           for slug in site.hidden_authors(paper.slug)],
        "date": paper.date.display(),
        "date_iso": paper.date.iso(),
        "year": paper.date.year,
        "category": _category_view(paper.category, theme) if paper.category else None,
        "score": format_number(paper.score),
        "score_value": paper.score,
        "citations": format_number(paper.citations),
        "citations_value": paper.citations,
        "teaser": picture(site, paper.teaser, theme, "(max-width: 40rem) 100vw, 12rem"),
        "code_url": paper.code_url,
        "has_code": paper.has_code,
        "abstract_html": Markup(paper.abstract_html),
    }


def picture_digest(site: Site, image: Image | None) -> str:
    asset = site.assets.get(image.src) if image else None
    return asset.digest if asset else ""


def picture(site: Site, image: Image | None, theme: Theme, sizes: str) -> dict[str, Any] | None:
    """A responsive picture: WebP and fallback sources at several widths, its size, its alt text."""
    if image is None or image.src not in site.assets:
        return None
    asset = site.assets[image.src]
    made = variants(asset)

    def srcset(ending: str) -> str:
        return ", ".join(f"{theme.urls.link(urls.image_path(asset.digest, stem(asset.path), v.width, v.ending))} "
                         f"{v.width}w" for v in made if v.ending == ending)

    fallback = [v for v in made if v.ending != "webp"]
    default = next((v for v in fallback if v.width >= 640), fallback[-1])
    return {"alt": image.alt, "width": asset.width, "height": asset.height, "sizes": sizes,
            "webp": srcset("webp"), "fallback": srcset(default.ending),
            "src": theme.urls.link(urls.image_path(asset.digest, stem(asset.path), default.width, default.ending))}


def _digest(fact: str) -> str:
    """A fact as page fingerprints hold it: an author page joins some forty, of a few hundred characters each."""
    return hashlib.sha1(fact.encode()).hexdigest()


class Facts:
    """The facts of one site that page fingerprints are made of, each worked out once per build (as digests).

    A paper whose record and links are the very same as in the previous build keeps its fact.
    """

    def __init__(self, site: Site, previous: Facts | None = None) -> None:
        self.site = site
        self._papers: dict[str, str] = {}
        self._authors: dict[str, str] = {}  # an author's fact is in every page that names them: made once
        self._titles: dict[str, str] = {}
        self._previous = previous
        if previous is not None:
            previous._previous = None  # keep one build back, not a chain of all of them

    def paper(self, slug: str) -> str:
        """Everything a paper item shows: its file, whom its names link to, who lists it (and their names)."""
        fact = self._papers.get(slug)
        if fact is None:
            site = self.site
            hidden = site.hidden_authors(slug)
            names = tuple(site.authors[s].name for s in hidden)
            previous = self._previous
            fact = previous._papers.get(slug) if previous is not None else None
            if (fact is None or previous.site.papers.get(slug) is not site.papers[slug]  # type: ignore[union-attr]
                    or previous.site.author_links.get(slug) != site.author_links[slug]  # type: ignore[union-attr]
                    or previous.hidden_names(slug) != names):  # type: ignore[union-attr]
                fact = _digest(f"paper {slug} {site.papers[slug].digest} {site.author_links[slug]} {hidden} {names} "
                               f"{picture_digest(site, site.papers[slug].teaser)}")
            self._papers[slug] = fact
        return fact

    def hidden_names(self, slug: str) -> tuple[str, ...]:
        site = self.site
        return tuple(site.authors[s].name for s in site.hidden_authors(slug)) if slug in site.papers else ()

    def inherit(self, previous: Facts, changed: set[str]) -> None:
        """Take over the previous build's facts of every paper not in `changed` (all still hold)."""
        self._papers = previous._papers.copy()
        for slug in changed:
            self._papers.pop(slug, None)

    def author(self, slug: str) -> str:
        fact = self._authors.get(slug)
        if fact is None:
            author = self.site.authors[slug]
            fact = self._authors[slug] = _digest(f"author {slug} {author.digest} {picture_digest(self.site, author.photo)}")
        return fact

    def title(self, slug: str) -> str:
        """A paper as a link to it shows it. Title and date are linking facts: while they stay, so does this."""
        fact = self._titles.get(slug)
        if fact is None:
            paper = self.site.papers[slug]
            fact = self._titles[slug] = _digest(f"title {slug} {paper.title_html} {paper.date.year}")
        return fact

    def of_page(self, inputs: PageInputs) -> str:
        """The facts of what a page shows, one per line: what its fingerprint is made of."""
        return "\n".join((*self._all(self._papers, self.paper, inputs.papers),
                          *self._all(self._authors, self.author, inputs.authors),
                          *self._all(self._titles, self.title, inputs.titles), repr(inputs.extra)))

    @staticmethod
    def _all(known: dict[str, str], fact: Callable[[str], str], slugs: tuple[str, ...]) -> list[str]:
        """`fact` of each slug, looked up in one go once all are known: an author page names a hundred
        co-authors (the facts of every page of a 10k-paper site: 0.21 s, against 0.26 s with a call each)."""
        try:
            return list(map(known.__getitem__, slugs))
        except KeyError:
            return list(map(fact, slugs))

    def changed_since(self, previous: Facts) -> tuple[set[str], set[str]]:
        """Papers and authors whose facts may differ from the previous build's (a superset, cheaply found)."""
        site, old = self.site, previous.site
        authors = set() if site.authors is old.authors else {
            slug for slug, author in site.authors.items() if old.authors.get(slug) is not author}
        if list(site.papers) == list(old.papers):  # the usual case: the same papers in the same order
            papers = set(compress(site.papers, map(is_not, site.papers.values(), old.papers.values())))
        else:
            papers = {slug for slug, paper in site.papers.items() if old.papers.get(slug) is not paper}
        if site.author_links is not old.author_links or site.listed_by is not old.listed_by:
            papers.update(slug for slug, links in site.author_links.items() if old.author_links.get(slug) != links)
            papers.update(slug for slug, by in site.listed_by.items() if old.listed_by.get(slug) != by)
        if site.assets is not old.assets:  # a picture replaced under the same name
            papers.update(slug for slug, paper in site.papers.items()
                          if picture_digest(site, paper.teaser) != picture_digest(old, paper.teaser))
            authors.update(slug for slug, author in site.authors.items()
                           if picture_digest(site, author.photo) != picture_digest(old, author.photo))
        for slug in authors:  # their names may be shown on these papers' items
            papers.update(site.author_papers.get(slug, ()), old.author_papers.get(slug, ()))
        return papers & site.papers.keys(), authors & site.authors.keys()


@dataclass(frozen=True, slots=True)
class PageInputs:
    """What one page shows: paper items and author records (by slug, in order), papers it names by title
    only (links in "related" lists), and any other values."""

    papers: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    extra: tuple[Any, ...] = ()
    titles: tuple[str, ...] = ()


def _author_card(site: Site, author: Author, theme: Theme) -> dict[str, Any]:
    metrics = author.metrics
    return {
        "slug": author.slug,
        "name": author.name,
        "url": theme.urls.link(urls.author_path(author.slug)),
        "affiliation": author.affiliation,
        "category": _category_view(author.category, theme) if author.category else None,
        "metrics": [(label, value) for label, value in (
            ("h-index", format_number(metrics.h_index)),
            ("papers", format_number(len(site.author_papers[author.slug]))),
            ("citations", format_number(metrics.citations)),
            ("novelty", f"{format_number(metrics.novelty)}%" if metrics.novelty is not None else None),
            ("AI score", format_number(metrics.ai_score)),
            ("i10-index", format_number(metrics.i10_index)),
        ) if value is not None],
        "links": author.links,
        "spark": MarkupOnDemand(lambda: _sparkline(site, author.slug)),
        "photo": picture(site, author.photo, theme, "8rem"),
    }


class MarkupOnDemand:
    """Markup made only when a template places it or asks whether there is any. An author page's own card
    carries a sparkline that the page's template does not show: making it took 30 us of the page's 1 ms."""

    __slots__ = ("_made", "_make")

    def __init__(self, make: Callable[[], str]) -> None:
        self._make = make
        self._made: str | None = None

    def __html__(self) -> str:
        if self._made is None:
            self._made = self._make()
        return self._made

    __str__ = __html__

    def __bool__(self) -> bool:
        return bool(self.__html__())


def _author_years(site: Site, slug: str) -> dict[int, int]:
    years: dict[int, int] = {}
    for paper_slug in site.author_papers[slug]:
        year = site.papers[paper_slug].date.year
        years[year] = years.get(year, 0) + 1
    return dict(sorted(years.items()))


def _sparkline(site: Site, slug: str) -> str:
    years = _author_years(site, slug)
    if not years:
        return ""
    label = "Papers per year: " + ", ".join(f"{year}: {count}" for year, count in years.items())
    return sparkline(f"spark-{slug}", label, years, min(years), max(years))


def _author_cards_inputs(site: Site, slugs: Iterable[str]) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """Author cards show each author's record, paper count and papers per year."""
    shown = tuple(slugs)
    return shown, tuple(tuple(_author_years(site, slug).items()) for slug in shown)


def _year_chart(site: Site, slugs: tuple[str, ...], categories: list[tuple[Series, int]], chart_id: str, title: str,
                width: int = 440) -> dict[str, Any]:
    """A papers-per-year chart stacked by category (`categories`: category_series of the same papers), with
    the table that says the same in words."""
    counts = years_by_category(site, slugs)
    series = [entry for entry, _ in categories]
    keys = [entry.key for entry in series]
    rows = []
    for year in range(min(counts), max(counts) + 1) if counts else ():
        by_key = counts.get(year, {})
        rows.append((year, [by_key.get(key, 0) for key in keys], sum(by_key.values())))
    description = "Papers per year: " + ", ".join(f"{year}: {total}" for year, _, total in rows)
    return {
        "kind": "years",
        "svg": Markup(stacked_years(chart_id, title, description, counts, series, width)),
        "series": series,
        "rows": rows,
        "table": Markup(years_table(series, rows)),
    }


def _category_chart(values: list[tuple[Series, int]], chart_id: str) -> dict[str, Any]:
    description = "Papers per category: " + ", ".join(f"{entry.key}: {count}" for entry, count in values)
    rows = [(entry, count) for entry, count in values]
    return {"kind": "categories", "svg": Markup(horizontal_bars(chart_id, "Papers per category", description, values)),
            "series": [], "rows": rows, "table": Markup(categories_table(rows))}


def _page(title: str, description: str, spec: PageSpec, theme: Theme, site: Site, *, og_type: str = "website",
          meta: list[MetaTag] | None = None, json_ld: str | None = None,
          feeds: tuple[tuple[str, str], ...] = ()) -> dict[str, Any]:
    """What the shared layout's <head> shows for one page: title, description, canonical URL, metadata."""
    description = description or site.config.description
    canonical = theme.urls.absolute(spec.path) if spec.kind != "not_found" else None
    site_feed = theme.urls.absolute(SITE_FEED)
    all_feeds = ((site.config.title, theme.urls.link(SITE_FEED)),) + feeds if site_feed else ()
    return {"title": title, "description": description, "path": spec.path,
            "section": spec.path.split("/")[0], "kind": spec.kind, "canonical": canonical,
            "meta": (meta or []) + social_tags(og_type, title, description, canonical, site.config.title),
            "json_ld": Markup(json_ld) if json_ld else None, "feeds": all_feeds}


# --- contexts and their inputs, one pair per page kind ------------------------------------------------------

def index_context(site: Site, spec: PageSpec, theme: Theme) -> Context:
    return {
        "page": _page(site.config.title, site.config.description, spec, theme, site,
                      json_ld=site_json_ld(site, theme.urls)),
        "authors": [_author_card(site, site.authors[slug], theme) for slug in list(site.authors)[:HOME_PEOPLE]],
        "author_count": len(site.authors),
        "authors_url": theme.urls.link(urls.authors_path()),
        "latest": site.newest[: site.config.latest_papers],
        "paper_count": len(site.papers),
        "papers_url": theme.urls.link(urls.papers_path()),
        "years_chart": _year_chart(site, site.newest, category_series(site, site.newest), "chart-site-years",
                                   "Papers per year on this site", 720),
        "news": [_news_item(site, item, theme) for item in site.news[:LATEST_NEWS]],
        "news_url": theme.urls.link(urls.news_path()),
    }


def index_inputs(site: Site, spec: PageSpec) -> PageInputs:
    authors, years = _author_cards_inputs(site, list(site.authors)[:HOME_PEOPLE])
    latest = site.newest[: site.config.latest_papers]
    site_years = tuple((year, tuple(sorted(by.items()))) for year, by in years_by_category(site, site.newest).items())
    news = tuple((item.slug, item.digest, resolved_links(site, item)) for item in site.news[:LATEST_NEWS])
    return PageInputs(latest, authors, (len(site.papers), len(site.authors), years, site_years, news))


def author_context(site: Site, spec: PageSpec, theme: Theme) -> Context:
    author = site.authors[spec.key]
    papers = site.author_papers[author.slug]
    description = f"{author.name}: {len(papers)} papers"
    if author.category:
        description += f" in {author.category.name} and related fields"
    feeds = ((f"{author.name} · {site.config.title}", theme.urls.link(urls.author_file_path(author.slug, AUTHOR_FEED))),)
    people, total_coauthors = coauthors(site, author.slug)
    shown = [{"name": person.name, "papers": person.papers,
              "url": theme.urls.link(urls.author_path(person.slug)) if person.slug else None} for person in people]
    categories = category_series(site, papers)
    filter_categories = [(entry.key, entry.label, count) for entry, count in categories]
    years = sorted({site.papers[slug].date.year for slug in papers}, reverse=True)
    return {
        "page": _page(author.name, description, spec, theme, site, og_type="profile",
                      json_ld=author_json_ld(site, author, theme.urls),
                      feeds=feeds if theme.urls.origin else ()),
        "author": _author_card(site, author, theme),
        "bio_html": Markup(author.bio_html),
        "papers": papers,
        "bibliography_url": theme.urls.link(urls.author_file_path(author.slug, AUTHOR_BIBLIOGRAPHY)),
        "feed_url": theme.urls.link(urls.author_file_path(author.slug, AUTHOR_FEED)) if theme.urls.origin else None,
        "years_chart": _year_chart(site, papers, categories, "chart-years", f"Papers per year by {author.name}"),
        "category_chart": _category_chart(categories, "chart-categories"),
        "coauthors": shown,
        "coauthor_items": coauthor_items(shown),
        "more_coauthors": total_coauthors - len(people),
        "filters": {
            "categories": filter_categories,
            "years": years,
            "category_options": category_options(filter_categories),
            "year_options": year_options(years),
        },
    }


def author_inputs(site: Site, spec: PageSpec) -> PageInputs:
    return PageInputs(site.author_papers[spec.key], (spec.key, *coauthor_slugs(site, spec.key)))


def paper_context(site: Site, spec: PageSpec, theme: Theme) -> Context:
    paper = site.papers[spec.key]
    item = paper_item(site, paper, theme)
    links = []
    if paper.code_url:
        links.append(("Code", paper.code_url))
    if paper.arxiv:
        links.append(("arXiv", f"https://arxiv.org/abs/{paper.arxiv}"))
    if paper.pdf or paper.arxiv:
        pdf = paper.pdf or f"https://arxiv.org/pdf/{paper.arxiv}"
        links.append(("PDF", pdf if urls.is_external(pdf) else theme.urls.link(urls.asset_path(pdf))))
    if paper.doi:
        links.append(("DOI", f"https://doi.org/{paper.doi}"))
    if paper.url:
        links.append(("Publisher", paper.url))
    names = ", ".join(a.name for a in paper.authors) + (" et al." if paper.et_al else "")
    key = citation_key(paper)
    more_by, related = _related(site, paper.slug)
    downloads = [(label, theme.urls.link(urls.paper_file_path(paper.slug, name)), f"{key}.{name.split('.')[-1]}")
                 for (name, _), label in zip(PAPER_FILES, ("BibTeX", "RIS", "CSL-JSON"))] \
        if site.config.citation_files else []
    publication = [(label, plain_text(value)) for label, value in (
        ("Type", PUBLICATION_TYPES.get(paper.type, "") if paper.type else ""), ("Publisher", paper.publisher),
        ("Institution", paper.institution), ("Volume", paper.volume), ("Number", paper.number),
        ("Pages", paper.pages), ("Note", paper.note)) if value]
    return {
        "page": _page(paper.title_text, f"{names} ({paper.date.year})." + (f" {paper.category.name}."
                      if paper.category else ""), spec, theme, site, og_type="article",
                      meta=scholar_tags(paper, theme.urls, spec.path),
                      json_ld=paper_json_ld(site, paper, theme.urls, spec.path)),
        "paper": item,
        "venue": paper.venue,
        "publication": publication,
        "arxiv": paper.arxiv,
        "doi": paper.doi,
        "links": links,
        "bibtex": paper_bibtex(paper, theme.urls.absolute(spec.path), with_abstract=False),
        "downloads": downloads,
        "teaser": picture(site, paper.teaser, theme, "(max-width: 64rem) 100vw, 60rem"),
        "papers_url": theme.urls.link(urls.papers_path()),
        "more_by": [_related_item(site, slug, theme) for slug in more_by],
        "related": [_related_item(site, slug, theme) for slug in related],
    }


@remember_last
def _related(site: Site, slug: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    more_by = more_by_these_authors(site, slug)
    return more_by, related_in_category(site, slug, more_by)


def _related_item(site: Site, slug: str, theme: Theme) -> dict[str, Any]:
    paper = site.papers[slug]
    return {"url": theme.urls.link(urls.paper_path(slug)), "title_html": Markup(paper.title_html),
            "year": paper.date.year}


def paper_inputs(site: Site, spec: PageSpec) -> PageInputs:
    """The paper, the papers it points to, and the site authors its names link to (shown in its JSON-LD)."""
    more_by, related = _related(site, spec.key)
    return PageInputs((spec.key,), tuple(slug for slug in site.author_links[spec.key] if slug),
                      titles=(*more_by, *related))


def _category_group(site: Site, code: str) -> tuple[Category, tuple[str, ...]]:
    for group in site.categories:
        if group.category.code == code:
            return group.category, group.papers
    raise KeyError(code)


def _pagination(count: int, size: int, spec: PageSpec, path_of: Callable[[int], str],
                theme: Theme) -> dict[str, Any] | None:
    """Links to the first, last, previous, next and nearby pages: a constant size however long the list."""
    pages = list_page_count(count, size)
    if pages <= 1:
        return None
    current = spec.page
    shown = sorted({1, pages, *range(max(1, current - 2), min(pages, current + 2) + 1)})
    window: list[tuple[int, str] | None] = []
    for number in shown:
        if window and window[-1] is not None and number - window[-1][0] > 1:
            window.append(None)  # a gap in the numbers
        window.append((number, theme.urls.link(path_of(number))))
    return {
        "current": current,
        "pages": window,
        "previous": theme.urls.link(path_of(current - 1)) if current > 1 else None,
        "next": theme.urls.link(path_of(current + 1)) if current < pages else None,
    }


def _list_page(slugs: tuple[str, ...], spec: PageSpec, path_of: Callable[[int], str], theme: Theme) -> Context:
    """The part of a paginated paper list that one page shows, and the links to the other pages."""
    start = (spec.page - 1) * LIST_PAGE_SIZE
    return {
        "total": len(slugs),
        "papers": slugs[start:start + LIST_PAGE_SIZE],
        "pagination": _pagination(len(slugs), LIST_PAGE_SIZE, spec, path_of, theme),
    }


def _list_page_inputs(slugs: tuple[str, ...], spec: PageSpec) -> PageInputs:
    start = (spec.page - 1) * LIST_PAGE_SIZE
    return PageInputs(slugs[start:start + LIST_PAGE_SIZE], (), (len(slugs),))


def category_context(site: Site, spec: PageSpec, theme: Theme) -> Context:
    category, slugs = _category_group(site, spec.key)
    title = f"{category.name} ({category.code})" + (f", page {spec.page}" if spec.page > 1 else "")
    return {
        "page": _page(title, f"{len(slugs)} papers in {category.name} ({category.code}).", spec, theme, site),
        "category": _category_view(category, theme),
        **_list_page(slugs, spec, lambda n: urls.category_path(category, n), theme),
    }


def category_inputs(site: Site, spec: PageSpec) -> PageInputs:
    return _list_page_inputs(_category_group(site, spec.key)[1], spec)


def papers_context(site: Site, spec: PageSpec, theme: Theme) -> Context:
    title = "Papers" + (f", page {spec.page}" if spec.page > 1 else "")
    return {
        "page": _page(title, f"All {len(site.papers)} papers of {site.config.title}, newest first.", spec, theme, site),
        **_list_page(site.newest, spec, urls.papers_path, theme),
    }


def papers_inputs(site: Site, spec: PageSpec) -> PageInputs:
    return _list_page_inputs(site.newest, spec)


def categories_context(site: Site, spec: PageSpec, theme: Theme) -> Context:
    return {
        "page": _page("Categories", "Papers by arXiv category.", spec, theme, site),
        "categories": [{**_category_view(group.category, theme), "count": len(group.papers)}
                       for group in site.categories],
    }


def categories_inputs(site: Site, spec: PageSpec) -> PageInputs:
    return PageInputs(extra=tuple((group.category.code, len(group.papers)) for group in site.categories))


def _people_on_page(site: Site, spec: PageSpec) -> list[str]:
    start = (spec.page - 1) * PEOPLE_PAGE_SIZE
    return list(islice(site.authors, start, start + PEOPLE_PAGE_SIZE))  # not a list of all 50,000 per page


def authors_context(site: Site, spec: PageSpec, theme: Theme) -> Context:
    title = "Authors" + (f", page {spec.page}" if spec.page > 1 else "")
    return {
        "page": _page(title, f"The {len(site.authors)} authors of {site.config.title}.", spec, theme, site),
        "authors": [_author_card(site, site.authors[slug], theme) for slug in _people_on_page(site, spec)],
        "total": len(site.authors),
        "pagination": _pagination(len(site.authors), PEOPLE_PAGE_SIZE, spec, urls.authors_path, theme),
    }


def authors_inputs(site: Site, spec: PageSpec) -> PageInputs:
    authors, years = _author_cards_inputs(site, _people_on_page(site, spec))
    return PageInputs((), authors, (len(site.authors), years))




def resolved_links(site: Site, document: Page | NewsItem) -> tuple[tuple[str, str | None], ...]:
    """Where a document's content links lead: a page shows them, so it changes when they move."""
    return tuple((link.target, content_link_path(site.source_paths, document.src_path, link.target))
                 for link in document.links)


def _document_html(site: Site, document: Page | NewsItem, theme: Theme) -> RenderedDocument:
    def resolve(target: str) -> str:
        if urls.is_external(target):
            return target
        path = content_link_path(site.source_paths, document.src_path, target)
        return theme.urls.link(path) if path is not None else target

    return render_document(document.body, resolve)


def news_html(site: Site, item: NewsItem, theme: Theme) -> str:
    return _document_html(site, item, theme).html


def _news_item(site: Site, item: NewsItem, theme: Theme) -> dict[str, Any]:
    return {"slug": item.slug, "title": item.title, "date": item.date.display(), "date_iso": item.date.iso(),
            "html": Markup(news_html(site, item, theme)),
            "url": theme.urls.link(urls.news_path()) + f"#{item.slug}"}


def page_context(site: Site, spec: PageSpec, theme: Theme) -> Context:
    page = site.pages[spec.key]
    document = _document_html(site, page, theme)
    sections = [entry for entry in document.toc if entry[0] == 2]
    return {"page": _page(page.title, page.description, spec, theme, site),
            "body_html": Markup(document.html),
            "toc": sections if len(sections) >= 2 else []}  # one section needs no table of contents


def page_inputs(site: Site, spec: PageSpec) -> PageInputs:
    page = site.pages[spec.key]
    return PageInputs(extra=(page.digest, resolved_links(site, page)))


def news_context(site: Site, spec: PageSpec, theme: Theme) -> Context:
    return {"page": _page("News", f"News from {site.config.title}, newest first.", spec, theme, site),
            "items": [_news_item(site, item, theme) for item in site.news]}


def news_inputs(site: Site, spec: PageSpec) -> PageInputs:
    return PageInputs(extra=tuple((item.slug, item.digest, resolved_links(site, item)) for item in site.news))


def search_context(site: Site, spec: PageSpec, theme: Theme) -> Context:
    return {"page": _page("Search", f"Search the papers and authors of {site.config.title}.", spec, theme, site)}


def not_found_context(site: Site, spec: PageSpec, theme: Theme) -> Context:
    return {"page": _page("Page not found", "This page does not exist.", spec, theme, site)}


def no_inputs(site: Site, spec: PageSpec) -> PageInputs:
    return PageInputs()


def sitemap_context(site: Site, spec: PageSpec, theme: Theme) -> Context:
    listed = islice(filter(in_sitemap, record_pages(site)), (spec.page - 1) * SITEMAP_LIMIT, spec.page * SITEMAP_LIMIT)
    return {"urls": [url for s in listed if (url := theme.urls.absolute(s.path))]}


def sitemap_index_context(site: Site, spec: PageSpec, theme: Theme) -> Context:
    return {"sitemaps": [url for part in range(1, spec.page + 1)
                         if (url := theme.urls.absolute(sitemap_part_path(part)))]}


def sitemap_inputs(site: Site, spec: PageSpec) -> PageInputs:
    counts = tuple((group.category.code, len(group.papers)) for group in site.categories)
    return PageInputs(extra=(tuple(site.authors), site.newest, counts))


def robots_context(site: Site, spec: PageSpec, theme: Theme) -> Context:
    return {"sitemap": theme.urls.absolute("sitemap.xml")}


def cname_context(site: Site, spec: PageSpec, theme: Theme) -> Context:
    return {"cname": site.config.cname}


def empty_context(site: Site, spec: PageSpec, theme: Theme) -> Context:
    return {}


PAGE_KINDS: dict[str, tuple[Callable[[Site, PageSpec, Theme], Context], Callable[[Site, PageSpec], PageInputs]]] = {
    "index": (index_context, index_inputs),
    "author": (author_context, author_inputs),
    "paper": (paper_context, paper_inputs),
    "category": (category_context, category_inputs),
    "papers": (papers_context, papers_inputs),
    "categories": (categories_context, categories_inputs),
    "authors": (authors_context, authors_inputs),
    "not_found": (not_found_context, no_inputs),
    "search": (search_context, no_inputs),
    "page": (page_context, page_inputs),
    "news": (news_context, news_inputs),
    "sitemap": (sitemap_context, sitemap_inputs),
    "sitemap_index": (sitemap_index_context, sitemap_inputs),
    "robots": (robots_context, no_inputs),
    "cname": (cname_context, no_inputs),
    "nojekyll": (empty_context, no_inputs),
}


def site_context(site: Site, theme: Theme) -> Context:
    """What the shared layout shows on every page (its facts are the site config and the assets)."""
    config = site.config
    return {
        "title": config.title,
        "description": config.description,
        "language": config.language,
        "home_url": theme.urls.link(urls.index_path()),
        "nav": [(label, theme.urls.link(path) if path is not None else target, path)
                for label, target, path in navigation(site)],
        "links": config.links,
        "owners": [site.authors[r.slug].name for r in config.owners if r.slug in site.authors],
        "asset": theme.asset,
        "search_url": theme.urls.link(urls.search_path("")),
    }


def navigation(site: Site) -> list[tuple[str, str, str | None]]:
    """(label, target as written, site path or None for another site) of each navigation entry.

    From `nav:` in site.yaml when it is there; otherwise Papers, Authors, Categories (and News). Pages with a
    `nav:` number are added, in that order, unless site.yaml's list names them already.
    """
    entries: list[tuple[str, str, str | None]] = []
    if site.config.nav:
        for item in site.config.nav:
            target = item.target
            if re.match(r"^https?://", target):
                entries.append((item.title, target, None))
                continue
            path = content_link_path(site.source_paths, "content/site.yaml", target)
            entries.append((item.title, target, path if path is not None else target.strip("/") + "/"
                            if target.strip("/") else ""))
    else:
        entries = [("Papers", urls.papers_path(), urls.papers_path()), ("Authors", "authors/", "authors/"),
                   ("Categories", "categories/", "categories/")]
        if site.news:
            entries.append(("News", urls.news_path(), urls.news_path()))
    named = {path for _, _, path in entries}
    pages = sorted((p for p in site.pages.values() if p.nav is not None and p.path not in named),
                   key=lambda p: (p.nav, p.path))
    page_entries: list[tuple[str, str, str | None]] = [(page.title, page.path, page.path) for page in pages]
    return page_entries + entries


def site_inputs(site: Site) -> Iterable[str]:
    yield repr(site.config)
    yield repr(navigation(site))
    for reference in site.config.owners:
        author = site.authors.get(reference.slug)
        yield f"owner {reference.slug} {author.name if author else ''}"
