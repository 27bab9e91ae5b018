"""Scholarly data in and out: BibTeX and arXiv import, citation files, Scholar tags, JSON-LD, Atom feeds."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import feedparser
import pytest
from conftest import REPO, TESTDATA, XHTML, find_all, parse_html, run_portfolio, text_of, write_files
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.citations import indented_json

DATA = Path(__file__).resolve().parent / "data"
SITE = "title: Lab\nbase_url: https://lab.example.org/\n"


def imported(project: Path, kind: str, *files: Path | str, extra: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    return run_portfolio("import", kind, "--source", str(project), *map(str, files), *extra)


def build(project: Path) -> Path:
    result = run_portfolio("build", "--source", str(project))
    assert result.returncode == 0, result.stderr
    return project / "site"


def paper_page(site: Path, slug: str):  # type: ignore[no-untyped-def]
    return parse_html(site / "papers" / slug / "index.html")


def facts(tree) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {text_of(div.find(XHTML + "dt")): text_of(div.find(XHTML + "dd")) for div in find_all(tree, "dl", "facts")[0]}


def meta(tree, name: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.get("content") for m in tree.iter(XHTML + "meta") if m.get("name") == name or m.get("property") == name]


def links(tree) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {text_of(a): a.get("href") for a in find_all(tree, "a", "button")}


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    write_files(tmp_path, {"content/site.yaml": SITE})
    return tmp_path


def test_bibtex_quirks_are_decoded_and_every_field_reaches_the_pages(scratch: Path) -> None:
    result = imported(scratch, "bibtex", DATA / "quirks.bib")
    assert result.returncode == 1 and "Traceback" not in result.stderr  # 1: some entries were skipped
    assert "quirks.bib:33: entry 'broken' is malformed" in result.stderr
    assert "quirks.bib:39: entry 'no-title' is missing a title; it was skipped" in result.stderr
    assert "4 files changed" in result.stdout
    site = build(scratch)

    accents = paper_page(site, "bert-style-pre-training-a-study-of-eleve-models")
    assert text_of(find_all(accents, "h1")[0]) == "BERT-style Pre-training – a Study of Élève Models"
    assert text_of(find_all(accents, "p", "authors")[0]) == \
        "Jörg Müller, René Café, Juan de la Fuente Jr., Ol'ga Ivanova et al."
    assert facts(accents) | {} == {"Published": "Sep 2021", "Venue": "Journal of Machine Learning Research",
                                   "Type": "Journal article", "Volume": "22", "Pages": "1–48"}

    concat = paper_page(site, "notes-on-the-analytical-engine")
    assert facts(concat)["Venue"] == "Proceedings of the Royal Society"  # @string # "text"
    assert facts(concat)["Published"] == "Oct 10, 1843"  # month = "10~" # oct

    dated = paper_page(site, "compilers-with-o-n-log-n-passes")
    assert facts(dated)["Published"] == "May 14, 1952"  # biblatex date
    assert facts(dated)["Category"] == "Programming Languages (cs.PL)"
    assert links(dated)["arXiv"] == "https://arxiv.org/abs/1905.00001"
    assert '<h1>Compilers with <math alttext="O(n \\log n)"' in \
        (site / "papers/compilers-with-o-n-log-n-passes/index.html").read_text()

    report = paper_page(site, "proposed-electronic-calculator")
    assert facts(report)["Institution"] == "National Physical Laboratory" and facts(report)["Number"] == "NPL-1"
    assert facts(report)["Type"] == "Technical report"


@pytest.mark.parametrize("name, papers, skipped", [
    ("hugoblox-afc-article.bib", 1, 0), ("hugoblox-afc-book.bib", 2, 0), ("hugoblox-afc-report.bib", 2, 0),
    ("hugoblox-afc-thesis.bib", 3, 0), ("pybtex-cyrillic.bib", 5, 0), ("xampl-pybtex.bib", 28, 8),
])
def test_real_bibtex_files_import_and_build(scratch: Path, name: str, papers: int, skipped: int) -> None:
    result = imported(scratch, "bibtex", TESTDATA / name)
    assert result.returncode == (1 if skipped else 0), result.stderr
    assert len(list((scratch / "content/papers").glob("*.md"))) <= papers
    assert len(re.findall(r"entry '[^']+' .*; it was skipped", result.stderr)) == skipped
    site = build(scratch)
    titles = {text_of(find_all(parse_html(p), "h1")[0]) for p in (site / "papers").glob("*/index.html")}
    assert titles  # every imported paper has a page
    if name == "pybtex-cyrillic.bib":
        assert "Методы вычисления физико-химических величин и прикладные расчёты" in titles
        booklet = paper_page(site, "just-a-booklet")
        assert text_of(find_all(booklet, "p", "authors")[0]) == "First Middle de Last Jr."
    if name == "hugoblox-afc-book.bib":
        book = (site / "papers/the-title-of-the-book/index.html").read_text()
        assert book.count("<p>Paragraph") == 3  # a multi-paragraph abstract keeps its paragraphs
    if name == "xampl-pybtex.bib":
        assert "Über" not in titles and any("Sorting Algorithm" in t for t in titles)


def test_exports_from_scholar_dblp_zotero_and_al_folio_merge_into_existing_papers(example_project: Path) -> None:
    before = len(list((example_project / "content/papers").glob("*.md")))
    files = [DATA / name for name in ("google-scholar.bib", "dblp.bib", "zotero.bib", "alfolio.bib")]
    result = imported(example_project, "bibtex", *files, extra=("--author", "takuya-akiba"))
    assert result.returncode == 0, result.stderr
    assert "pdf 'diffusionblocks.pdf' is not a web address" in result.stdout
    papers = sorted(p.name for p in (example_project / "content/papers").glob("*.md"))
    assert len(papers) == before + 2  # only Optuna and Einstein are new; the rest were merged
    site = build(example_project)
    optuna = paper_page(site, "optuna-a-next-generation-hyperparameter-optimization")
    assert links(optuna)["DOI"] == "https://doi.org/10.1145/3292500.3330701"
    assert facts(optuna)["Pages"] == "2623–2631" and facts(optuna)["Publisher"] == "ACM"
    taid = paper_page(site, "taid-temporally-adaptive-interpolated-distillation")
    assert links(taid)["arXiv"] == "https://arxiv.org/abs/2501.16937"
    assert facts(taid)["Score"] == "25.5"  # what the profile gave is kept
    blocks = paper_page(site, "diffusionblocks-block-wise-neural-network-training")
    assert links(blocks)["Code"] == "https://github.com/SakanaAI/DiffusionBlocks"
    assert facts(blocks)["Venue"] == "International Conference on Learning Representations"
    minibatch = paper_page(site, "extremely-large-minibatch-sgd-training-resnet-50-on-imagenet")
    assert text_of(find_all(minibatch, "h1")[0]).startswith("Extremely Large Minibatch SGD")  # its case kept
    assert links(minibatch)["arXiv"] == "https://arxiv.org/abs/1711.04325"
    akiba = (example_project / "content/authors/takuya-akiba.yaml").read_text()
    assert "- optuna-a-next-generation-hyperparameter-optimization\n" in akiba
    again = imported(example_project, "bibtex", *files, extra=("--author", "takuya-akiba"))
    assert again.returncode == 0 and "nothing to change" in again.stdout


def test_hand_edits_are_kept_and_source_updates_are_applied(scratch: Path) -> None:
    bib = scratch / "refs.bib"
    bib.write_text("@article{a, title={A Study}, author={Doe, Jane}, journal={J. Old}, pages={1--2}, year=2020}\n")
    assert imported(scratch, "bibtex", bib).returncode == 0
    paper = scratch / "content/papers/a-study.md"
    paper.write_text(paper.read_text().replace("venue: J. Old", "venue: Journal of Studies"))
    bib.write_text("@article{a, title={A Study}, author={Doe, Jane}, journal={J. New}, pages={3--4}, year=2020,"
                   " doi={10.1000/xyz}}\n")
    assert imported(scratch, "bibtex", bib).returncode == 0
    text = paper.read_text()
    assert "venue: Journal of Studies" in text  # edited by hand: kept
    assert "pages: 3–4" in text and "doi: 10.1000/xyz" in text  # untouched or missing: updated


def test_dry_run_and_unknown_author(scratch: Path) -> None:
    dry = imported(scratch, "bibtex", DATA / "dblp.bib", extra=("--dry-run",))
    assert dry.returncode == 0 and "would add content/papers/optuna-a-next-generation-hyperparameter-optimization.md" \
        in dry.stdout
    assert not (scratch / "content/papers").exists()
    unknown = imported(scratch, "bibtex", DATA / "dblp.bib", extra=("--author", "nobody"))
    assert unknown.returncode == 1 and "--author 'nobody': no such author" in unknown.stderr
    assert not (scratch / "content/papers").exists()


def test_arxiv_atom_import(scratch: Path) -> None:
    files = sorted(TESTDATA.glob("arxiv-*.xml"))
    result = imported(scratch, "arxiv", *files)
    assert result.returncode == 0, result.stderr
    assert "11 files changed" in result.stdout
    site = build(scratch)
    luttinger = paper_page(site, "a-luttinger-liquid-core-inside-helium-4-filled-nanopores")
    assert facts(luttinger)["Category"] == "Mesoscale and Nanoscale Physics (cond-mat.mes-hall)"
    assert facts(luttinger)["Venue"] == "Int. J. Mod. Phys. B, 26, 1244002 (2012)"
    assert facts(luttinger)["Note"] == "26 pages, 10 figures" and facts(luttinger)["Published"] == "Jan 23, 2012"
    assert links(luttinger) == {"arXiv": "https://arxiv.org/abs/1201.4869", "PDF": "https://arxiv.org/pdf/1201.4869v1",
                                "DOI": "https://doi.org/10.1142/S021797921244002X"}
    abstract = text_of(find_all(luttinger, "div", "abstract-text")[0])
    assert abstract.startswith("As helium-4 is cooled below 2.17 K it undergoes a phase transition to a fundamentally")
    jupiters = paper_page(site, "frequency-of-hot-jupiters-and-very-hot-jupiters")
    assert text_of(find_all(jupiters, "p", "authors")[0]) == "Andrew Gould, Susan Dorsher, B. Scott Gaudi, Andrzej Udalski"
    assert facts(jupiters)["Category"] == "Astrophysics (astro-ph)"
    assert links(jupiters)["arXiv"] == "https://arxiv.org/abs/astro-ph/0601001"
    assert "V_max<17.5" in text_of(find_all(jupiters, "div", "abstract-text")[0])  # TeX shown as written
    assert "nothing to change" in imported(scratch, "arxiv", *files).stdout


def test_malformed_arxiv_document_names_the_line(scratch: Path) -> None:
    broken = scratch / "broken.xml"
    broken.write_text('<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n<entry>\n</feed>\n')
    result = imported(scratch, "arxiv", broken)
    assert result.returncode == 1 and "broken.xml:4: not a well-formed arXiv Atom document" in result.stderr


@pytest.fixture(scope="module")
def scholarly_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example site plus imported BibTeX and arXiv papers, built once."""
    project = tmp_path_factory.mktemp("scholarly") / "project"
    shutil.copytree(REPO / "content", project / "content")
    imported(project, "bibtex", *(DATA / n for n in ("dblp.bib", "zotero.bib", "alfolio.bib", "quirks.bib")))
    imported(project, "arxiv", *sorted(TESTDATA.glob("arxiv-*.xml")))
    return build(project)


