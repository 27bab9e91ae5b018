"""Atom feeds of papers (the whole site's, and one per author). Pure functions; deterministic output.

A feed's `updated` is its newest paper's date, never the build time, so unchanged content gives unchanged
bytes.
"""

from __future__ import annotations

from functools import lru_cache
from xml.sax.saxutils import escape, quoteattr

from . import urls
from .markup import plain_text
from .model import NewsItem, Paper, PaperDate, Site
from .urls import Urls

FEED_LENGTH = 50


def _timestamp(date: PaperDate) -> str:
    return f"{date.year:04d}-{date.month or 1:02d}-{date.day or 1:02d}T00:00:00Z"


def _entry(paper: Paper, links: tuple[str | None, ...], site_urls: Urls) -> str:
    """One paper's <entry>. The summary is escaped anew each time (1.5 us for most abstracts): remembered with
    the entries, the summaries took 7.5 of their 21 MB at 10k papers, and a process holds all entries at once."""
    head = "".join(_entry_head(paper, links, site_urls))
    if not paper.abstract_html:
        return head + "</entry>"
    return f"{head}<summary type=\"html\">{escape(paper.abstract_html)}</summary></entry>"


@lru_cache(maxsize=100_000)
def _entry_head(paper: Paper, links: tuple[str | None, ...], site_urls: Urls) -> tuple[str, ...]:
    """An entry up to its summary, in parts: remembered, since feeds of prolific authors repeat the same papers,
    and its <author> elements are each author's one string."""
    link = site_urls.absolute(urls.paper_path(paper.slug)) or ""
    head = (f"<entry><id>{escape(link)}</id><title type=\"html\">{escape(paper.title_html)}</title>"
            f"<link rel=\"alternate\" type=\"text/html\" href={quoteattr(link)}/>"
            f"<published>{_timestamp(paper.date)}</published><updated>{_timestamp(paper.date)}</updated>")
    authors = (_author_element(author.name, slug, site_urls) for author, slug in zip(paper.authors, links))
    if not paper.category:
        return (head, *authors)
    return (head, *authors,
            f"<category term={quoteattr(paper.category.code)} label={quoteattr(paper.category.name)}/>")


@lru_cache(maxsize=200_000)
def _author_element(name: str, slug: str | None, site_urls: Urls) -> str:
    uri = f"<uri>{escape(site_urls.absolute(urls.author_path(slug)) or '')}</uri>" if slug else ""
    return f"<author><name>{escape(name)}</name>{uri}</author>"


def news_entry(item: NewsItem, html: str, site_urls: Urls) -> tuple[PaperDate, str]:
    """A news item as an Atom entry, with its date for ordering among papers."""
    link = (site_urls.absolute(urls.news_path()) or "") + f"#{item.slug}"
    return item.date, "".join([
        "<entry>", f"<id>{escape(link)}</id>", f"<title>{escape(item.title)}</title>",
        f"<link rel=\"alternate\" type=\"text/html\" href={quoteattr(link)}/>",
        f"<published>{_timestamp(item.date)}</published>", f"<updated>{_timestamp(item.date)}</updated>",
        f"<content type=\"html\">{escape(html)}</content>", "</entry>"])


def forget_entries() -> None:
    """Drop the remembered entries once no feed left to render repeats them."""
    _entry_head.cache_clear()
    _author_element.cache_clear()


def atom_feed(site: Site, papers: list[Paper], site_urls: Urls, feed_path: str, page_path: str, title: str,
              news: list[tuple[PaperDate, str]] = ()) -> bytes:  # type: ignore[assignment]
    """An Atom document of `papers` and `news` entries, newest first, at most FEED_LENGTH."""
    feed_url = site_urls.absolute(feed_path) or ""
    page_url = site_urls.absolute(page_path) or ""
    dated = [(paper.date, _entry(paper, site.author_links[paper.slug], site_urls)) for paper in papers[:FEED_LENGTH]]
    entries = sorted([*dated, *news], key=lambda pair: (pair[0].year, pair[0].month, pair[0].day),
                     reverse=True)[:FEED_LENGTH]
    updated = _timestamp(entries[0][0]) if entries else "1970-01-01T00:00:00Z"
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(site.config.language)}>',
        f"<id>{escape(feed_url)}</id>",
        f"<title>{escape(plain_text(title))}</title>",
        f"<updated>{updated}</updated>",
        f"<link rel=\"self\" type=\"application/atom+xml\" href={quoteattr(feed_url)}/>",
        f"<link rel=\"alternate\" type=\"text/html\" href={quoteattr(page_url)}/>",
        "<generator>Research Portfolio</generator>",
    ]
    if site.config.description:
        lines.append(f"<subtitle>{escape(site.config.description)}</subtitle>")
    lines += [entry for _, entry in entries]
    lines.append("</feed>")
    return ("\n".join(lines) + "\n").encode("utf-8")
