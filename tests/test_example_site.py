"""The shipped example site shows every fact of both seed profiles, with working links and rendered math."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import AKIBA_SEED, ISHIKAWA_SEED, XHTML, find_all, parse_html, text_of

from generator.markup import plain_text
from generator.readers.profile import parse_profile

BASE_PATH = "/research-portfolio/"


def seed(path: Path):  # type: ignore[no-untyped-def]
    return parse_profile(path.read_text("utf-8"), str(path))


def author_page(site: Path, slug: str):  # type: ignore[no-untyped-def]
    return parse_html(site / "authors" / slug / "index.html")


@pytest.mark.parametrize("seed_path, slug", [(AKIBA_SEED, "takuya-akiba"), (ISHIKAWA_SEED, "satoki-ishikawa")])
def test_author_page_shows_the_profile_header(built_example: Path, seed_path: Path, slug: str) -> None:
    profile = seed(seed_path)
    tree = author_page(built_example, slug)
    assert text_of(find_all(tree, "h1")[0]) == profile.name
    metrics = {text_of(div.find(XHTML + "dt")): text_of(div.find(XHTML + "dd"))
               for div in find_all(tree, "dl", "metrics")[0]}
    assert metrics["h-index"] == str(profile.h_index)
    assert metrics["papers"] == str(profile.paper_count) == str(len(profile.papers))
    assert metrics["citations"] == f"{profile.citations:,}"
    assert metrics["novelty"] == f"{profile.novelty:g}%"
    assert metrics["AI score"] == f"{profile.ai_score:g}"
    assert profile.category.split(".")[-1] in text_of(find_all(tree, "p", "author-category")[0])


@pytest.mark.parametrize("seed_path, slug", [(AKIBA_SEED, "takuya-akiba"), (ISHIKAWA_SEED, "satoki-ishikawa")])
def test_author_page_lists_every_paper_in_profile_order_with_all_its_facts(
        built_example: Path, seed_path: Path, slug: str) -> None:
    profile = seed(seed_path)
    items = find_all(author_page(built_example, slug), "article", "paper")
    assert len(items) == len(profile.papers)
    for item, paper in zip(items, profile.papers):
        title = text_of(find_all(item, "h3")[0])
        assert title == plain_text(paper.title)
        scores = find_all(item, "span", "score")
        assert [text_of(s) for s in scores] == ([f"{paper.score:g}"] if paper.score is not None else [])
        assert text_of(find_all(item, "a", "category")[0]) == paper.category.split(".")[-1]
        time = find_all(item, "time")[0]
        assert text_of(time) == paper.date.display() and time.get("datetime") == paper.date.iso()
        assert bool(find_all(item, "a", "code") + find_all(item, "span", "code")) == paper.has_code
        authors = text_of(find_all(item, "p", "authors")[0])
        expected = ", ".join(paper.authors) + (" et al." if paper.et_al else "")
        assert authors.startswith(expected)
        abstract = text_of(find_all(item, "details", "abstract")[0]).removeprefix("Abstract ")
        assert _words(abstract) == _words(plain_text(paper.abstract))


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def test_code_urls_named_in_abstracts_become_the_code_link(built_example: Path) -> None:
    codes = {a.get("href") for a in find_all(author_page(built_example, "takuya-akiba"), "a", "code")}
    assert "https://github.com/SakanaAI/treequest" in codes
    codes = {a.get("href") for a in find_all(author_page(built_example, "satoki-ishikawa"), "a", "code")}
    assert codes == {"https://github.com/rioyokotalab/optimal-sparsity"}


def test_every_seed_paper_has_one_page(built_example: Path) -> None:
    titles = [p.title for s in (AKIBA_SEED, ISHIKAWA_SEED) for p in seed(s).papers]
    pages = sorted((built_example / "papers").glob("*/index.html"))
    assert len(pages) == len(titles) == 22
    page_titles = {text_of(find_all(parse_html(p), "h1")[0]) for p in pages}
    assert page_titles == {plain_text(t) for t in titles}


def test_paper_page_links_authors_including_those_hidden_behind_et_al(built_example: Path) -> None:
    tree = parse_html(built_example / "papers" / "wider-or-deeper-scaling-llm-inference-time-compute" / "index.html")
    line = find_all(tree, "p", "authors")[0]
    assert text_of(line).startswith("Yuichi Inoue, Kou Misaki, Yuki Imajuku et al.")
    links = {text_of(a): a.get("href") for a in line.iter(XHTML + "a")}
    assert links == {"Takuya Akiba": f"{BASE_PATH}authors/takuya-akiba/"}
    facts = text_of(find_all(tree, "dl", "facts")[0])
    assert "Artificial Intelligence (cs.AI)" in facts and "31.3" in facts and "Mar 6, 2025" in facts
    bibtex = text_of(tree.find(f".//{XHTML}code[@id='bibtex-entry']"))
    assert bibtex.startswith("@misc{inoue2025wider,") and "Yuichi Inoue and Kou Misaki and Yuki Imajuku and others" in bibtex


def test_named_site_authors_are_linked_on_paper_pages(built_example: Path) -> None:
    tree = parse_html(built_example / "papers" / "drop-upcycling-training-sparse-mixture-of-experts" / "index.html")
    links = {text_of(a): a.get("href") for a in find_all(tree, "p", "authors")[0].iter(XHTML + "a")}
    assert links == {"Takuya Akiba": f"{BASE_PATH}authors/takuya-akiba/"}


def test_latex_is_rendered_at_build_time(built_example: Path) -> None:
    taid = (built_example / "papers" / "taid-temporally-adaptive-interpolated-distillation" / "index.html").read_text()
    assert "<em>Temporally Adaptive Interpolated Distillation (TAID)</em>" in taid
    assert "<code>TAID-LLM-1.5B</code>" in taid
    local = (built_example / "papers" / "local-loss-optimization-in-the-infinite-width-stable" / "index.html").read_text()
    assert local.count('<math alttext="μ"') == 4 and "<mi>μ</mi>" in local
    sparsity = (built_example / "papers" / "optimal-sparsity-of-mixture-of-experts-language-models" / "index.html")
    assert "top-<math" in sparsity.read_text()
    for page in built_example.rglob("*.html"):
        visible = text_of(parse_html(page).find(f".//{XHTML}body"))
        assert "$" not in visible and "\\text" not in visible, page


def test_category_pages_list_their_papers(built_example: Path) -> None:
    tree = parse_html(built_example / "categories" / "cs.cv" / "index.html")
    assert "Computer Vision and Pattern Recognition" in text_of(find_all(tree, "h1")[0])
    assert len(find_all(tree, "article", "paper")) == 5
    listing = text_of(parse_html(built_example / "categories" / "index.html").find(f".//{XHTML}main"))
    assert "Machine Learning 11 papers" in listing


def test_index_shows_authors_with_metrics_and_latest_papers(built_example: Path) -> None:
    tree = parse_html(built_example / "index.html")
    cards = find_all(tree, "article", "author-card")
    assert [text_of(find_all(c, "h3")[0]) for c in cards] == ["Takuya Akiba", "Satoki Ishikawa"]
    assert "1,355" in text_of(cards[0]) and "16" in text_of(cards[0])
    latest = [text_of(find_all(p, "h3")[0]) for p in find_all(tree, "article", "paper")]
    assert latest[0].startswith("Optimal Sparsity of Mixture-of-Experts")  # Aug 26, 2025: the newest
    assert len(latest) == 10


def test_every_internal_link_resolves_to_a_file(built_example: Path) -> None:
    broken = []
    for page in built_example.rglob("*.html"):
        tree = parse_html(page)
        for element in tree.iter():
            for attribute in ("href", "src"):
                url = element.get(attribute)
                if url is None or url.startswith("#") or urlsplit(url).scheme in ("http", "https", "mailto"):
                    continue
                path = unquote(urlsplit(url).path)
                assert path.startswith(BASE_PATH), (page, url)
                target = built_example / path[len(BASE_PATH):]
                if path.endswith("/"):
                    target = target / "index.html"
                if not target.is_file():
                    broken.append((str(page.relative_to(built_example)), url))
    assert broken == []


def test_pages_make_no_requests_to_other_hosts(built_example: Path) -> None:
    for page in built_example.rglob("*.html"):
        tree = parse_html(page)
        for element in tree.iter():
            if element.tag in (XHTML + "script", XHTML + "img", XHTML + "link", XHTML + "iframe"):
                url = element.get("src") or element.get("href") or ""
                if element.get("rel") == "canonical":
                    continue
                assert not urlsplit(url).netloc, (page, url)
    css = (built_example / "static" / "style.css").read_text()
    assert "url(" not in css and "@import" not in css


def test_not_found_page_uses_links_that_work_at_any_depth(built_example: Path) -> None:
    tree = parse_html(built_example / "404.html")
    hrefs = [a.get("href") for a in tree.iter(XHTML + "a")]
    assert hrefs and all(h.startswith((BASE_PATH, "#", "https://")) for h in hrefs)
