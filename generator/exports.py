"""Files made for programs rather than people: citations (BibTeX, RIS, CSL-JSON) and Atom feeds.

Each kind pairs a renderer of bytes with the inputs it reads, as context.py does for HTML pages.
"""

from __future__ import annotations

from collections.abc import Callable

from . import urls
from .citations import bibliography, paper_bibtex, paper_csl_json, paper_ris
from .context import PageInputs, Theme, news_html, resolved_links
from .feeds import FEED_LENGTH, atom_feed, news_entry
from .model import Site
from .plan import PageSpec


def _paper_url(site: Site, slug: str, theme: Theme) -> str | None:
    return theme.urls.absolute(urls.paper_path(slug))


def paper_bib(site: Site, spec: PageSpec, theme: Theme) -> bytes:
    return paper_bibtex(site.papers[spec.key], _paper_url(site, spec.key, theme)).encode()


def paper_ris_file(site: Site, spec: PageSpec, theme: Theme) -> bytes:
    return paper_ris(site.papers[spec.key], _paper_url(site, spec.key, theme)).encode()


def paper_csl_file(site: Site, spec: PageSpec, theme: Theme) -> bytes:
    return paper_csl_json(site.papers[spec.key], _paper_url(site, spec.key, theme)).encode()


def one_paper_inputs(site: Site, spec: PageSpec) -> PageInputs:
    return PageInputs((spec.key,))


def author_bib(site: Site, spec: PageSpec, theme: Theme) -> bytes:
    papers = [(site.papers[slug], _paper_url(site, slug, theme)) for slug in site.author_papers[spec.key]]
    return bibliography(papers).encode()


def author_papers_inputs(site: Site, spec: PageSpec) -> PageInputs:
    return PageInputs(site.author_papers[spec.key], (spec.key,))


def site_feed(site: Site, spec: PageSpec, theme: Theme) -> bytes:
    papers = [site.papers[slug] for slug in site.newest[:FEED_LENGTH]]
    news = [news_entry(item, news_html(site, item, theme), theme.urls) for item in site.news[:FEED_LENGTH]]
    return atom_feed(site, papers, theme.urls, spec.path, urls.index_path(), site.config.title, news)


def site_feed_inputs(site: Site, spec: PageSpec) -> PageInputs:
    news = tuple((item.slug, item.digest, resolved_links(site, item)) for item in site.news[:FEED_LENGTH])
    return PageInputs(site.newest[:FEED_LENGTH], (), (news,))


def author_feed(site: Site, spec: PageSpec, theme: Theme) -> bytes:
    author = site.authors[spec.key]
    papers = [site.papers[slug] for slug in _newest_of_author(site, spec.key)]
    return atom_feed(site, papers, theme.urls, spec.path, urls.author_path(author.slug),
                     f"{author.name} · {site.config.title}")


def author_feed_inputs(site: Site, spec: PageSpec) -> PageInputs:
    return PageInputs(_newest_of_author(site, spec.key)[:FEED_LENGTH], (spec.key,))


def _newest_of_author(site: Site, slug: str) -> tuple[str, ...]:
    return tuple(sorted(site.author_papers[slug], key=site.rank.__getitem__))


EXPORT_KINDS: dict[str, tuple[Callable[[Site, PageSpec, Theme], bytes], Callable[[Site, PageSpec], PageInputs]]] = {
    "paper_bib": (paper_bib, one_paper_inputs),
    "paper_ris": (paper_ris_file, one_paper_inputs),
    "paper_csl": (paper_csl_file, one_paper_inputs),
    "author_bib": (author_bib, author_papers_inputs),
    "feed": (site_feed, site_feed_inputs),
    "author_feed": (author_feed, author_feed_inputs),
}
