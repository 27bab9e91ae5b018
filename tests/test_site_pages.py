"""Free pages, news, pictures and files: what a whole portfolio site needs besides lists of papers."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import feedparser
import pytest
from conftest import XHTML, find_all, parse_html, run_portfolio, text_of, write_files
from PIL import Image

SITE = """\
title: Lab
base_url: https://lab.example.org/
nav:
  - title: About us
    target: pages/about.md
  - title: Papers
    target: papers/
  - title: Ada
    target: authors/ada.yaml
  - title: Elsewhere
    target: https://example.org/
"""
AUTHOR = """\
name: Ada Lovelace
photo:
  src: images/ada.png
  alt: Portrait of Ada
papers:
- engine
"""
PAPER = """\
---
title: Notes on the Engine
authors: [Ada Lovelace]
date: 2026-02-01
pdf: files/engine.pdf
teaser:
  src: images/figure.jpg
  alt: The mill and the store of the engine
---
We compute $x^2$ by repeated addition.
"""
ABOUT = """\
---
title: About the lab
nav: 1
---
We wrote [the notes](papers/engine.md), led by [Ada](authors/ada.yaml); see [robots](projects/robots.md).

## Members

| Name | Role |
|---|---|
| Ada | Lead |

## Methods

Squares such as $x^2$ and a footnote.[^1]

```python
def square(x):
    return x * x
```

