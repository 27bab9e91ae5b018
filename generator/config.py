"""The site's own settings, from `content/site.yaml`."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from .errors import ContentError, quoted
from .model import Link, NavItem, Reference, SiteConfig
from .readers.fields import Fields
from .readers.yamldoc import YamlDoc, normalize_text, parse_yaml

_LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_URL_PATH = re.compile(r"^[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$")  # RFC 3986 path characters: no spaces or quotes
_HOST_PORT = re.compile(r"^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$")


def normalize_base_url(url: str) -> str | None:
    """`https://user.github.io/repo` -> `https://user.github.io/repo/`; a bare path like `/` is kept.

    None when the value is neither an http(s) URL nor an absolute path.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:  # such as an unclosed IPv6 bracket
        return None
    if not _URL_PATH.match(parts.path) or (parts.netloc and not _HOST_PORT.match(parts.netloc)):
        return None  # every link on every page starts with it: it must need no escaping
    if parts.scheme in ("http", "https") and parts.netloc and not parts.query and not parts.fragment:
        return url if url.endswith("/") else url + "/"
    if not parts.scheme and not parts.netloc and url.startswith("/") and not parts.query and ".." not in url:
        return url if url.endswith("/") else url + "/"
    return None


def _titled_items(fields: Fields, doc: YamlDoc, name: str,
                  read_target: Callable[[Fields], str | None]) -> list[tuple[str, str, int]]:
    """(title, target, line) of each `{title, ...}` item of a list field such as `links:` or `nav:`."""
    found = []
    for index, _ in fields.text_list(name):
        item = fields.item_fields(name, index)
        title, target = item.text("title", required=True), read_target(item)
        item.finish()
        if title and target:
            found.append((title, target, doc.line(name, index)))
    return found


def _nav_target(item: Fields) -> str | None:
    """A content file, a site path or a web address: whichever it is, one that is safe in an href."""
    target = item.text("target", required=True)
    return item.check_url("target", target) if target is not None else None


def parse_site_config(text: str, src_path: str, errors: list[ContentError]) -> SiteConfig:
    doc = parse_yaml(normalize_text(text), src_path)
    fields = Fields(doc, errors)
    title = fields.text("title", required=True) or "Research Portfolio"
    description = fields.text("description") or ""
    base_url = "/"
    raw_base = fields.text("base_url")
    if raw_base is not None:
        normalized = normalize_base_url(raw_base)
        if normalized is None:
            fields.error("base_url", f"base_url {quoted(raw_base)} must be a full URL such as "
                                     "'https://user.github.io/repo/' (or a path such as '/')")
        else:
            base_url = normalized
    language = fields.text("language") or "en"
    if not _LANGUAGE_TAG.match(language):
        fields.error("language", f"language {quoted(language)} must be a language tag such as 'en' or 'ja'")
        language = "en"
    owners: list[Reference] = []
    for index, value in fields.text_list("owners"):
        owner = fields.item_text("owners", index, value)
        if owner:
            owners.append(Reference(owner, doc.line("owners", index)))
    links = [Link(title, url) for title, url, _ in _titled_items(fields, doc, "links", lambda item: item.url("url", required=True))]
    cname = fields.text("cname")
    if cname is not None and not _HOSTNAME.match(cname.lower()):
        fields.error("cname", f"cname {quoted(cname)} must be a bare host name such as 'www.example.org'")
        cname = None
    elif cname is not None and urlsplit(base_url).netloc.lower() != cname.lower():
        fields.error("cname", f"with the custom domain {quoted(cname)}, GitHub Pages serves the site at its root: set "
                              f"base_url: https://{cname.lower()}/")
    nav = [NavItem(*entry) for entry in _titled_items(fields, doc, "nav", _nav_target)]
    latest = fields.number("latest_papers", integer=True, minimum=0)
    citation_files = fields.flag("citation_files") if fields.has("citation_files") else True
    fields.finish()
    return SiteConfig(
        title=title, description=description, base_url=base_url, language=language, owners=tuple(owners),
        links=tuple(links), cname=cname.lower() if cname else None,
        latest_papers=10 if latest is None else latest, citation_files=citation_files, nav=tuple(nav),
    )
