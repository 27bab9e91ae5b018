"""Live reload in real Chromium (Debian's, driven by Playwright): edits show up without touching the page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from serving import ServeProcess

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
