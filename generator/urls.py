"""The one URL scheme of a built site: where each page lives and how links to it are written.

Links carry the base URL's path (`/repo/papers/x/`) so they work on GitHub Pages project sites, on a
custom domain, and from the 404 page at any depth.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .taxonomy import Category


@dataclass(frozen=True, slots=True)
class Urls:
    base_url: str  # absolute (`https://host/repo/`) or a bare path (`/repo/`); ends with "/"
    # Worked out once: a page writes some fifty links.
    base_path: str = field(init=False, compare=False)
    origin: str = field(init=False, compare=False)  # `https://host`, or "" without an absolute base URL

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        object.__setattr__(self, "base_path", parts.path or "/")
        object.__setattr__(self, "origin", f"{parts.scheme}://{parts.netloc}" if parts.netloc else "")

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


def authors_path(page: int = 1) -> str:
    return "authors/" + (f"page/{page}/" if page > 1 else "")


def static_path(name: str) -> str:
    return f"static/{name}"


def dest_path(path: str) -> str:
    """Site path -> output file: directories get an index.html."""
    return path + "index.html" if path == "" or path.endswith("/") else path


def news_path() -> str:
    return "news/"


def asset_path(path: str) -> str:
    """A file from content/ keeps its place: content/files/taid.pdf is files/taid.pdf in the site."""
    return path


def image_path(digest: str, stem: str, width: int, ending: str) -> str:
    """Resized pictures sit under a folder named by their source's digest, so a new picture gets new names."""
    return f"images/{digest[:12]}/{stem}-{width}.{ending}"


def is_external(target: str) -> bool:
    """Targets that leave the content tree: web and mail addresses, site-absolute paths, fragments."""
    return target.startswith(("#", "/")) or bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target))


def content_link_path(source_paths: Mapping[str, str], from_src_path: str, target: str) -> str | None:
    """The site path (with its #fragment) that a link written as a content source path points to.

    `from_src_path` is the linking file (content/pages/cv.md): targets are looked up next to it first, then
    from content/. None when no content file has that path.
    """
    path, _, fragment = target.partition("#")
    folder = posixpath.dirname(from_src_path.removeprefix("content/"))
    for candidate in (posixpath.normpath(posixpath.join(folder, path)), posixpath.normpath(path)):
        site_path = source_paths.get(candidate)
        if site_path is not None:
            return site_path + (f"#{fragment}" if fragment and "#" not in site_path else "")
    return None
