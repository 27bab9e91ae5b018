"""Site -> the list of pages to make: where each goes and which template and record it shows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from . import urls
from .errors import BuildFailed, ContentError
from .images import Variant, stem, variants
from .model import Image, Site
from .sources import CONTENT_DIR

PAPER_FILES = (("cite.bib", "paper_bib"), ("cite.ris", "paper_ris"), ("cite.json", "paper_csl"))
AUTHOR_BIBLIOGRAPHY = "publications.bib"
AUTHOR_FEED = "feed.xml"
SITE_FEED = "feed.xml"
LIST_PAGE_SIZE = 50  # papers per page of the paginated lists (all papers, one category)
PEOPLE_PAGE_SIZE = 60  # author cards per page of the people list
SITEMAP_LIMIT = 50_000  # URLs in one sitemap file, as the protocol allows; a larger site gets an index of parts


@dataclass(frozen=True, slots=True)
class PageSpec:
    path: str  # site path, e.g. "papers/taid/" ("" is the home page)
    template: str  # Jinja template, or "" for a file copied as it is
    kind: str  # which context builder makes its context (see context.py)
    key: str = ""  # the record it shows: a slug, a category code, a static file name
    page: int = 1  # for paginated lists
    dest: str = field(init=False)  # the output file

    def __post_init__(self) -> None:
        object.__setattr__(self, "dest", urls.dest_path(self.path))


def list_page_count(count: int, size: int = LIST_PAGE_SIZE) -> int:
    return max(1, -(-count // size))


def plan_site(site: Site, static_files: list[str], search: tuple[int, list[str]] = (0, [])) -> list[PageSpec]:
    """Every output file of a site; `search` is the search index's layout (documents chunks, term prefixes)."""
    specs = list(record_pages(site))
    listed = sum(map(in_sitemap, specs))
    specs += [PageSpec(urls.asset_path(path), "", "asset", path) for path in site.assets]
    specs += [PageSpec(urls.image_path(site.assets[v.source].digest, stem(v.source), v.width, v.ending), "", "image",
                       v.key) for v in image_variants(site)]
    specs += [PageSpec(urls.static_path(name), "", "static", name) for name in static_files]
    if site.config.citation_files:
        for slug in site.papers:
            specs += [PageSpec(urls.paper_file_path(slug, name), "", kind, slug) for name, kind in PAPER_FILES]
    specs += [PageSpec(urls.author_file_path(slug, AUTHOR_BIBLIOGRAPHY), "", "author_bib", slug)
              for slug in site.authors]
    if urls.Urls(site.config.base_url).origin:  # Atom needs absolute addresses
        specs.append(PageSpec(SITE_FEED, "", "feed"))
        specs += [PageSpec(urls.author_file_path(slug, AUTHOR_FEED), "", "author_feed", slug) for slug in site.authors]
    chunks, prefixes = search
    if chunks:
        specs.append(PageSpec(urls.search_path("index.json"), "", "search_manifest"))
        specs += [PageSpec(urls.search_path(f"docs-{n}.json"), "", "search_docs", "", n) for n in range(chunks)]
        specs += search_shard_specs(prefixes)
        specs.append(PageSpec(urls.search_path(""), "search.html", "search"))
    specs += sitemap_specs(listed)
    specs += [
        PageSpec("robots.txt", "robots.txt", "robots"),
        PageSpec(".nojekyll", "nojekyll.txt", "nojekyll"),  # GitHub Pages: serve the files as they are
    ]
    if site.config.cname:
        specs.append(PageSpec("CNAME", "CNAME.txt", "cname"))  # GitHub Pages: the custom domain
    _check_unique_destinations(specs, site)
    return specs


def record_pages(site: Site) -> Iterator[PageSpec]:
    """The pages that show the records, the home page and the 404 page, one at a time (the sitemap lists them
    without planning the whole site again, which took 14 MB more at 10k papers)."""
    yield PageSpec(urls.index_path(), "index.html", "index")
    yield PageSpec("404.html", "404.html", "not_found")
    yield PageSpec("categories/", "categories.html", "categories")
    for page in range(1, list_page_count(len(site.authors), PEOPLE_PAGE_SIZE) + 1):
        yield PageSpec(urls.authors_path(page), "authors.html", "authors", "", page)
    for slug in site.authors:
        yield PageSpec(urls.author_path(slug), "author.html", "author", slug)
    for slug in site.papers:
        yield PageSpec(urls.paper_path(slug), "paper.html", "paper", slug)
    for page in range(1, list_page_count(len(site.papers)) + 1):
        yield PageSpec(urls.papers_path(page), "papers.html", "papers", "", page)
    for group in site.categories:
        for page in range(1, list_page_count(len(group.papers)) + 1):
            yield PageSpec(urls.category_path(group.category, page), "category.html", "category",
                           group.category.code, page)
    for free_page in site.pages.values():
        yield PageSpec(free_page.path, free_page.template, "page", free_page.path)
    if site.news:
        yield PageSpec(urls.news_path(), "news.html", "news")