def test_every_paper_page_carries_google_scholar_tags(scholarly_site: Path) -> None:
    pages = sorted((scholarly_site / "papers").glob("*/index.html"))
    assert len(pages) > 30
    for page in pages:
        tree = parse_html(page)
        if "<h1>" in page.read_text() and "<math" not in page.read_text().split("<h1>")[1].split("</h1>")[0]:
            assert meta(tree, "citation_title") == [text_of(find_all(tree, "h1")[0])]
        assert meta(tree, "citation_author") and len(meta(tree, "citation_publication_date")) == 1
        assert re.fullmatch(r"\d{4}(/\d{2}){0,2}", meta(tree, "citation_publication_date")[0])
    optuna = paper_page(scholarly_site, "optuna-a-next-generation-hyperparameter-optimization")
    assert meta(optuna, "citation_conference_title")[0].startswith("Proceedings of the 25th ACM SIGKDD")
    assert meta(optuna, "citation_doi") == ["10.1145/3292500.3330701"]
    assert meta(optuna, "citation_author")[0] == "Takuya Akiba" and meta(optuna, "citation_firstpage") == ["2623"]
    luttinger = paper_page(scholarly_site, "a-luttinger-liquid-core-inside-helium-4-filled-nanopores")
    assert meta(luttinger, "citation_journal_title") == ["Int. J. Mod. Phys. B, 26, 1244002 (2012)"]
    assert meta(luttinger, "citation_arxiv_id") == ["1201.4869"]
    assert meta(luttinger, "citation_pdf_url") == ["https://arxiv.org/pdf/1201.4869v1"]


