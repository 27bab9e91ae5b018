"""Live reload in real Chromium (Debian's, driven by Playwright): edits show up without touching the page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from serving import ServeProcess

from generator.search import shard_name, tokenize

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
PAPER = "content/papers/taid-temporally-adaptive-interpolated-distillation.md"
PAPER_URL = "papers/taid-temporally-adaptive-interpolated-distillation/"


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    playwright_api = pytest.importorskip("playwright.sync_api")
    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: apt-get install chromium (tests/run does it)"
    with playwright_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def served(example_project: Path) -> Iterator[ServeProcess]:
    process = ServeProcess(example_project)
    yield process
    process.stop()


def test_page_follows_edits_and_shows_build_errors_until_fixed(browser, served: ServeProcess) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    page.goto(served.url + PAPER_URL)
    heading = page.locator("main h1")
    assert heading.inner_text().startswith("TAID: Temporally Adaptive")
    page.wait_for_selector("html[data-portfolio-live=connected]", state="attached", timeout=10_000)

    paper = served.project / PAPER
    original = paper.read_text()
    paper.write_text(original.replace("title: 'TAID: Temporally", "title: 'TAID, revised: Temporally"))
    page.wait_for_function("() => document.querySelector('main h1').textContent.startsWith('TAID, revised')",
                           timeout=15_000)

    paper.write_text(original.replace("category: cs.LG", "category: [cs.LG"))
    overlay = page.locator("#portfolio-error-overlay")
    overlay.wait_for(state="visible", timeout=15_000)
    assert "taid-temporally-adaptive-interpolated-distillation.md:10: YAML syntax error" in overlay.inner_text()
    assert page.locator("main h1").inner_text().startswith("TAID, revised")  # the last good page stays

    paper.write_text(original)
    overlay.wait_for(state="detached", timeout=15_000)
    page.wait_for_function("() => document.querySelector('main h1').textContent.startsWith('TAID: Temporally')",
                           timeout=15_000)
    page.close()


def test_pages_opened_while_the_build_is_broken_show_the_overlay(browser, served: ServeProcess) -> None:  # type: ignore[no-untyped-def]
    paper = served.project / PAPER
    paper.write_text(paper.read_text().replace("title:", "titel:"))
    served.wait_for("build failed")
    page = browser.new_page()
    page.goto(served.url)
    overlay = page.locator("#portfolio-error-overlay")
    overlay.wait_for(state="visible", timeout=15_000)
    assert "missing required field 'title'" in overlay.inner_text()
    page.close()


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The example site built and served as it is (no preview script), under its /research-portfolio/ path."""
    from conftest import REPO, run_portfolio

    from generator.serve import serving
    project = tmp_path_factory.mktemp("explore") / "project"
    import shutil
    shutil.copytree(REPO / "content", project / "content")
    assert run_portfolio("build", "--source", str(project)).returncode == 0
    with serving(project / "site", "https://example.github.io/research-portfolio/") as url:
        yield url


def visible_titles(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator("[data-paper-list] article.paper:not([hidden]) .paper-title").all_inner_texts()


def test_author_page_sorts_and_filters_and_keeps_the_state_in_the_url(browser, published: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(published + "authors/takuya-akiba/")
    assert visible_titles(page)[0].startswith("Wider or Deeper?")  # the profile's own order first
    page.select_option("select[name=sort]", "newest")
    assert visible_titles(page)[0].startswith("DiffusionBlocks")  # June 17, 2025
    assert page.url.endswith("?sort=newest")
    page.select_option("select[name=cat]", "CV")
    titles = visible_titles(page)
    assert len(titles) == 5 and titles[0].startswith("Team PFDet")
    assert page.locator("form[data-paper-controls] output").inner_text() == "Showing 5 of 16 papers"
    shared = page.url
    assert "sort=newest" in shared and "cat=CV" in shared
    again = browser.new_page()
    again.goto(shared)
    assert visible_titles(again) == titles
    assert again.locator("select[name=sort]").input_value() == "newest"
    assert again.locator("select[name=cat]").input_value() == "CV"
    page.select_option("select[name=year]", "2018")
    assert len(visible_titles(page)) == 4
    assert all(url.startswith(published.split("/research-portfolio/")[0]) for url in requests)  # no other hosts
    page.close()
    again.close()


def test_without_javascript_the_page_shows_every_paper_in_profile_order(browser, published: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(published + "authors/takuya-akiba/?sort=newest&cat=CV")
    titles = visible_titles(page)
    assert len(titles) == 16 and titles[0].startswith("Wider or Deeper?")
    assert not page.locator("form[data-paper-controls]").is_visible()
    context.close()


def test_search_finds_a_paper_and_its_link_opens_it(browser, published: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(published + "categories/cs.cv/")
    page.fill("#site-search", "upcycling")
    first = page.locator("[data-search-results] li a").first
    first.wait_for(timeout=10_000)
    assert first.inner_text().startswith("Drop-Upcycling")
    first.click()
    page.wait_for_url("**/papers/drop-upcycling-training-sparse-mixture-of-experts/")
    assert page.locator("main h1").inner_text().startswith("Drop-Upcycling")
    page.goto(published + "search/?q=akiba+distributed")
    page.locator(".search-page [data-search-results] li a").first.wait_for(timeout=10_000)
    found = page.locator(".search-page [data-search-results] li a").all_inner_texts()
    assert "ChainerMN: Scalable Distributed Deep Learning Framework" in found
    assert all(url.startswith(published.split("/research-portfolio/")[0]) for url in requests)
    page.close()


QUERIES = ["The Über-Model of Zoë's μP, a 2nd try", "हिन्दी भाषा मॉडल", "𠀀 𠀀𠀁 a𠀀 ab 😀x", "İstanbul ΣΊΣΥΦΟΣ ß ﬁne",
           "日本語の研究 한국어", "snake_case x-ray GPT-4o", "ǅemal Ⅻ ①② ٣٤ ๑๒", "the of and AN", "", "naïve café"]


def test_the_browser_splits_queries_into_the_words_and_shards_the_index_was_made_of(browser) -> None:  # type: ignore[no-untyped-def]
    """search.js's own tokenizer, run in Chromium on text of many scripts, against the generator's."""
    script = (Path(__file__).resolve().parent.parent / "templates/static/search.js").read_text("utf-8")
    parts = [re.search(pattern, script, re.DOTALL) for pattern in (
        r"const STOP = .*?;\n", r"function tokenize\(text\) \{.*?\n  \}\n", r"function hex\(text\) \{.*?\n  \}\n",
        r"function shardOf\(word\) \{.*?\n  \}\n")]
    assert all(parts), "search.js no longer has the functions this test runs"
    page = browser.new_page()
    found = page.evaluate("(texts) => {" + "".join(part.group(0) for part in parts if part)
                          + "return texts.map((text) => tokenize(text).map((word) => [word, shardOf(word)])); }",
                          QUERIES)
    page.close()
    assert found == [[[word, shard_name(word[:2])] for word in tokenize(text)] for text in QUERIES]
