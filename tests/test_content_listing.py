"""The listing of content/ that every build starts from: kinds, misplaced files, and each file's stat."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import run_portfolio

from generator import sources

FILES = ["site.yaml", "notes.yaml", "papers/a.md", "papers/b.txt", "papers/old/c.md", "papers/.d.md", "papers/e.md~",
         "authors/x.yaml", "authors/y.yml", "pages/cv.md", "pages/projects/robots.md", "pages/projects/arm.png",
         "news/n.md", "images/p.png", ".git/config", "images/4913"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in FILES:
        path = tmp_path / "content" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name)
    (tmp_path / "content/papers/gone.md").symlink_to(tmp_path / "nowhere")
    return tmp_path


def test_every_file_gets_its_kind_and_misplaced_ones_an_error(project: Path) -> None:
    listing = sources.list_content(project)
    assert listing.found == [
        ("content/notes.yaml", "asset"), ("content/site.yaml", "config"),
        ("content/authors/x.yaml", "authors"), ("content/authors/y.yml", "authors"),
        ("content/images/p.png", "asset"), ("content/news/n.md", "news"),
        ("content/pages/cv.md", "pages"), ("content/pages/projects/arm.png", "asset"),
        ("content/pages/projects/robots.md", "pages"),
        ("content/papers/a.md", "papers"), ("content/papers/gone.md", "papers"),
    ]
    assert [(error.location.path, error.message.split(":")[0]) for error in listing.errors] == [
        ("content/papers/b.txt", "unexpected file in content/papers/"),
        ("content/papers/old/c.md", "papers files belong directly in content/papers/, not in a subfolder"),
    ]
    assert all(sources.classify(path) == (kind, None) for path, kind in listing.found)


@pytest.mark.parametrize("in_folder", [True, False])
def test_stats_name_each_file_as_it_is_now(project: Path, in_folder: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stat relative to the open folder (where the system allows) or by whole path: the same answer."""
    monkeypatch.setattr(sources, "_STAT_IN_FOLDER", in_folder and sources._STAT_IN_FOLDER)
    paper = project / "content/papers/a.md"
    os.utime(paper, ns=(1_000_000_000, 1_000_000_000))
    listing = sources.list_content(project)
    assert listing.signatures["content/papers/a.md"] == (1_000_000_000, len("papers/a.md"))
    assert listing.signatures["content/papers/gone.md"] is None  # a link to nothing: as if the file were gone
    assert listing.signatures == {path: sources.signature(project, path) for path, _ in listing.found}
    paper.write_text("longer than before")
    assert sources.list_content(project).signatures["content/papers/a.md"][1] == len("longer than before")


def test_files_that_cannot_be_read_do_not_stop_an_import(tmp_path: Path) -> None:
    """A link in a loop among the pictures (listed without a stat: a build reports it when reading it) and a
    link to nothing among the papers (skipped, as a build skips it): an import works beside both."""
    (tmp_path / "content/images").mkdir(parents=True)
    (tmp_path / "content/papers").mkdir()
    (tmp_path / "content/site.yaml").write_text("title: Lab\nbase_url: https://lab.example.org/\n")
    (tmp_path / "content/images/loop.png").symlink_to(tmp_path / "content/images/loop.png")
    (tmp_path / "content/papers/gone.md").symlink_to(tmp_path / "nowhere.md")
    assert sources.list_content(tmp_path).signatures["content/images/loop.png"] is None
    (tmp_path / "refs.bib").write_text("@article{k, title={A Title}, author={Lovelace, Ada}, year={1843}}\n")
    result = run_portfolio("import", "bibtex", str(tmp_path / "refs.bib"), "--source", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "content/papers/a-title.md").is_file()
