"""The one URL scheme of a built site: where each page lives and how links to it are written.

Links carry the base URL's path (`/repo/papers/x/`) so they work on GitHub Pages project sites, on a
custom domain, and from the 404 page at any depth.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from .taxonomy import Category


@dataclass(frozen=True, slots=True)
class Urls:
    base_url: str  # absolute (`https://host/repo/`) or a bare path (`/repo/`); ends with "/"

    @property
    def base_path(self) -> str:
        return urlsplit(self.base_url).path or "/"

    @property
    def origin(self) -> str:
        """`https://host`, or "" when the site was given no absolute base URL."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""

    def link(self, path: str) -> str:
        """The href for a site path such as `papers/x/` (site paths are built from safe slugs: no quoting)."""
        return self.base_path + path

    def absolute(self, path: str) -> str | None:
        """The full URL of a site path, for canonical links, feeds and sitemaps; None without a host."""
        return self.origin + self.link(path) if self.origin else None


def index_path() -> str:
    return ""


def author_path(slug: str) -> str:
    return f"authors/{slug}/"


def paper_path(slug: str) -> str:
    return f"papers/{slug}/"


def category_path(category: Category, page: int = 1) -> str:
    return f"categories/{category.slug}/" + (f"page/{page}/" if page > 1 else "")


def paper_file_path(slug: str, name: str) -> str:
    """Files that belong to a paper's page (its citation files) sit beside it."""
    return f"papers/{slug}/{name}"


def author_file_path(slug: str, name: str) -> str:
    return f"authors/{slug}/{name}"


def search_path(name: str) -> str:
    return f"search/{name}"


def search_shard_path(name: str) -> str:
    return f"search/terms/{name}.json"


def papers_path(page: int = 1) -> str:
    return "papers/" + (f"page/{page}/" if page > 1 else "")


def static_path(name: str) -> str:
    return f"static/{name}"


def dest_path(path: str) -> str:
    """Site path -> output file: directories get an index.html."""
    return path + "index.html" if path == "" or path.endswith("/") else path
