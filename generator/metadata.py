"""What search engines and reference managers read in a page's head: Google Scholar's citation_* tags,
OpenGraph and Twitter cards, and schema.org JSON-LD. Pure functions over the model.
"""

from __future__ import annotations

import json
from typing import Any

from . import urls
from .citations import entry_type
from .markup import abstract_text, plain_text
from .model import Author, Paper, Site
from .urls import Urls

MetaTag = tuple[str, str, str]  # (attribute, its value, content): ("name", "citation_title", "...")


def _scholar_date(paper: Paper) -> str:
    date = paper.date
    return "/".join(f"{part:02d}" if index else f"{part:04d}"
                    for index, part in enumerate((date.year, date.month, date.day)) if part)


def _pdf_url(paper: Paper, site_urls: Urls, page_path: str) -> str | None:
    if paper.pdf:
        if paper.pdf.startswith(("http://", "https://")):
            return paper.pdf
        return site_urls.absolute(page_path + paper.pdf) if not paper.pdf.startswith("/") else None
    return f"https://arxiv.org/pdf/{paper.arxiv}" if paper.arxiv else None


def scholar_tags(paper: Paper, site_urls: Urls, page_path: str) -> list[MetaTag]:
    """Google Scholar's inclusion guidelines (Highwire Press tags)."""
    tags: list[MetaTag] = [("name", "citation_title", paper.title_text)]
    tags += [("name", "citation_author", author.name) for author in paper.authors]
    tags.append(("name", "citation_publication_date", _scholar_date(paper)))
    kind = entry_type(paper)
    if paper.venue:
        venue_tag = {"article": "citation_journal_title", "inproceedings": "citation_conference_title",
                     "proceedings": "citation_conference_title"}.get(kind, "citation_inbook_title")
        if kind in ("article", "inproceedings", "proceedings", "incollection", "inbook"):
            tags.append(("name", venue_tag, plain_text(paper.venue)))
    if paper.institution:
        institution_tag = ("citation_dissertation_institution" if kind.endswith("thesis")
                           else "citation_technical_report_institution")
        tags.append(("name", institution_tag, plain_text(paper.institution)))
    for tag, value in (("citation_publisher", paper.publisher), ("citation_volume", paper.volume),
                       ("citation_issue", paper.number), ("citation_doi", paper.doi),
                       ("citation_arxiv_id", paper.arxiv)):
        if value:
            tags.append(("name", tag, plain_text(value)))
    if paper.pages:
        first, _, last = paper.pages.replace("\u2013", "-").partition("-")
        tags.append(("name", "citation_firstpage", first.strip("- ")))
        if last.strip("- "):
            tags.append(("name", "citation_lastpage", last.strip("- ")))
    pdf = _pdf_url(paper, site_urls, page_path)
    if pdf:
        tags.append(("name", "citation_pdf_url", pdf))
    page_url = site_urls.absolute(page_path)
    if page_url:
        tags.append(("name", "citation_abstract_html_url", page_url))
    return tags


def social_tags(kind: str, title: str, description: str, page_url: str | None, site_name: str) -> list[MetaTag]:
    """OpenGraph and Twitter card tags."""
    tags: list[MetaTag] = [("property", "og:type", kind), ("property", "og:title", title),
                           ("property", "og:site_name", site_name), ("name", "twitter:card", "summary"),
                           ("name", "twitter:title", title)]
    if description:
        tags += [("property", "og:description", description), ("name", "twitter:description", description)]
    if page_url:
        tags.append(("property", "og:url", page_url))
    return tags


def json_ld(data: dict[str, Any]) -> str:
    """JSON for a <script type="application/ld+json"> element: `<` escaped so no text can close the element."""
    return json.dumps({"@context": "https://schema.org", **data}, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _person(site: Site, name: str, slug: str | None, site_urls: Urls) -> dict[str, Any]:
    person: dict[str, Any] = {"@type": "Person", "name": name}
    author = site.authors.get(slug) if slug else None
    if author is not None:
        url = site_urls.absolute(urls.author_path(author.slug))
        if url:
            person["url"] = url
        same_as = [link.url for link in author.links if link.url.startswith("http")]
        if same_as:
            person["sameAs"] = same_as
    return person


def paper_json_ld(site: Site, paper: Paper, site_urls: Urls, page_path: str) -> str:
    data: dict[str, Any] = {
        "@type": "ScholarlyArticle",
        "name": paper.title_text,
        "headline": paper.title_text[:110],
        "author": [_person(site, a.name, slug, site_urls)
                   for a, slug in zip(paper.authors, site.author_links[paper.slug])],
        "datePublished": paper.date.iso(),
    }
    hidden = site.hidden_authors(paper.slug)  # authors behind "et al.": their place in the list is unknown
    if hidden:
        data["contributor"] = [_person(site, site.authors[slug].name, slug, site_urls) for slug in hidden]
    page_url = site_urls.absolute(page_path)
    if page_url:
        data["url"] = page_url
    if paper.abstract:
        data["abstract"] = abstract_text(paper)
    if paper.category:
        data["about"] = paper.category.name
    if paper.venue:
        data["isPartOf"] = {"@type": "Periodical" if entry_type(paper) == "article" else "CreativeWork",
                            "name": plain_text(paper.venue)}
    if paper.publisher:
        data["publisher"] = {"@type": "Organization", "name": plain_text(paper.publisher)}
    identifiers = []
    same_as = []
    if paper.doi:
        identifiers.append({"@type": "PropertyValue", "propertyID": "DOI", "value": paper.doi})
        same_as.append(f"https://doi.org/{paper.doi}")
    if paper.arxiv:
        identifiers.append({"@type": "PropertyValue", "propertyID": "arXiv", "value": paper.arxiv})
        same_as.append(f"https://arxiv.org/abs/{paper.arxiv}")
    if identifiers:
        data["identifier"] = identifiers
        data["sameAs"] = same_as
    if paper.code_url:
        data["codeRepository"] = paper.code_url
    return json_ld(data)


def author_json_ld(site: Site, author: Author, site_urls: Urls) -> str:
    person = _person(site, author.name, author.slug, site_urls)
    if author.affiliation:
        person["affiliation"] = {"@type": "Organization", "name": author.affiliation}
    email = next((link.url for link in author.links if link.url.startswith("mailto:")), None)
    if email:
        person["email"] = email.removeprefix("mailto:")
    data: dict[str, Any] = {"@type": "ProfilePage", "mainEntity": person}
    page_url = site_urls.absolute(urls.author_path(author.slug))
    if page_url:
        data["url"] = page_url
    return json_ld(data)


def site_json_ld(site: Site, site_urls: Urls) -> str:
    data: dict[str, Any] = {"@type": "WebSite", "name": site.config.title}
    if site.config.description:
        data["description"] = site.config.description
    home = site_urls.absolute(urls.index_path())
    if home:
        data["url"] = home
    return json_ld(data)
