"""Shared fixtures: scratch site projects and a runner for the real `portfolio` command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import html5lib
import pytest

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO.parent / "shared" / "seeds"
TESTDATA = REPO.parent / "shared" / "testdata"
AKIBA_SEED = SEEDS / "000_4e459a0b7d8b32b5.txt"
ISHIKAWA_SEED = SEEDS / "004_57e28e581b603a31.txt"
XHTML = "{http://www.w3.org/1999/xhtml}"


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def run_portfolio(*args: str, cwd: Path | None = None, timeout: float = 120,
                  env: dict[str, str] | None = None) -> Run:
    """Run `python -m generator ARGS` as a separate process, as a user would (`env`: extra variables)."""
    completed = subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd or REPO, capture_output=True,
                               text=True, timeout=timeout, env={**os.environ, **(env or {})})
    return Run(completed.returncode, completed.stdout, completed.stderr)


def build_ok(project: Path, *args: str) -> None:
    """`portfolio build` of `project`, which must succeed."""
    result = run_portfolio("build", "--source", str(project), *args)
    assert result.returncode == 0, result.stderr


def file_tree(folder: Path) -> dict[str, bytes | None]:
    """Every entry below `folder` without following links: bytes, None for a folder, b'LINK' for a link."""
    entries: dict[str, bytes | None] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            rel = path.relative_to(folder).as_posix()
            entries[rel] = b"LINK" if path.is_symlink() else None if path.is_dir() else path.read_bytes()
    return entries


def without_state(entries: dict[str, bytes | None]) -> dict[str, bytes | None]:
    """A site's files without the generator's bookkeeping (.portfolio/)."""
    return {rel: data for rel, data in entries.items() if rel.split("/")[0] != ".portfolio"}


def write_files(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def pages_checked_by_build(monkeypatch: pytest.MonkeyPatch, root: Path, output: Path) -> set[str]:
    """The pages a one-off build (as `portfolio build` makes) fingerprints to find what changed."""
    from generator.build import SitePages, build

    checked: set[str] = set()
    fingerprint = SitePages.fingerprint

    def noted(pages: SitePages, spec, inputs=None):  # type: ignore[no-untyped-def]
        checked.add(spec.dest)
        return fingerprint(pages, spec, inputs)

    monkeypatch.setattr(SitePages, "fingerprint", noted)
    build(root, output)
    monkeypatch.undo()
    return checked


def append_a_sentence_it_has(paper: Path) -> None:
    """An edit to a paper's abstract alone that adds no word the site lacks (so no new search file)."""
    text = paper.read_text("utf-8")
    sentence = text.rstrip().rsplit("\n", 1)[-1].split(". ")[0].rstrip(".") + "."
    paper.write_text(text.rstrip("\n") + f" {sentence}\n", "utf-8")


@pytest.fixture(scope="session", autouse=True)
def picture_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Resized pictures are cached per user; tests get their own cache, not the developer's."""
    cache = tmp_path_factory.mktemp("xdg-cache")
    os.environ["XDG_CACHE_HOME"] = str(cache)
    return cache


@pytest.fixture
def example_project(tmp_path: Path) -> Path:
    """A copy of the shipped example site (content only: the default theme comes from the package)."""
    project = tmp_path / "project"
    shutil.copytree(REPO / "content", project / "content")
    return project


@pytest.fixture(scope="session")
def built_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example site built once for read-only page tests, at its configured sub-path."""
    project = tmp_path_factory.mktemp("built") / "project"
    shutil.copytree(REPO / "content", project / "content")
    result = run_portfolio("build", "--source", str(project))
    assert result.returncode == 0, result.stderr
    return project / "site"


def parse_html(path: Path):  # type: ignore[no-untyped-def]
    with open(path, "rb") as handle:
        return html5lib.parse(handle, treebuilder="etree", namespaceHTMLElements=True)


def find_all(tree, tag: str, cls: str | None = None) -> list:  # type: ignore[no-untyped-def]
    return [e for e in tree.iter(XHTML + tag) if cls is None or cls in (e.get("class") or "").split()]


def text_of(element) -> str:  # type: ignore[no-untyped-def]
    return " ".join("".join(element.itertext()).split())
