"""A link checker that crawls a served site over HTTP, as a visitor's browser would.

Starting from the home page, the 404 page and every URL in sitemap.xml (or in the parts it lists), it fetches each
internal page once, reads every `href`, `src` and `srcset`, and reports links whose target does not answer 200,
fragments (`#id`) that do not exist on their page, links that leave the base path, and executable URL schemes.
Other hosts are not contacted.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from .markup import is_safe_url

_LINK_ATTRIBUTES = {"href", "src", "poster", "data"}


@dataclass(frozen=True, slots=True, order=True)
class BrokenLink:
    page: str  # the site path of the page holding the link
    link: str  # the link as written
    reason: str


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name") and (name == "id" or tag == "a"):
                self.ids.add(value)
            elif name in _LINK_ATTRIBUTES:
                self.links.append(value)
            elif name == "srcset":
                self.links += [part.strip().split()[0] for part in value.split(",") if part.strip()]


@dataclass
class _Fetched:
    status: int
    html: _PageParser | None
    content_type: str


def _fetch(url: str) -> _Fetched:
    request = urllib.request.Request(url, headers={"User-Agent": "research-portfolio-linkcheck"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            kind = response.headers.get("Content-Type", "")
            body = response.read()
            parser = None
            if kind.startswith("text/html"):
                parser = _PageParser()
                parser.feed(body.decode("utf-8", "replace"))
            return _Fetched(response.status, parser, kind)
    except urllib.error.HTTPError as error:
        return _Fetched(error.code, None, "")
    except (urllib.error.URLError, OSError) as error:
        return _Fetched(0, None, str(error))


def check_links(site_url: str, public_url: str | None = None, workers: int = 8) -> tuple[int, list[BrokenLink]]:
    """Crawl the site served at `site_url` (ending in "/"); returns (pages checked, broken links).

    `public_url` is the site's own base URL: absolute links to it (canonical, sitemap) count as internal.
    """
    base = urlsplit(site_url)
    public = urlsplit(public_url) if public_url else None

    def to_local(url: str) -> str | None:
        """The URL on the served site, or None for another site's URL."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return None
        if parts.netloc == base.netloc:
            return url
        if public and parts.netloc == public.netloc and parts.path.startswith(public.path or "/"):
            return base._replace(path=base.path + parts.path[len(public.path or "/"):], query=parts.query,
                                 fragment=parts.fragment).geturl()
        return None

    fetched: dict[str, _Fetched] = {}
    broken: set[BrokenLink] = set()
    queue = [site_url, urljoin(site_url, "404.html")]  # the 404 page is shown at any depth: its links too
    sitemaps = [urljoin(site_url, "sitemap.xml")]  # and the parts it lists, when it is an index
    for sitemap_url in sitemaps:
        if _fetch(sitemap_url).status != 200:
            if sitemap_url != sitemaps[0]:
                broken.add(BrokenLink("sitemap.xml", sitemap_url, "a part of the sitemap is missing"))
            continue
        with urllib.request.urlopen(sitemap_url, timeout=30) as response:
            text = response.read().decode()
        for loc in re.findall(r"<loc>([^<]+)</loc>", text):
            local = to_local(loc.strip())
            if local is None:
                broken.add(BrokenLink(sitemap_url[len(site_url):], loc, "not on this site"))
            elif "<sitemapindex" in text:
                sitemaps.append(local)
            else:
                queue.append(local)
    pending_links: list[tuple[str, str, str]] = []  # (page url, link as written, absolute target)
    with ThreadPoolExecutor(workers) as pool:
        while queue:
            batch = sorted({urldefrag(url)[0] for url in queue} - fetched.keys())
            queue = []
            for url, result in zip(batch, pool.map(_fetch, batch)):
                fetched[url] = result
                if result.html is None:
                    continue
                for link in result.html.links:
                    if not is_safe_url(link):
                        broken.add(BrokenLink(_site_path(url, base.path), link, "executable URL scheme"))
                        continue
                    target = to_local(urljoin(url, link))
                    if target is None:
                        continue
                    pending_links.append((url, link, target))
                    if urldefrag(target)[0] not in fetched:
                        queue.append(target)
    for page, link, target in pending_links:
        where = _site_path(page, base.path)
        address, fragment = urldefrag(target)
        if not urlsplit(address).path.startswith(base.path):
            broken.add(BrokenLink(where, link, "outside the site's base path"))
            continue
        target_page = fetched.get(address)
        if target_page is None or target_page.status != 200:
            status = target_page.status if target_page else "not fetched"
            broken.add(BrokenLink(where, link, f"HTTP {status}"))
        elif fragment and target_page.html is not None and unquote(fragment) not in target_page.html.ids:
            broken.add(BrokenLink(where, link, f"no element with id '{unquote(fragment)}' on that page"))
    pages = sum(1 for result in fetched.values() if result.html is not None)
    return pages, sorted(broken)


def _site_path(url: str, base_path: str) -> str:
    path = urlsplit(url).path
    return path.removeprefix(base_path)