def in_sitemap(spec: PageSpec) -> bool:
    return is_html_page(spec) and spec.kind != "not_found"


def sitemap_specs(listed: int) -> list[PageSpec]:
    """sitemap.xml, or, past SITEMAP_LIMIT pages, sitemap.xml as the index of parts sitemap-1.xml, ... (the page
    number of the index is the number of parts)."""
    parts = list_page_count(listed, SITEMAP_LIMIT)
    if parts == 1:
        return [PageSpec("sitemap.xml", "sitemap.xml", "sitemap")]
    return [PageSpec("sitemap.xml", "sitemap_index.xml", "sitemap_index", "", parts),
            *(PageSpec(sitemap_part_path(part), "sitemap.xml", "sitemap", "", part) for part in range(1, parts + 1))]


def sitemap_part_path(part: int) -> str:
    return f"sitemap-{part}.xml"


def pictures(site: Site) -> list[Image]:
    """Every picture the pages show: authors' photos, papers' teasers."""
    found = [author.photo for author in site.authors.values() if author.photo]
    return found + [paper.teaser for paper in site.papers.values() if paper.teaser]


def image_variants(site: Site) -> list[Variant]:
    sources = sorted({image.src for image in pictures(site) if image.src in site.assets})
    return [variant for source in sources for variant in variants(site.assets[source])]


def shard_positions(specs: list[PageSpec]) -> range:
    """Where the search term shards are in a plan: after the documents' chunks, before the search page."""
    search_page = next((at for at, spec in enumerate(specs) if spec.kind == "search"), len(specs))
    return range(search_page - sum(spec.kind == "search_terms" for spec in specs), search_page)


def search_shard_specs(prefixes: list[str]) -> list[PageSpec]:
    """The search index's term shards, one per two-letter word prefix."""
    return [PageSpec(urls.search_shard_path(prefix.encode("utf-8").hex()), "", "search_terms", prefix)
            for prefix in prefixes]


def is_html_page(spec: PageSpec) -> bool:
    return spec.template.endswith(".html")


def _check_unique_destinations(specs: list[PageSpec], site: Site) -> None:
    """Two pages may never write one file, also not when the file system ignores case. When one of them is
    the user's file (a copied asset, a free page), the error names that file: it is the one to move."""
    seen: dict[str, PageSpec] = {}
    errors = []
    for spec in specs:
        folded = spec.dest.lower()
        if folded in seen:
            first = seen[folded]
            mine, other = (first, spec) if _content_file(spec, site) is None else (spec, first)
            source = _content_file(mine, site)
            if source is None:
                errors.append(ContentError(spec.dest, 0, f"two pages would be written to the same file "
                                                         f"({first.kind} '{first.key}' and {spec.kind} '{spec.key}')"))
            else:
                errors.append(ContentError(source, 0, f"would be published as '{mine.dest}', which is also "
                                                      f"{_described(other, site)}; move or rename it"))
        seen[folded] = spec
    if errors:
        raise BuildFailed(errors)


def _content_file(spec: PageSpec, site: Site) -> str | None:
    """The user's file a page comes from directly, if it is one (not a page made from records)."""
    if spec.kind == "asset":
        return f"{CONTENT_DIR}/{spec.key}"
    if spec.kind == "page":
        return site.pages[spec.key].src_path
    return None


def _described(spec: PageSpec, site: Site) -> str:
    source = _content_file(spec, site)
    if source is not None:
        return f"where {source} goes"
    if spec.kind == "static":
        return f"the theme's file '{spec.key}'"
    what = {"index": "home", "not_found": "'not found'"}.get(spec.kind, spec.kind.replace("_", " "))
    return f"the generated {what} page" + (f" of '{spec.key}'" if spec.key else "")
