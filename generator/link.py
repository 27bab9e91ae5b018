"""Records -> Site: resolve who wrote what, check that every reference points somewhere, order everything."""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Set as AbstractSet

from .errors import ContentError
from .model import Author, CategoryPapers, Paper, Site, SiteConfig
from .slugs import normalize_name


def _did_you_mean(word: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1)
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
                                       f"duplicate {kind} slug '{item.slug}': {other.src_path} "  # type: ignore[attr-defined]
                                       "already uses it; give one of them another slug"))
            continue
        first_by_folded[folded] = item
        by_slug[item.slug] = item
    return by_slug


def _name_index(authors: dict[str, Author], errors: list[ContentError]) -> dict[str, str]:
    """Normalized name, alias or slug -> author slug; one name may not mean two people."""
    index: dict[str, str] = {}
    for author in authors.values():
        for name in (author.name, author.slug, *author.aliases):
            key = normalize_name(name)
            owner = index.get(key)
            if owner is not None and owner != author.slug:
                errors.append(ContentError(author.src_path, author.line,
                                           f"name or alias '{name}' also belongs to author '{owner}'; "
                                           "an alias must name one person only"))
            elif key:
                index[key] = author.slug
    return index


def build_site(config: SiteConfig, config_path: str, author_records: list[Author], paper_records: list[Paper],
               errors: list[ContentError], unreadable: AbstractSet[str] = frozenset()) -> Site:
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
                    errors.append(ContentError(paper.src_path, author.line, f"unknown author '{author.slug}'"
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
                    errors.append(ContentError(author.src_path, reference.line,
                                               f"unknown paper '{reference.slug}' (no content/papers/{reference.slug}.md)"
                                               f"{_did_you_mean(reference.slug, papers)}"))
            elif reference.slug in seen:
                errors.append(ContentError(author.src_path, reference.line,
                                           f"paper '{reference.slug}' is listed twice; remove one"))
            else:
                seen[reference.slug] = None
                listed_by[reference.slug].append(author.slug)
        listed[author.slug] = tuple(seen)

    for reference in config.owners:
        if reference.slug not in authors and reference.slug not in unreadable:
            errors.append(ContentError(config_path, reference.line, f"unknown owner '{reference.slug}': owners "
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
        keys = [slug or "~" + author.key for author, slug in zip(paper.authors, author_links[paper.slug])]
        keys += listed_by.get(paper.slug, ())
        for key in dict.fromkeys(keys):
            by_person[key].append(paper.slug)

    by_category: dict[str, list[str]] = defaultdict(list)
    categories = {}
    for paper in newest_first:
        if paper.category is not None:
            by_category[paper.category.code].append(paper.slug)
            categories[paper.category.code] = paper.category
    return Site(
        config=config,
        authors={author.slug: author for author in ordered_authors},
        papers={paper.slug: paper for paper in newest_first},
        newest=tuple(paper.slug for paper in newest_first),
        rank=rank,
        categories=tuple(CategoryPapers(categories[code], tuple(slugs)) for code, slugs in sorted(by_category.items())),
        author_links=author_links,
        listed_by={slug: tuple(by) for slug, by in listed_by.items()},
        author_papers=author_papers,
        papers_by_person={key: tuple(slugs) for key, slugs in by_person.items()},
    )