def test_json_ld_opengraph_and_canonical(scholarly_site: Path) -> None:
    for page in scholarly_site.rglob("*.html"):
        tree = parse_html(page)
        blocks = [json.loads(s.text) for s in tree.iter(XHTML + "script") if s.get("type") == "application/ld+json"]
        if page.name == "404.html":
            assert not [l for l in tree.iter(XHTML + "link") if l.get("rel") == "canonical"]
            continue
        assert len(blocks) <= 1 and meta(tree, "og:title") and meta(tree, "twitter:card") == ["summary"]
        canonical = [l.get("href") for l in tree.iter(XHTML + "link") if l.get("rel") == "canonical"]
        assert canonical and canonical[0].startswith("https://example.github.io/research-portfolio/")
        assert meta(tree, "og:url") == canonical
        for block in blocks:
            assert block["@context"] == "https://schema.org"
            if block["@type"] == "ScholarlyArticle":
                assert block["name"] and block["datePublished"] and block["url"] == canonical[0]
                assert all(person["@type"] == "Person" and person["name"] for person in block["author"])
            elif block["@type"] == "ProfilePage":
                assert block["mainEntity"]["@type"] == "Person" and block["mainEntity"]["name"]
            else:
                assert block["@type"] == "WebSite" and block["name"]
    taid = paper_page(scholarly_site, "taid-temporally-adaptive-interpolated-distillation")
    data = next(json.loads(s.text) for s in taid.iter(XHTML + "script") if s.get("type") == "application/ld+json")
    assert {"@type": "PropertyValue", "propertyID": "arXiv", "value": "2501.16937"} in data["identifier"]
    assert "https://arxiv.org/abs/2501.16937" in data["sameAs"]
    akiba = parse_html(scholarly_site / "authors/takuya-akiba/index.html")
    assert meta(akiba, "og:type") == ["profile"]


