"""Pages people explore, checked on the built example site: charts, co-authors, related papers, search index."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

import pytest
from conftest import AKIBA_SEED, XHTML, find_all, parse_html, text_of

from generator.context import _related
from generator.explore import coauthors
from generator.project import Project
from generator.readers.profile import parse_profile
from generator.search import terms, tokenize

SVG = "{http://www.w3.org/2000/svg}"


def svg_charts(page: Path) -> list[ElementTree.Element]:
    """Every inline <svg> of a page, parsed as XML on its own (as an SVG file would be)."""
    html = page.read_text()
    charts = []
    for piece in html.split("<svg")[1:]:
        source = "<svg" + piece.split("</svg>")[0] + "</svg>"
        charts.append(ElementTree.fromstring(source.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)))
    return charts


def bars(chart: ElementTree.Element) -> list[dict[str, str]]:
    return [dict(rect.attrib) for rect in chart.iter(SVG + "rect")]


def seed_papers():  # type: ignore[no-untyped-def]
    return parse_profile(AKIBA_SEED.read_text("utf-8"), "seed").papers


def test_author_charts_are_valid_svg_whose_bars_match_the_content(built_example: Path) -> None:
    page = built_example / "authors/takuya-akiba/index.html"
    charts = svg_charts(page)
    years, categories = charts[0], charts[1]
    for chart in (years, categories):
        assert chart.get("role") == "img" and chart.find(SVG + "title") is not None
        assert chart.find(SVG + "desc") is not None
    expected = Counter((p.date.year, p.category.split(".")[-1]) for p in seed_papers())
    drawn = Counter({(int(b["data-year"]), b["data-series"]): int(b["data-value"]) for b in bars(years)})
    assert drawn == expected
    per_category = Counter(p.category.split(".")[-1] for p in seed_papers())
    assert {b["data-series"]: int(b["data-value"]) for b in bars(categories)} == per_category
    assert years.find(SVG + "desc").text.startswith("Papers per year: 2017: 2, 2018: 5, 2019: 3, 2020: 0")
    table = find_all(parse_html(page), "details", "chart-data")[0]
    assert "2018" in text_of(table) and "CV" in text_of(table)  # the numbers are also given as a table


def test_index_has_a_site_chart_and_a_spark_per_author(built_example: Path) -> None:
    page = built_example / "index.html"
    charts = svg_charts(page)
    sparks = [chart for chart in charts if "spark" in (chart.get("class") or "")]
    assert len(sparks) == 2
    akiba = {int(b["data-year"]): int(b["data-value"]) for b in bars(sparks[0])}
    assert akiba == dict(Counter(p.date.year for p in seed_papers()))
    assert "Papers per year" in sparks[0].get("aria-label")
    site_chart = next(chart for chart in charts if "stacked" in (chart.get("class") or ""))
    assert sum(int(b["data-value"]) for b in bars(site_chart)) == 22


def test_coauthor_counts_match_the_content(built_example: Path) -> None:
    tree = parse_html(built_example / "authors/takuya-akiba/index.html")
    listed = {}
    for item in find_all(tree, "ul", "coauthors")[0]:
        words = text_of(item).split()  # "Shuji Suzuki 3 papers"
        listed[" ".join(words[:-2])] = int(words[-2])
    expected = Counter(name for paper in seed_papers() for name in paper.authors if name != "Takuya Akiba")
    assert listed == dict(expected)
    assert listed["Shuji Suzuki"] == 3 and listed["Yusuke Niitani"] == 3


def test_paper_pages_point_to_more_by_the_authors_and_related_papers(built_example: Path) -> None:
    tree = parse_html(built_example / "papers/shakedrop-regularization-for-deep-residual-learning/index.html")
    sections = {text_of(s.find(XHTML + "h2")): s for s in tree.iter(XHTML + "section") if s.find(XHTML + "h2") is not None}
    more = [text_of(a) for a in sections["More by these authors"].iter(XHTML + "a")]
    assert more[0].startswith("DiffusionBlocks") and len(more) == 5  # Takuya Akiba's newest papers
    related = [text_of(a) for a in sections["Related in Computer Vision and Pattern Recognition"].iter(XHTML + "a")]
    assert related and not set(related) & set(more)
    assert "ShakeDrop Regularization for Deep Residual Learning" not in more + related


def test_search_index_finds_papers_and_authors(built_example: Path) -> None:
    search = built_example / "search"
    manifest = json.loads((search / "index.json").read_text())
    docs = json.loads((search / "docs-0.json").read_text())
    assert manifest["documents"] == len(docs) == 24
    shard = json.loads((search / "terms" / b"up".hex()).with_suffix(".json").read_text())
    number = shard["upcycling"][0]
    assert docs[number][2].startswith("Drop-Upcycling") and docs[number][1] == "papers/drop-upcycling-training-sparse-mixture-of-experts/"
    assert shard["upcycling"][1] & 1  # found in the title
    akiba = json.loads((search / "terms" / b"ak".hex()).with_suffix(".json").read_text())["akiba"]
    found = [docs[sum(akiba[0:i + 1:2])][2] for i in range(0, len(akiba), 2)]
    assert "Takuya Akiba" in found and len(found) == 17  # his page and all 16 of his papers


def test_tokens_ignore_case_accents_and_stop_words() -> None:
    assert tokenize("The Über-Model of Zoë's μP, a 2nd try") == ["uber", "model", "zoe", "μp", "2nd", "try"]


@pytest.mark.parametrize("text", [
    "The Über-Model of Zoë's μP, a 2nd try",
    "Plain ASCII: snake_case, x-ray, O(n^2) in 3 steps; e.g. GPT-4o\tand\x1fLLMs\x00(2024)!",
    "A B C d 1 2 __ -- ab AB Ab",
    "",
])
def test_an_indexed_documents_terms_are_the_words_a_query_is_split_into(text: str) -> None:
    assert terms(text) == set(tokenize(text))


def test_sorting_script_stays_small() -> None:
    script = Path(__file__).resolve().parent.parent / "templates" / "static" / "site.js"
    assert len(script.read_bytes()) < 8 * 1024


def test_co_authors_and_related_papers_follow_each_new_site_of_a_project(example_project: Path) -> None:
    """A page's inputs and its context share one answer per record (explore.remember_last); a site linked after
    an edit must get its own, also for the record asked about last."""
    project = Project(example_project)
    project.refresh()
    before = project.site()
    names_before = {person.name for person in coauthors(before, "takuya-akiba")[0]}
    related_before = _related(before, "shakedrop-regularization-for-deep-residual-learning")
    paper = example_project / "content/papers/drop-upcycling-training-sparse-mixture-of-experts.md"
    paper.write_text(paper.read_text("utf-8").replace("- Kazuki Fujii\n", "- Kazuki Fujii\n- Zed Newcomer\n"), "utf-8")
    project.refresh()
    after = project.site()
    assert {person.name for person in coauthors(after, "takuya-akiba")[0]} == names_before | {"Zed Newcomer"}
    assert {person.name for person in coauthors(before, "takuya-akiba")[0]} == names_before
    paper.write_text(paper.read_text("utf-8").replace("date: 2025-02-26", "date: 2001-02-26"), "utf-8")
    project.refresh()
    older = project.site()  # no longer among the newest papers of its authors
    assert _related(before, "shakedrop-regularization-for-deep-residual-learning") == related_before
    assert "drop-upcycling-training-sparse-mixture-of-experts" in sum(related_before, ())
    assert "drop-upcycling-training-sparse-mixture-of-experts" not in sum(
        _related(older, "shakedrop-regularization-for-deep-residual-learning"), ())
