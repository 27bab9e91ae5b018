"""Records -> Site: resolve who wrote what, check that every reference points somewhere, order everything."""

from __future__ import annotations

import difflib
import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet

from . import urls
from .errors import ContentError, quoted
from .model import Asset, Author, CategoryPapers, NewsItem, Page, Paper, Site, SiteConfig, named_people
from .slugs import normalize_name, slug_problem
from .sources import CONTENT_DIR
from .taxonomy import Category
from .urls import content_link_path, is_external


def _did_you_mean(word: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(word[:100], list(candidates), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _unique_by_slug(items: list, kind: str, errors: list[ContentError]) -> dict:  # type: ignore[type-arg]
    """Slugs must be unique, also ignoring case: `Foo` and `foo` are one file on macOS and Windows."""
    by_slug: dict = {}  # type: ignore[type-arg]
    first_by_folded: dict[str, object] = {}
    for item in sorted(items, key=lambda i: i.src_path):
        folded = item.slug.lower()
        other = first_by_folded.get(folded)
        if other is not None:
            errors.append(ContentError(item.src_path, item.line,
                                       f"duplicate {kind} slug {quoted(item.slug)}: {other.src_path} "  # type: ignore[attr-defined]
                                       "already uses it; give one of them another slug"))
            continue
        first_by_folded[folded] = item
        by_slug[item.slug] = item
    return by_slug


def _hidden_authors(author_links: Mapping[str, tuple[str | None, ...]], listed_by: Mapping[str, list[str]],
                    ) -> dict[str, tuple[str, ...]]:
    """Per paper, the site authors listing it whom it does not name; only the few papers that have any, so
    that pages asking of every paper look in a small table (a lookup in a large one costs microseconds)."""
    hidden = {}
    for paper_slug, listing in listed_by.items():
        shown = author_links[paper_slug]
        behind = tuple(slug for slug in listing if slug not in shown)
        if behind:
            hidden[paper_slug] = behind
    return hidden


def _name_index(authors: dict[str, Author], errors: list[ContentError]) -> dict[str, str]:
    """Normalized name, alias or slug -> author slug; one name may not mean two people."""
    index: dict[str, str] = {}
    for author in authors.values():
        for name in (author.name, author.slug, *author.aliases):
            key = normalize_name(name)
            owner = index.get(key)
            if owner is not None and owner != author.slug:
                errors.append(ContentError(author.src_path, author.line,
                                           f"name or alias {quoted(name)} also belongs to author '{owner}'; "
                                           "an alias must name one person only"))
            elif key:
                index[key] = author.slug
    return index


def build_site(config: SiteConfig, config_path: str, author_records: list[Author], paper_records: list[Paper],
               errors: list[ContentError], unreadable: AbstractSet[str] = frozenset(), *,
               pages: Iterable[Page] = (), news: Iterable[NewsItem] = (), assets: Iterable[Asset] = ()) -> Site:
    """`unreadable`: slugs of files that could not be read at all; references to them are already explained."""
    authors = _unique_by_slug(author_records, "author", errors)
    papers = _unique_by_slug(paper_records, "paper", errors)
    names = _name_index(authors, errors)

    author_links: dict[str, tuple[str | None, ...]] = {}
    named_in: dict[str, list[str]] = defaultdict(list)
    for paper in papers.values():
        resolved: list[str | None] = []
        for author in paper.authors:
            if author.slug is not None:
                if author.slug not in authors and author.slug not in unreadable:
                    errors.append(ContentError(paper.src_path, author.line, f"unknown author {quoted(author.slug)}"
                                                                           f"{_did_you_mean(author.slug, authors)}"))
                slug = author.slug
            else:
                slug = names.get(author.key)
            resolved.append(slug)
            if slug is not None:
                named_in[slug].append(paper.slug)
        author_links[paper.slug] = tuple(resolved)

    listed_by: dict[str, list[str]] = defaultdict(list)
    listed: dict[str, tuple[str, ...]] = {}
    for author in authors.values():
        seen: dict[str, None] = {}
        for reference in author.listed_papers:
            if reference.slug not in papers:
                if reference.slug not in unreadable:
                    where = f" (no content/papers/{reference.slug}.md)" if slug_problem(reference.slug) is None else ""
                    errors.append(ContentError(author.src_path, reference.line,
                                               f"unknown paper {quoted(reference.slug)}{where}"
                                               f"{_did_you_mean(reference.slug, papers)}"))
            elif reference.slug in seen:
                errors.append(ContentError(author.src_path, reference.line,
                                           f"paper {quoted(reference.slug)} is listed twice; remove one"))
            else:
                seen[reference.slug] = None
                listed_by[reference.slug].append(author.slug)
        listed[author.slug] = tuple(seen)

    for reference in config.owners:
        if reference.slug not in authors and reference.slug not in unreadable:
            errors.append(ContentError(config_path, reference.line, f"unknown owner {quoted(reference.slug)}: owners "
                                       f"are author slugs{_did_you_mean(reference.slug, authors)}"))

    newest_first = sorted(papers.values(), reverse=True,
                          key=lambda p: (p.date.year, p.date.month, p.date.day, p.title_text.lower(), p.slug))
    rank = {paper.slug: index for index, paper in enumerate(newest_first)}
    owner_order = {reference.slug: index for index, reference in enumerate(config.owners)}
    ordered_authors = sorted(authors.values(),
                             key=lambda a: (owner_order.get(a.slug, len(owner_order)), a.name.lower(), a.slug))
    author_papers = {}
    for author in ordered_authors:
        own = listed[author.slug]
        others = sorted(set(named_in.get(author.slug, ())).difference(own), key=rank.__getitem__)
        author_papers[author.slug] = own + tuple(others)

    by_person: dict[str, list[str]] = defaultdict(list)
    for paper in newest_first:
        keys = named_people(paper, author_links[paper.slug])
        keys += listed_by.get(paper.slug, ())
        for key in dict.fromkeys(keys):
            by_person[key].append(paper.slug)

    by_category: dict[str, list[str]] = defaultdict(list)
    categories = {}
    for paper in newest_first:
        if paper.category is not None:
            by_category[paper.category.code].append(paper.slug)
            categories[paper.category.code] = paper.category
    page_map = _unique_pages(pages, errors)
    news_items = tuple(sorted(news, key=lambda item: (item.date.year, item.date.month, item.date.day, item.slug),
                              reverse=True))
    asset_map = {asset.path: asset for asset in assets}
    source_paths = _source_paths(authors.values(), papers.values(), page_map.values(), news_items, asset_map)
    _check_files(errors, authors.values(), papers.values(), asset_map)
    documents: list[Page | NewsItem] = [*page_map.values(), *news_items]
    for document in documents:
        for link in document.links:
            if not is_external(link.target) and content_link_path(source_paths, document.src_path, link.target) is None:
                errors.append(ContentError(document.src_path, link.line, f"broken link to {quoted(link.target)}: no such "
                                           "file in content/ (write the source path of a paper, author, page, "
                                           "news item or file, e.g. papers/my-paper.md, or a full web address)"))
    _check_nav(errors, config, config_path, source_paths, authors, papers, categories, page_map, bool(news_items))
    return Site(
        config=config,
        authors={author.slug: author for author in ordered_authors},
        papers={paper.slug: paper for paper in newest_first},
        newest=tuple(paper.slug for paper in newest_first),
        rank=rank,
        categories=tuple(CategoryPapers(categories[code], tuple(slugs)) for code, slugs in sorted(by_category.items())),
        author_links=author_links,
        listed_by={slug: tuple(by) for slug, by in listed_by.items()},
        hidden=_hidden_authors(author_links, listed_by),
        author_papers=author_papers,
        papers_by_person={key: tuple(slugs) for key, slugs in by_person.items()},
        pages=page_map,
        news=news_items,
        assets=asset_map,
        source_paths=source_paths,
    )


def _unique_pages(pages: Iterable[Page], errors: list[ContentError]) -> dict[str, Page]:
    """Pages by site path; cv.md and cv/index.md would both be cv/."""
    found: dict[str, Page] = {}
    for page in sorted(pages, key=lambda p: p.src_path):
        other = found.get(page.path)
        if other is not None:
            errors.append(ContentError(page.src_path, 1, f"{other.src_path} is already the page at /{page.path}; "
                                                         "rename one of them"))
            continue
        found[page.path] = page
    return dict(sorted(found.items()))


def _relative(src_path: str) -> str:
    return src_path.removeprefix(f"{CONTENT_DIR}/")


def _source_paths(authors: Iterable[Author], papers: Iterable[Paper], pages: Iterable[Page],
                  news: Iterable[NewsItem], assets: Mapping[str, Asset]) -> dict[str, str]:
    """Content file (relative to content/) -> the site path it became."""
    paths = {_relative(author.src_path): urls.author_path(author.slug) for author in authors}
    paths.update({_relative(paper.src_path): urls.paper_path(paper.slug) for paper in papers})
    paths.update({_relative(page.src_path): page.path for page in pages})
    paths.update({_relative(item.src_path): f"{urls.news_path()}#{item.slug}" for item in news})
    paths.update({path: urls.asset_path(path) for path in assets})
    return paths


def _check_files(errors: list[ContentError], authors: Iterable[Author], papers: Iterable[Paper],
                 assets: Mapping[str, Asset]) -> None:
    """Pictures and PDFs named in content must be files under content/ (pictures: readable ones)."""
    pictures = [(author.src_path, "photo", author.photo) for author in authors]
    pictures += [(paper.src_path, "teaser", paper.teaser) for paper in papers]
    for src_path, field_name, image in pictures:
        if image is None:
            continue
        asset = assets.get(image.src)
        if asset is None:
            errors.append(ContentError(src_path, image.line, f"{field_name} {quoted(image.src)}: no such file; put the "
                                                             f"picture at content/{image.src}"))
        elif not asset.width:
            errors.append(ContentError(src_path, image.line, f"{field_name} {quoted(image.src)} is not a picture this site "
                                                             "can read (use PNG, JPEG, GIF or WebP)"))
    for paper in papers:
        if paper.pdf and not is_external(paper.pdf) and posixpath.normpath(paper.pdf) not in assets:
            errors.append(ContentError(paper.src_path, paper.line, f"pdf {quoted(paper.pdf)}: no such file under content/"))


def _check_nav(errors: list[ContentError], config: SiteConfig, config_path: str, source_paths: Mapping[str, str],
               authors: Mapping[str, Author], papers: Mapping[str, Paper], categories: Mapping[str, Category],
               pages: Mapping[str, Page], has_news: bool) -> None:
    site_paths = {"", "papers/", "authors/", "categories/", "search/", *pages,
                  *(urls.author_path(slug) for slug in authors), *(urls.paper_path(slug) for slug in papers),
                  *(urls.category_path(category) for category in categories.values())}
    if has_news:
        site_paths.add(urls.news_path())
    for item in config.nav:
        target = item.target
        if re.match(r"^https?://", target) or content_link_path(source_paths, config_path, target) is not None:
            continue
        if target.strip("/") + "/" in site_paths or target.strip("/") == "":
            continue
        errors.append(ContentError(config_path, item.line, f"nav target {quoted(target)} is not a page of this site: write a "
                                                           "site path such as 'papers/', a content file such as "
                                                           "'pages/cv.md', or a web address"))