def test_atom_feeds_are_valid_and_point_at_the_pages(scholarly_site: Path) -> None:
    feeds = [scholarly_site / "feed.xml", *sorted((scholarly_site / "authors").glob("*/feed.xml"))]
    assert len(feeds) == 3
    for path in feeds:
        feed = feedparser.parse(path.read_bytes())
        assert not feed.bozo, (path, feed.get("bozo_exception"))
        assert feed.feed.title and feed.entries
        for entry in feed.entries:
            assert entry.id == entry.link and entry.title and entry.published
            local, _, fragment = entry.link.removeprefix("https://example.github.io/research-portfolio/").partition("#")
            page = (scholarly_site / local / "index.html").read_text("utf-8")
            assert not fragment or f'id="{fragment}"' in page  # a news item: an anchor on the news page
    site_feed = feedparser.parse((scholarly_site / "feed.xml").read_bytes())
    assert any("/news/#" in entry.link for entry in site_feed.entries)
    akiba = feedparser.parse((scholarly_site / "authors/takuya-akiba/feed.xml").read_bytes())
    assert akiba.entries[0].title.startswith("DiffusionBlocks")  # newest first (June 2025)


def test_citation_files_beside_each_paper(scholarly_site: Path) -> None:
    folder = scholarly_site / "papers/optuna-a-next-generation-hyperparameter-optimization"
    bib = (folder / "cite.bib").read_text()
    assert bib.startswith("@inproceedings{akiba2019optuna,") and "doi = {10.1145/3292500.3330701}" in bib
    ris = (folder / "cite.ris").read_bytes().decode()
    assert ris.startswith("TY  - CONF\r\n") and "AU  - Akiba, Takuya\r\n" in ris and ris.endswith("ER  -\r\n")
    assert "SP  - 2623\r\n" in ris and "EP  - 2631\r\n" in ris
    csl = json.loads((folder / "cite.json").read_text())
    assert csl[0]["type"] == "paper-conference" and csl[0]["author"][0] == {"family": "Akiba", "given": "Takuya"}
    assert csl[0]["DOI"] == "10.1145/3292500.3330701" and csl[0]["issued"] == {"date-parts": [[2019]]}
    page = paper_page(scholarly_site, "optuna-a-next-generation-hyperparameter-optimization")
    downloads = {a.get("download"): a.get("href") for a in page.iter(XHTML + "a") if a.get("download")}
    assert downloads == {"akiba2019optuna.bib": "/research-portfolio/papers/optuna-a-next-generation-"
                         "hyperparameter-optimization/cite.bib",
                         "akiba2019optuna.ris": "/research-portfolio/papers/optuna-a-next-generation-"
                         "hyperparameter-optimization/cite.ris",
                         "akiba2019optuna.json": "/research-portfolio/papers/optuna-a-next-generation-"
                         "hyperparameter-optimization/cite.json"}
    everything = (scholarly_site / "authors/takuya-akiba/publications.bib").read_text()
    assert everything.count("\n@") + 1 == 17  # the 16 he lists, and Optuna, which names him


