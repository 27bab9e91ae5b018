"""What visitors explore beside a list: papers per year and per category, co-authors, related papers.

Pure functions over the Site; templates get their results through context.py.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import NamedTuple, TypeVar

from .charts import Series, series_for
from .model import UNLISTED, Site

UNCATEGORIZED = "none"
RELATED_LENGTH = 5

Found = TypeVar("Found")


def remember_last(function: Callable[[Site, str], Found]) -> Callable[[Site, str], Found]:
    """`function(site, slug)` with its last result kept: a page's inputs (for its fingerprint) and then its
    context ask the same of the same record one right after the other. A Site is never changed once linked,
    so the same object gives the same answer."""
    last: list = [None, None, None]

    @functools.wraps(function)
    def remembered(site: Site, slug: str) -> Found:
        if last[0] is site and last[1] == slug:
            return last[2]  # type: ignore[no-any-return]
        found = function(site, slug)
        last[:] = site, slug, found
        return found

    return remembered


class Coauthor(NamedTuple):
    """A tuple: an author page lists up to fifty, made afresh for each page (a frozen dataclass took a third of
    the time that listing took)."""

    key: str  # a site author's slug, or UNLISTED + a normalized name
    name: str
    slug: str | None  # set when the co-author has a page here
    papers: int


def category_key(site: Site, slug: str) -> str:
    category = site.papers[slug].category
    return category.short if category else UNCATEGORIZED


def years_by_category(site: Site, slugs: Iterable[str]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for slug in slugs:
        counts[site.papers[slug].date.year][category_key(site, slug)] += 1
    return {year: dict(by_key) for year, by_key in sorted(counts.items())}


def category_series(site: Site, slugs: Iterable[str]) -> list[tuple[Series, int]]:
    """Each category with its paper count, largest first, with its colour."""
    counts: Counter[str] = Counter()
    names: dict[str, str] = {}
    for slug in slugs:
        category = site.papers[slug].category
        counts[category.short if category else UNCATEGORIZED] += 1
        if category is not None:
            names.setdefault(category.short, category.name)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    series = series_for([(key, names.get(key, "No arXiv category")) for key, _ in ordered])
    return list(zip(series, (count for _, count in ordered)))


@remember_last
def _shared_papers(site: Site, author_slug: str) -> tuple[Counter[str], dict[str, str]]:
    """How many papers each co-author shares with the author (by person key), and the names of those without
    a page here (by the name their first paper gives)."""
    counts: Counter[str] = Counter()
    unlisted: dict[str, str] = {}
    papers, author_links, people = site.papers, site.author_links, site.people
    for slug in site.author_papers[author_slug]:
        links = author_links[slug]
        if None in links:
            for author, linked in zip(papers[slug].authors, links):
                if linked is None:
                    unlisted.setdefault(UNLISTED + author.key, author.name)
        counts.update(people(slug))
    counts.pop(author_slug, None)
    return counts, unlisted


def coauthors(site: Site, author_slug: str, limit: int = 50) -> tuple[list[Coauthor], int]:
    """The people an author published with on this site, most papers first; and how many there are in all."""
    counts, unlisted = _shared_papers(site, author_slug)
    authors = site.authors
    ranked = []
    for key, count in counts.items():
        name = unlisted[key] if key[0] == UNLISTED else authors[key].name
        ranked.append((-count, name.lower(), key, name))  # keys are unique: the name is never compared
    ranked.sort()
    return [Coauthor(key, name, None if key[0] == UNLISTED else key, -count)
            for count, _, key, name in ranked[:limit]], len(ranked)


def coauthor_slugs(site: Site, author_slug: str) -> tuple[str, ...]:
    """The co-authors with a page of their own: their names show on the author's page."""
    return tuple(sorted(key for key in _shared_papers(site, author_slug)[0] if key[0] != UNLISTED))


def more_by_these_authors(site: Site, paper_slug: str) -> tuple[str, ...]:
    """Other papers sharing an author with this one, newest first."""
    rank = site.rank
    candidates: set[str] = set()
    for key in site.people(paper_slug):
        shown = 0
        for slug in site.papers_by_person.get(key, ()):
            if slug != paper_slug:
                candidates.add(slug)
                shown += 1
                if shown == RELATED_LENGTH:
                    break
    return tuple(sorted(candidates, key=rank.__getitem__)[:RELATED_LENGTH])


def related_in_category(site: Site, paper_slug: str, exclude: Iterable[str]) -> tuple[str, ...]:
    """The newest other papers of the same category, leaving out those listed already."""
    category = site.papers[paper_slug].category
    if category is None:
        return ()
    skip = {paper_slug, *exclude}
    for group in site.categories:
        if group.category.code == category.code:
            return tuple(slug for slug in group.papers[:RELATED_LENGTH + len(skip)] if slug not in skip)[
                :RELATED_LENGTH]
    return ()