[^1]: The footnote text.
"""
FILES = {
    "content/site.yaml": SITE,
    "content/authors/ada.yaml": AUTHOR,
    "content/papers/engine.md": PAPER,
    "content/pages/about.md": ABOUT,
    "content/pages/projects/robots.md": "---\ntitle: Robots\n---\nA project page, [back](../about.md).\n",
    "content/news/2026-01-05-grant.md": "---\ntitle: We got a grant\ndate: 2026-01-05\n---\nFunding.\n",
    "content/news/2026-03-01-paper.md": "---\ntitle: New notes\ndate: 2026-03-01\n---\n"
                                        "Read [the notes](../papers/engine.md).\n",
}


def picture_bytes(size: tuple[int, int], kind: str) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, (40, 90, 200)).save(out, kind)
    return out.getvalue()


def make_project(root: Path) -> Path:
    write_files(root, FILES)
    (root / "content/images").mkdir(parents=True)
    (root / "content/images/ada.png").write_bytes(picture_bytes((600, 600), "PNG"))
    (root / "content/images/figure.jpg").write_bytes(picture_bytes((2000, 1000), "JPEG"))
    (root / "content/files").mkdir()
    (root / "content/files/engine.pdf").write_bytes(b"%PDF-1.4\n% the notes\n")
    return root


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = make_project(tmp_path_factory.mktemp("lab") / "project")
    result = run_portfolio("build", "--source", str(project))
    assert result.returncode == 0, result.stderr
    return project / "site"


def nav_links(page: Path) -> list[tuple[str, str, str | None]]:
    tree = parse_html(page)
    nav = next(n for n in tree.iter(XHTML + "nav") if n.get("aria-label") == "Site")
    return [(text_of(a), a.get("href"), a.get("aria-current")) for a in nav.iter(XHTML + "a")]


def resolves(site: Path, href: str) -> bool:
    path = href.split("#")[0]
    assert path.startswith("/"), href
    target = site / path.lstrip("/")
    return (target / "index.html").is_file() if path.endswith("/") else target.is_file()


def test_pages_live_at_their_paths_with_the_navigation_from_site_yaml(lab: Path) -> None:
    assert nav_links(lab / "about/index.html") == [
        ("About us", "/about/", "page"), ("Papers", "/papers/", None), ("Ada", "/authors/ada/", None),
        ("Elsewhere", "https://example.org/", None)]
    assert [current for _, _, current in nav_links(lab / "authors/ada/index.html")] == [None, None, "page", None]
    assert (lab / "projects/robots/index.html").is_file()
    for _, href, _ in nav_links(lab / "index.html")[:3]:
        assert resolves(lab, href), href


def test_links_by_source_path_become_urls_that_resolve(lab: Path) -> None:
    about = parse_html(lab / "about/index.html")
    body = next(a for a in about.iter(XHTML + "article"))
    hrefs = {text_of(a): a.get("href") for a in body.iter(XHTML + "a")}
    assert hrefs["the notes"] == "/papers/engine/" and hrefs["Ada"] == "/authors/ada/"
    assert hrefs["robots"] == "/projects/robots/"
    robots = {text_of(a): a.get("href") for a in parse_html(lab / "projects/robots/index.html").iter(XHTML + "a")}
    assert robots["back"] == "/about/"
    for href in (*hrefs.values(), robots["back"]):
        if href.startswith("/"):
            assert resolves(lab, href), href


def test_markdown_extensions_on_pages(lab: Path) -> None:
    html = (lab / "about/index.html").read_text("utf-8")
    about = parse_html(lab / "about/index.html")
    headings = {h.get("id"): text_of(h) for h in about.iter(XHTML + "h2")}
    toc = next(n for n in about.iter(XHTML + "nav") if n.get("aria-label") == "On this page")
    toc_targets = [a.get("href") for a in toc.iter(XHTML + "a")]
    assert toc_targets == ["#members", "#methods"] and headings["members"].startswith("Members")
    assert find_all(about, "table") and "The footnote text." in html
    assert '<span class="k">def</span>' in html  # Pygments highlighting
    assert re.search(r"<math[^>]*>.*<msup>", html)  # $x^2$ as MathML


def test_news_newest_first_on_the_news_page_the_index_and_the_feed(lab: Path) -> None:
    titles = [text_of(h) for h in parse_html(lab / "news/index.html").iter(XHTML + "h2")]
    assert titles[:2] == ["New notes", "We got a grant"]
    index = (lab / "index.html").read_text("utf-8")
    assert index.index("New notes") < index.index("We got a grant")
    feed = feedparser.parse((lab / "feed.xml").read_bytes())
    news = [entry.title for entry in feed.entries if "/news/" in entry.link]
    assert news == ["New notes", "We got a grant"]
    notes = {text_of(a): a.get("href") for a in parse_html(lab / "news/index.html").iter(XHTML + "a")}
    assert notes["the notes"] == "/papers/engine/"


def pictures(page: Path) -> list:  # type: ignore[type-arg]
    return list(parse_html(page).iter(XHTML + "picture"))


def check_srcset(site: Path, srcset: str, expected_format: str) -> list[int]:
    """Every candidate is a file of the width it claims, in the format its type says."""
    widths = []
    for candidate in srcset.split(", "):
        url, descriptor = candidate.split(" ")
        width = int(descriptor.removesuffix("w"))
        with Image.open(site / url.lstrip("/")) as picture:
            assert (picture.width, picture.format) == (width, expected_format), url
        widths.append(width)
    return widths


def test_pictures_come_in_several_widths_as_webp_with_a_fallback(lab: Path) -> None:
    (teaser,) = [p for p in pictures(lab / "papers/engine/index.html") if p.get("class") == "teaser"]
    source, img = next(teaser.iter(XHTML + "source")), next(teaser.iter(XHTML + "img"))
    assert source.get("type") == "image/webp"
    assert check_srcset(lab, source.get("srcset"), "WEBP") == [320, 640, 960, 1440]
    assert check_srcset(lab, img.get("srcset"), "JPEG") == [320, 640, 960, 1440]
    assert (img.get("width"), img.get("height")) == ("2000", "1000") and img.get("sizes")
    assert img.get("alt") == "The mill and the store of the engine"
    assert img.get("loading") is None  # the page's main picture loads at once
    listed = [next(p.iter(XHTML + "img")) for p in pictures(lab / "papers/index.html")]
    assert listed and all(i.get("loading") == "lazy" for i in listed)
    (photo,) = [p for p in pictures(lab / "authors/ada/index.html") if p.get("class") == "profile-photo"]
    photo_img = next(photo.iter(XHTML + "img"))
    assert check_srcset(lab, photo_img.get("srcset"), "PNG") == [320, 600] and photo_img.get("alt") == "Portrait of Ada"


def test_files_are_copied_and_a_paper_links_its_pdf(lab: Path) -> None:
    assert (lab / "files/engine.pdf").read_bytes() == b"%PDF-1.4\n% the notes\n"
    links = [a.get("href") for a in parse_html(lab / "papers/engine/index.html").iter(XHTML + "a")]
    assert "/files/engine.pdf" in links


def test_pictures_are_made_once_then_come_from_the_cache(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    cache = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    first = run_portfolio("build", "--source", str(project), env=cache)
    # the teaser in 4 widths (2000 px wide) and the photo in 2 (600 px), each as WebP and JPEG/PNG
    assert first.returncode == 0 and "12 pictures resized" in first.stdout
    again = run_portfolio("build", "--source", str(project), "--output", str(tmp_path / "elsewhere"), "--clean",
                          env=cache)
    assert again.returncode == 0 and "resized" not in again.stdout
    assert (tmp_path / "elsewhere/images").is_dir()
    assert not (project / ".portfolio-cache").exists()  # the project folder gets nothing but site/


def test_broken_link_and_missing_alt_are_reported_together_and_nothing_changes(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    assert run_portfolio("build", "--source", str(project)).returncode == 0
    before = (project / "site/about/index.html").read_bytes()
    about = project / "content/pages/about.md"
    about.write_text(ABOUT.replace("projects/robots.md", "projects/robot.md"), "utf-8")
    author = project / "content/authors/ada.yaml"
    author.write_text(AUTHOR.replace("  alt: Portrait of Ada\n", ""), "utf-8")
    result = run_portfolio("build", "--source", str(project))
    assert result.returncode == 1
    assert re.search(r"content/pages/about\.md:5: .*projects/robot\.md", result.stderr), result.stderr
    assert re.search(r"content/authors/ada\.yaml:2: 'photo' has no alt text", result.stderr), result.stderr
    assert "Traceback" not in result.stderr
    assert (project / "site/about/index.html").read_bytes() == before