def test_exported_bibtex_imports_back_into_the_same_papers(tmp_path: Path) -> None:
    site = build_example = tmp_path / "example"
    shutil.copytree(REPO / "content", build_example / "content")
    site = build(build_example)
    exported = tmp_path / "all.bib"
    exported.write_text("\n".join(p.read_text() for p in sorted((site / "papers").glob("*/cite.bib"))))
    fresh = tmp_path / "fresh"
    write_files(fresh, {"content/site.yaml": SITE})
    assert imported(fresh, "bibtex", exported).returncode == 0

    from generator.project import load_site
    original = load_site(build_example).papers
    again = {p.title_text: p for p in load_site(fresh).papers.values()}
    assert len(again) == len(original) == 22
    for paper in original.values():
        twin = again[paper.title_text]
        for name in ("authors", "et_al", "date", "category", "venue", "doi", "arxiv", "code_url", "pdf"):
            left, right = getattr(paper, name), getattr(twin, name)
            if name == "authors":
                left, right = [a.name for a in left], [a.name for a in right]
            assert left == right, (paper.title_text, name)
        assert twin.abstract_html == paper.abstract_html, paper.title_text


def test_imported_names_link_to_authors_by_alias(example_project: Path) -> None:
    author = example_project / "content/authors/takuya-akiba.yaml"
    author.write_text(author.read_text().replace("name: Takuya Akiba\n", "name: Takuya Akiba\naliases: [T. Akiba]\n"))
    bib = example_project / "new.bib"
    bib.write_text("@misc{x, title={A New Result}, author={Akiba, T. and Roe, Richard}, year=2026}\n")
    assert imported(example_project, "bibtex", bib).returncode == 0
    page = paper_page(build(example_project), "a-new-result")
    line = find_all(page, "p", "authors")[0]
    assert {text_of(a): a.get("href") for a in line.iter(XHTML + "a")} == {
        "T. Akiba": "/research-portfolio/authors/takuya-akiba/"}


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children), max_leaves=30)


@settings(max_examples=400, deadline=None)
@given(_JSON_VALUES)
def test_csl_json_writer_writes_what_the_json_module_writes(value):
    assert indented_json(value) == json.dumps(value, ensure_ascii=False, indent=2)
